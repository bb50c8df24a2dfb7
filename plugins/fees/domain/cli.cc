#include "cli.h"

#include <iconv.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sukusuku/error.h"

namespace sukusuku::fees {

namespace {

struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
};

// Parses "--name value" and "--switch" flags; anything unknown is an Error 400.
Args parseArgs(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
               const std::vector<std::string>& switches) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      out.flags[name] = value;
    } else if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
      out.flags[name] = "1";
      continue;
    } else if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
      if (i + 1 >= args.size()) {
        throw Error::badRequest("fees.cli_usage", "--" + name + " needs a value");
      }
      out.flags[name] = args[++i];
      continue;
    }
    if (std::find(with_value.begin(), with_value.end(), name) == with_value.end()) {
      throw Error::badRequest("fees.cli_usage", "unknown option --" + name);
    }
  }
  return out;
}

int intFlag(const Args& a, const std::string& name, int fallback, bool required = false) {
  auto it = a.flags.find(name);
  if (it == a.flags.end()) {
    if (required) throw Error::badRequest("fees.cli_usage", "--" + name + " is required");
    return fallback;
  }
  try {
    size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("");
    return v;
  } catch (const std::exception&) {
    throw Error::badRequest("fees.cli_usage", "--" + name + " must be a number, not '" +
                                                  it->second + "'");
  }
}

std::string flag(const Args& a, const std::string& name) {
  auto it = a.flags.find(name);
  return it == a.flags.end() ? "" : it->second;
}

// The municipality: --city CODE, else the only one with fee settings.
int64_t cityOf(const Args& a, FeesService& service, db::Database& db) {
  if (!flag(a, "city").empty()) return service.cityByCode(flag(a, "city"));
  auto conn = db.acquire();
  auto rows = conn->query("SELECT municipality_id FROM fee_settings ORDER BY municipality_id");
  if (rows.size() == 1) return rows[0].getInt("municipality_id");
  throw Error::badRequest("fees.cli_usage",
                          rows.empty() ? "no municipality has fee settings yet (seed-demo, or "
                                         "give --city CODE)"
                                       : "several municipalities: give --city CODE");
}

int64_t schoolOf(const Args& a, int64_t city, db::Database& db) {
  const std::string code = flag(a, "school");
  if (code.empty()) return 0;
  auto conn = db.acquire();
  auto row = conn->queryOne("SELECT id FROM facilities WHERE municipality_id = ? AND code = ?",
                            {city, code});
  if (!row) throw Error::badRequest("fees.cli_usage", "no school with code " + code);
  return row->getInt("id");
}

void writeOutput(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error::badRequest("fees.cli_output", "cannot write " + path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error::badRequest("fees.cli_output", "cannot write " + path);
}

}  // namespace

std::string debitFilePath(const std::string& output, const std::string& code,
                          const std::string& debit_date, size_t files) {
  std::string ymd = debit_date;
  ymd.erase(std::remove(ymd.begin(), ymd.end(), '-'), ymd.end());
  auto replaceAll = [](std::string s, const std::string& what, const std::string& with) {
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
      s.replace(at, what.size(), with);
    }
    return s;
  };
  if (output.find("{code}") != std::string::npos) {
    return replaceAll(replaceAll(output, "{code}", code), "{date}", ymd);
  }
  std::error_code ec;
  if (output.back() == '/' || std::filesystem::is_directory(output, ec)) {
    std::filesystem::create_directories(output, ec);
    return (std::filesystem::path(output) / ("zengin91-" + code + "-" + ymd + ".txt")).string();
  }
  if (files <= 1) return output;
  const std::filesystem::path p(output);
  return (p.parent_path() / (p.stem().string() + "-" + code + p.extension().string())).string();
}

namespace {

// Runs FN, turning errors into the exit codes of cli.h and a clear message on ERR.
int guarded(std::ostream& err, const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    err << "error: " << e.what() << " (" << e.code() << ")\n";
    if (e.details().contains("errors")) {
      for (const auto& p : e.details()["errors"]) {
        err << "  line " << p["line"].get<int>() << ": " << p["message"].get<std::string>()
            << "\n";
      }
    }
    return e.status() < 500 ? 2 : 1;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }
}

std::string toShiftJis(const std::string& utf8) {
  iconv_t cd = iconv_open("CP932//TRANSLIT", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no CP932 converter");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* op = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &op, &out_left) == static_cast<size_t>(-1)) {
      if (errno == EILSEQ) {  // a character CP932 lacks: write '?' and skip it
        *op++ = '?';
        --out_left;
        ++in;
        --in_left;
        while (in_left > 0 && (static_cast<unsigned char>(*in) & 0xC0) == 0x80) {
          ++in;
          --in_left;
        }
      } else {
        break;
      }
    }
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string ledgerCsv(const nlohmann::json& ledger, bool shift_jis) {
  std::ostringstream csv;
  csv << "section,school,item,month,kind,amount\r\n";
  for (const auto& [kind, total] : ledger["totals"].items()) {
    csv << "total,,,," << kind << "," << total.get<int64_t>() << "\r\n";
  }
  for (const auto& s : ledger["schools"]) {
    csv << "school," << csvField(s["name"]) << ",,,assessed," << s["assessed"].get<int64_t>()
        << "\r\n";
    csv << "school," << csvField(s["name"]) << ",,,collected," << s["collected"].get<int64_t>()
        << "\r\n";
  }
  for (const auto& i : ledger["items"]) {
    csv << "item,," << csvField(i["name"]) << ",,assessed," << i["assessed"].get<int64_t>()
        << "\r\n";
  }
  for (const auto& [month, kinds] : ledger["months"].items()) {
    for (const auto& [kind, total] : kinds.items()) {
      csv << "month,,," << month << "," << kind << "," << total.get<int64_t>() << "\r\n";
    }
  }
  return shift_jis ? toShiftJis(csv.str()) : "\xEF\xBB\xBF" + csv.str();
}

void ledgerXlsx(const nlohmann::json& ledger, const std::string& path) {
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) throw Error::badRequest("fees.cli_output", "cannot write " + path);
  lxw_worksheet* sheet = workbook_add_worksheet(book, "ledger");
  const char* headings[] = {"section", "school", "item", "month", "kind", "amount"};
  for (int c = 0; c < 6; ++c) worksheet_write_string(sheet, 0, c, headings[c], nullptr);
  lxw_row_t row = 1;
  auto put = [&](const char* section, const std::string& school, const std::string& item,
                 const std::string& month, const std::string& kind, int64_t amount) {
    worksheet_write_string(sheet, row, 0, section, nullptr);
    worksheet_write_string(sheet, row, 1, school.c_str(), nullptr);
    worksheet_write_string(sheet, row, 2, item.c_str(), nullptr);
    worksheet_write_string(sheet, row, 3, month.c_str(), nullptr);
    worksheet_write_string(sheet, row, 4, kind.c_str(), nullptr);
    worksheet_write_number(sheet, row, 5, static_cast<double>(amount), nullptr);
    ++row;
  };
  for (const auto& [kind, total] : ledger["totals"].items()) {
    put("total", "", "", "", kind, total.get<int64_t>());
  }
  for (const auto& s : ledger["schools"]) {
    put("school", s["name"], "", "", "assessed", s["assessed"].get<int64_t>());
    put("school", s["name"], "", "", "collected", s["collected"].get<int64_t>());
  }
  for (const auto& i : ledger["items"]) {
    put("item", "", i["name"], "", "assessed", i["assessed"].get<int64_t>());
  }
  for (const auto& [month, kinds] : ledger["months"].items()) {
    for (const auto& [kind, total] : kinds.items()) put("month", "", "", month, kind, total.get<int64_t>());
  }
  if (workbook_close(book) != LXW_NO_ERROR) {
    throw Error::badRequest("fees.cli_output", "cannot write " + path);
  }
}

std::vector<CliCommand> feesCommands(FeesService& service, db::Database& db, const Clock& clock) {
  std::vector<CliCommand> cmds;
  const int default_year = fiscalYear(clock.now());
  cmds.push_back(
      {"bill", "assess every pupil for one instalment (調定)",
       "--instalment N [--fiscal-year YYYY] [--dry-run] [--school CODE] [--city CODE]\n"
       "  Bills instalment N of the fiscal year (default: the current one) to every pupil of the\n"
       "  municipality's plans; running it again bills only what changed. --dry-run prints what\n"
       "  would be billed (optionally for one school) and writes nothing.",
       [&service, &db, default_year](const std::vector<std::string>& args, std::ostream& out,
                                     std::ostream& err) {
         return guarded(err, [&] {
           Args a = parseArgs(args, {"instalment", "fiscal-year", "school", "city"}, {"dry-run"});
           const int64_t city = cityOf(a, service, db);
           RunOptions opt;
           opt.fiscal_year = intFlag(a, "fiscal-year", default_year);
           opt.instalment = intFlag(a, "instalment", 0, true);
           opt.dry_run = a.flags.count("dry-run") > 0;
           opt.facility_id = schoolOf(a, city, db);
           if (opt.facility_id != 0 && !opt.dry_run) {
             throw Error::badRequest("fees.cli_usage",
                                     "--school is for dry runs: a run bills every school");
           }
           const RunSummary s = service.bill(city, opt);
           out << (opt.dry_run ? "dry run" : "run " + std::to_string(s.run_id)) << ": fiscal year "
               << opt.fiscal_year << " instalment " << opt.instalment << "\n"
               << "  pupils " << s.pupils << ", entries " << s.entries << " (adjustments "
               << s.adjustments << "), bills " << s.bills << "\n"
               << "  households " << s.charged << " yen, city (就学援助) " << s.charged_city
               << " yen\n";
           if (opt.dry_run) {
             for (const auto& l : s.lines) out << "  " << l.dump() << "\n";
           }
           return 0;
         });
       }});
  cmds.push_back(
      {"export-debit", "write the Zengin 91 direct-debit request files, one per consignor",
       "--instalment N --output PATH [--fiscal-year YYYY] [--date YYYY-MM-DD] [--no-crlf]\n"
       "  [--city CODE]\n"
       "  Writes the household bills of instalment N that have an active mandate and are not\n"
       "  already waiting for a result: one file per consignor (委託者コード; a mandate's bank\n"
       "  picks the consignor collecting for it, else the city's default one). --output is\n"
       "    a folder (existing, or ending in /): FOLDER/zengin91-CODE-YYYYMMDD.txt per file;\n"
       "    a pattern with {code} (and optionally {date}, YYYYMMDD): one file per consignor;\n"
       "    a file name: that file when there is one consignor's file, else NAME-CODE.EXT.\n"
       "  --date overrides the instalment's debit date; --no-crlf writes one unbroken stream of\n"
       "  120-byte records. Prints each file's consignor, records and total.",
       [&service, &db, default_year](const std::vector<std::string>& args, std::ostream& out,
                                     std::ostream& err) {
         return guarded(err, [&] {
           Args a = parseArgs(args, {"instalment", "fiscal-year", "date", "output", "city"},
                              {"no-crlf"});
           const std::string path = flag(a, "output");
           if (path.empty()) throw Error::badRequest("fees.cli_usage", "--output is required");
           const int64_t city = cityOf(a, service, db);
           ExportOptions opt;
           opt.fiscal_year = intFlag(a, "fiscal-year", default_year);
           opt.instalment = intFlag(a, "instalment", 0, true);
           opt.debit_date = flag(a, "date");
           opt.crlf = a.flags.count("no-crlf") == 0;
           const DebitExport r = service.exportDebit(city, opt);
           for (const auto& f : r.files) {
             const std::string target = debitFilePath(path, f.consignor_code, r.debit_date,
                                                      r.files.size());
             writeOutput(target, f.bytes);
             out << "file " << f.file_id << ": consignor " << f.consignor_code << " "
                 << f.consignor_name << ": " << f.records << " debits, " << f.total
                 << " yen, debit date " << r.debit_date << " -> " << target << "\n";
           }
           if (r.files.size() > 1) {
             out << "total: " << r.files.size() << " files, " << r.records << " debits, "
                 << r.total << " yen\n";
           }
           return 0;
         });
       }});
  cmds.push_back(
      {"import-result", "apply the bank's Zengin 91 result file",
       "FILE [--city CODE]\n"
       "  Reconciles every record on 顧客番号 and amount and applies the result codes in one\n"
       "  transaction; a file that does not parse changes nothing. Prints the report.",
       [&service, &db](const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
         return guarded(err, [&] {
           Args a = parseArgs(args, {"city"}, {});
           if (a.positional.size() != 1) {
             throw Error::badRequest("fees.cli_usage", "give exactly one result FILE");
           }
           std::ifstream in(a.positional[0], std::ios::binary);
           if (!in) throw Error::badRequest("fees.cli_usage", "cannot read " + a.positional[0]);
           std::ostringstream buf;
           buf << in.rdbuf();
           const int64_t city = cityOf(a, service, db);
           const ImportReport r = service.importResult(city, buf.str());
           out << "file " << r.file_id << ": " << r.records << " records, debited " << r.debited
               << " (" << r.debited_amount << " yen), failed " << r.failed_amount << " yen\n";
           for (const auto& [why, n] : r.failed) out << "  failed " << why << ": " << n << "\n";
           out << "  unmatched " << r.unmatched.size() << ", already settled " << r.already.size()
               << ", for review " << r.review.size() << "\n";
           for (const auto& u : r.unmatched) out << "  unmatched " << u.dump() << "\n";
           return 0;
         });
       }});
  cmds.push_back(
      {"ledger", "print or export the year's ledger",
       "[--fiscal-year YYYY] [--school CODE] [--output PATH] [--format json|csv|csv-sjis|xlsx]\n"
       "  [--city CODE]\n"
       "  Totals per kind (調定, 収入, 還付, 不納欠損, adjustments), school, item and month.\n"
       "  CSV is UTF-8 with a BOM, or Shift_JIS with csv-sjis; xlsx needs --output.",
       [&service, &db, default_year](const std::vector<std::string>& args, std::ostream& out,
                                     std::ostream& err) {
         return guarded(err, [&] {
           Args a = parseArgs(args, {"fiscal-year", "school", "output", "format", "city"}, {});
           const int64_t city = cityOf(a, service, db);
           const int year = intFlag(a, "fiscal-year", default_year);
           const nlohmann::json ledger = service.ledger(city, year, schoolOf(a, city, db));
           std::string format = flag(a, "format");
           if (format.empty()) format = "json";
           std::string bytes;
           if (format == "json") {
             bytes = ledger.dump(2) + "\n";
           } else if (format == "xlsx") {
             if (flag(a, "output").empty()) {
               throw Error::badRequest("fees.cli_usage", "xlsx needs --output PATH");
             }
             ledgerXlsx(ledger, flag(a, "output"));
             out << "ledger " << year << " -> " << flag(a, "output") << "\n";
             return 0;
           } else if (format == "csv" || format == "csv-sjis") {
             bytes = ledgerCsv(ledger, format == "csv-sjis");
           } else {
             throw Error::badRequest("fees.cli_usage", "--format is json, csv, csv-sjis or xlsx");
           }
           if (flag(a, "output").empty()) {
             out << bytes;
           } else {
             writeOutput(flag(a, "output"), bytes);
             out << "ledger " << year << ": billed " << ledger["billed_household"]
                 << " yen, collected " << ledger["collected"] << " yen -> " << flag(a, "output")
                 << "\n";
           }
           return 0;
         });
       }});
  return cmds;
}

}  // namespace sukusuku::fees
