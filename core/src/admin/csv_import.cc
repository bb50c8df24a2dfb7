#include "csv_import.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "support.h"

namespace sukusuku::admin {

namespace {

const std::map<std::string, std::vector<std::string>>& columnsByKind() {
  static const std::map<std::string, std::vector<std::string>> kColumns = {
      {"guardians",
       {"household_external_id", "household_name", "postal_code", "address", "phone",
        "family_name", "given_name", "family_name_kana", "given_name_kana", "relationship",
        "primary_payer", "may_pick_up", "email"}},
      {"children",
       {"external_id", "household_external_id", "family_name", "given_name", "family_name_kana",
        "given_name_kana", "birth_date", "sex", "facility_code", "class_name", "admission_date",
        "certified_hours"}},
      {"staff",
       {"employee_code", "family_name", "given_name", "family_name_kana", "given_name_kana",
        "facility_code", "starts_on", "qualifications", "contract_kind", "minutes_per_week",
        "days_per_week"}}};
  return kColumns;
}

// Columns that may be empty.
const std::set<std::string> kOptional = {"postal_code", "address",  "phone",        "email",
                                         "class_name",  "certified_hours", "household_name",
                                         "primary_payer", "may_pick_up"};

// ---- encodings --------------------------------------------------------------------------------

// Offset of the first byte that is not well-formed UTF-8, or npos.
size_t badUtf8At(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return i;
    }
    i += n;
  }
  return std::string::npos;
}

// CP932 -> UTF-8; nullopt with the failing offset when the bytes are not CP932.
std::optional<std::string> fromCp932(const std::string& in, size_t* bad_at = nullptr) {
  iconv_t cd = iconv_open("UTF-8", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv has no CP932");
  std::string out(in.size() * 3 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  if (rc != static_cast<size_t>(-1)) rc = iconv(cd, nullptr, nullptr, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    if (bad_at) *bad_at = in.size() - src_left;
    return std::nullopt;
  }
  out.resize(out.size() - dst_left);
  return out;
}

std::vector<std::string> splitLines(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t nl = s.find('\n', i);
    if (nl == std::string::npos) {
      if (i < s.size()) out.push_back(s.substr(i));
      break;
    }
    out.push_back(s.substr(i, nl - i + 1));
    i = nl + 1;
  }
  return out;
}

size_t commasBefore(const std::string& line, size_t at) {
  return static_cast<size_t>(std::count(line.begin(), line.begin() + std::min(at, line.size()), ','));
}

}  // namespace

std::string decodeCsvBytes(const std::string& bytes, std::string& encoding,
                           std::vector<ImportProblem>& problems) {
  std::string body = bytes;
  bool bom = body.rfind("\xEF\xBB\xBF", 0) == 0;
  if (bom) body.erase(0, 3);
  if (badUtf8At(body) == std::string::npos) {
    encoding = bom ? "utf-8-bom" : "utf-8";
    return body;
  }
  if (!bom) {
    if (auto converted = fromCp932(body)) {
      encoding = "cp932";
      return *converted;
    }
  }
  // Neither decodes the whole file: take the encoding most lines are in and report the others.
  auto lines = splitLines(body);
  int utf8_ok = 0, sjis_ok = 0;
  for (const auto& l : lines) {
    if (std::all_of(l.begin(), l.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
      continue;
    if (badUtf8At(l) == std::string::npos) ++utf8_ok;
    if (fromCp932(l)) ++sjis_ok;
  }
  bool sjis = !bom && sjis_ok > utf8_ok;
  encoding = sjis ? "cp932" : (bom ? "utf-8-bom" : "utf-8");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    size_t bad = std::string::npos;
    std::optional<std::string> decoded;
    if (sjis) {
      decoded = fromCp932(l, &bad);
    } else {
      bad = badUtf8At(l);
      if (bad == std::string::npos) decoded = l;
    }
    if (decoded) {
      out += *decoded;
      continue;
    }
    // The column is resolved from the header later: keep its index in `value` for now.
    problems.push_back({static_cast<int>(i + 1), std::to_string(commasBefore(l, bad)),
                        "import.bad_encoding",
                        "bytes that are neither UTF-8 nor Shift_JIS (" + encoding + " expected)",
                        ""});
    // Keep the line's shape (its commas) so the records after it keep their line numbers.
    std::string shape;
    for (char c : l) {
      if (c == ',' || c == '\n' || c == '\r') shape += c;
    }
    out += shape;
  }
  return out;
}

namespace {

struct Record {
  int line = 0;
  std::vector<std::string> fields;
};

std::vector<Record> parseCsv(const std::string& text, std::vector<ImportProblem>& problems) {
  std::vector<Record> out;
  Record cur;
  std::string field;
  int line = 1;
  cur.line = 1;
  bool quoted = false, any = false;
  size_t i = 0;
  auto endRecord = [&]() {
    cur.fields.push_back(field);
    field.clear();
    bool blank = cur.fields.size() == 1 && cur.fields[0].empty();
    if (!blank) out.push_back(std::move(cur));
    cur = Record{};
    any = false;
  };
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      ++i;
      continue;
    }
    if (!any) {
      cur.line = line;
      any = true;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      cur.fields.push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the \n ends the record.
    } else if (c == '\n') {
      endRecord();
      ++line;
    } else {
      field += c;
    }
    ++i;
  }
  if (quoted) {
    problems.push_back({cur.line, "", "import.unterminated_quote",
                        "a quoted field is not closed before the end of the file", ""});
  }
  if (any || !field.empty()) endRecord();
  return out;
}

// Blanks around a value, full-width spaces (U+3000) included.
std::string trim(const std::string& s) {
  std::string v = s;
  while (true) {
    if (v.rfind("\xE3\x80\x80", 0) == 0) {
      v.erase(0, 3);
    } else if (!v.empty() && (v[0] == ' ' || v[0] == '\t' || v[0] == '\r' || v[0] == '\n')) {
      v.erase(0, 1);
    } else {
      break;
    }
  }
  while (true) {
    if (v.size() >= 3 && v.compare(v.size() - 3, 3, "\xE3\x80\x80") == 0) {
      v.erase(v.size() - 3);
    } else if (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' ||
                              v.back() == '\n')) {
      v.pop_back();
    } else {
      break;
    }
  }
  return v;
}

// The rows of one file with named access and problem recording.
class Sheet {
 public:
  Sheet(const std::string& kind, std::vector<ImportProblem>& problems)
      : kind_(kind), problems_(problems), columns_(columnsByKind().at(kind)) {}

  // Reads the header; false when a required column is missing (reported).
  bool header(const Record& r) {
    for (size_t i = 0; i < r.fields.size(); ++i) {
      std::string name = trim(r.fields[i]);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!name.empty() && !index_.count(name)) index_[name] = i;
      names_.push_back(name);
    }
    bool ok = true;
    for (const auto& c : columns_) {
      if (!index_.count(c)) {
        problem(1, c, "import.missing_column", "the header has no column " + c);
        ok = false;
      }
    }
    return ok;
  }

  std::string columnName(size_t index) const {
    return index < names_.size() ? names_[index] : "#" + std::to_string(index + 1);
  }

  void problem(int line, const std::string& column, const std::string& code,
               const std::string& message, const std::string& value = "") {
    problems_.push_back({line, column, code, message, value});
  }

  // The value of COLUMN in R, trimmed; reports a missing required value.
  std::string get(const Record& r, const std::string& column) {
    size_t i = index_.at(column);
    std::string v = i < r.fields.size() ? trim(r.fields[i]) : "";
    if (v.empty() && !kOptional.count(column)) {
      problem(r.line, column, "import.required", column + " is empty");
    } else if (v.size() > 200) {
      problem(r.line, column, "import.too_long", column + " is longer than 200 bytes", v.substr(0, 40));
      return "";
    }
    return v;
  }

  std::string date(const Record& r, const std::string& column) {
    std::string v = get(r, column);
    if (v.empty()) return v;
    std::string norm = v;
    std::replace(norm.begin(), norm.end(), '/', '-');
    // 2024-4-1 -> 2024-04-01
    size_t a = norm.find('-'), b = norm.find('-', a == std::string::npos ? 0 : a + 1);
    if (a != std::string::npos && b != std::string::npos) {
      std::string y = norm.substr(0, a), m = norm.substr(a + 1, b - a - 1), d = norm.substr(b + 1);
      if (m.size() == 1) m = "0" + m;
      if (d.size() == 1) d = "0" + d;
      norm = y + "-" + m + "-" + d;
    }
    if (!validDate(norm)) {
      problem(r.line, column, "import.bad_date", column + " is not a date (YYYY-MM-DD)", v);
      return "";
    }
    return norm;
  }

  std::string choice(const Record& r, const std::string& column,
                     const std::vector<std::string>& allowed) {
    std::string v = get(r, column);
    if (v.empty()) return v;
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
      problem(r.line, column, "import.bad_choice", column + " must be one of " + list, v);
      return "";
    }
    return v;
  }

  std::optional<bool> flag(const Record& r, const std::string& column, bool fallback) {
    std::string v = get(r, column);
    if (v.empty()) return fallback;
    if (v == "1" || v == "true" || v == "TRUE" || v == "はい" || v == "○") return true;
    if (v == "0" || v == "false" || v == "FALSE" || v == "いいえ" || v == "×") return false;
    problem(r.line, column, "import.bad_flag", column + " must be 1 or 0", v);
    return std::nullopt;
  }

  std::optional<int64_t> number(const Record& r, const std::string& column, int64_t min,
                                int64_t max) {
    std::string v = get(r, column);
    if (v.empty()) return std::nullopt;
    if (v.size() > 12 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      problem(r.line, column, "import.bad_number", column + " must be a whole number", v);
      return std::nullopt;
    }
    int64_t n = std::stoll(v);
    if (n < min || n > max) {
      problem(r.line, column, "import.out_of_range",
              column + " must be between " + std::to_string(min) + " and " + std::to_string(max),
              v);
      return std::nullopt;
    }
    return n;
  }

  // Reports a record whose field count differs from the header's.
  void checkWidth(const Record& r) {
    if (r.fields.size() < names_.size()) {
      problem(r.line, "", "import.missing_fields",
              "the row has " + std::to_string(r.fields.size()) + " fields, the header " +
                  std::to_string(names_.size()));
    } else if (r.fields.size() > names_.size()) {
      problem(r.line, "", "import.extra_fields",
              "the row has " + std::to_string(r.fields.size()) + " fields, the header " +
                  std::to_string(names_.size()));
    }
  }

  // First occurrence of KEY in the file (for duplicate ids); reports later ones.
  void unique(const Record& r, const std::string& column, const std::string& key,
              std::map<std::string, int>& seen) {
    if (key.empty()) return;
    auto [it, inserted] = seen.emplace(key, r.line);
    if (!inserted) {
      problem(r.line, column, "import.duplicate_in_file",
              column + " " + key + " already appears on line " + std::to_string(it->second), key);
    }
  }

 private:
  std::string kind_;
  std::vector<ImportProblem>& problems_;
  const std::vector<std::string>& columns_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> names_;
};

const std::vector<std::string> kRelationships = {"mother", "father", "grandmother", "grandfather",
                                                 "other"};
const std::vector<std::string> kSexes = {"female", "male", "unspecified"};
const std::vector<std::string> kHours = {"standard", "short"};
const std::vector<std::string> kQualifications = {"hoikushi", "kangoshi", "chorishi",
                                                  "eiyoushi", "kyouin",   "other"};
const std::vector<std::string> kContracts = {"full_time", "part_time"};

std::map<std::string, int64_t> facilityCodes(db::Connection& conn, int64_t muni) {
  std::map<std::string, int64_t> out;
  for (const auto& f :
       conn.query("SELECT id, code FROM facilities WHERE municipality_id = ?", {muni})) {
    out[f.getText("code")] = f.getInt("id");
  }
  return out;
}

int fiscalYearOf(const std::string& date) {
  int y = std::stoi(date.substr(0, 4)), m = std::stoi(date.substr(5, 2));
  return m >= 4 ? y : y - 1;
}

// ---- the three kinds --------------------------------------------------------------------------

struct Context {
  db::Connection& conn;
  int64_t muni;
  std::string now;
  Sheet& sheet;
  std::vector<Record>& rows;
};

// Checks (tx == nullptr) or writes (tx set, only for a clean file).
int guardians(Context& c, db::Tx* tx) {
  std::map<std::string, int> seen;
  std::map<std::string, int64_t> created;  // household external id -> id (writing)
  int written = 0;
  for (const auto& r : c.rows) {
    if (!tx) c.sheet.checkWidth(r);
    std::string hx = c.sheet.get(r, "household_external_id");
    std::string hname = c.sheet.get(r, "household_name");
    std::string fam = c.sheet.get(r, "family_name"), giv = c.sheet.get(r, "given_name");
    std::string famk = c.sheet.get(r, "family_name_kana"), givk = c.sheet.get(r, "given_name_kana");
    std::string rel = c.sheet.choice(r, "relationship", kRelationships);
    auto payer = c.sheet.flag(r, "primary_payer", false);
    auto pickup = c.sheet.flag(r, "may_pick_up", true);
    std::string email = c.sheet.get(r, "email");
    if (!email.empty() && email.find('@') == std::string::npos) {
      c.sheet.problem(r.line, "email", "import.bad_email", "email has no @", email);
    }
    if (!tx) {
      c.sheet.unique(r, "family_name", hx + "/" + fam + " " + giv, seen);
      if (!hx.empty() && !fam.empty()) {
        if (c.conn.queryOne("SELECT g.id FROM guardians g JOIN households h ON h.id = "
                            "g.household_id WHERE h.municipality_id = ? AND h.external_id = ? AND "
                            "g.family_name = ? AND g.given_name = ?",
                            {c.muni, hx, fam, giv})) {
          c.sheet.problem(r.line, "family_name", "import.duplicate_in_database",
                          "this guardian is already in household " + hx, fam + " " + giv);
        }
      }
      bool known = !hx.empty() && c.conn.queryOne("SELECT id FROM households WHERE "
                                                  "municipality_id = ? AND external_id = ?",
                                                  {c.muni, hx});
      if (!hx.empty() && !known && hname.empty() && !seen.count(hx + "#household")) {
        c.sheet.problem(r.line, "household_name", "import.required",
                        "household_name is needed where a household first appears");
      }
      seen.emplace(hx + "#household", r.line);
      continue;
    }
    int64_t household = 0;
    if (auto it = created.find(hx); it != created.end()) {
      household = it->second;
    } else if (auto h = tx->queryOne(
                   "SELECT id FROM households WHERE municipality_id = ? AND external_id = ?",
                   {c.muni, hx})) {
      household = h->getInt("id");
    } else {
      household = tx->execute("INSERT INTO households (municipality_id, name, postal_code, "
                              "address, phone, single_parent, external_id, created_at, "
                              "updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
                              {c.muni, hname, c.sheet.get(r, "postal_code"),
                               c.sheet.get(r, "address"), c.sheet.get(r, "phone"), hx, c.now,
                               c.now})
                      .last_insert_id;
    }
    created[hx] = household;
    if (*payer) {
      tx->execute("UPDATE guardians SET primary_payer = 0 WHERE household_id = ?", {household});
    }
    tx->execute("INSERT INTO guardians (municipality_id, household_id, family_name, given_name, "
                "family_name_kana, given_name_kana, relationship, primary_payer, may_pick_up, "
                "phone, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {c.muni, household, fam, giv, famk, givk, rel, *payer, *pickup,
                 c.sheet.get(r, "phone"), email});
    ++written;
  }
  return written;
}

int children(Context& c, db::Tx* tx) {
  auto facilities = facilityCodes(c.conn, c.muni);
  std::map<std::string, int> seen;
  int written = 0;
  for (const auto& r : c.rows) {
    if (!tx) c.sheet.checkWidth(r);
    std::string ext = c.sheet.get(r, "external_id");
    std::string hx = c.sheet.get(r, "household_external_id");
    std::string fam = c.sheet.get(r, "family_name"), giv = c.sheet.get(r, "given_name");
    std::string famk = c.sheet.get(r, "family_name_kana"), givk = c.sheet.get(r, "given_name_kana");
    std::string birth = c.sheet.date(r, "birth_date");
    std::string sex = c.sheet.choice(r, "sex", kSexes);
    std::string fcode = c.sheet.get(r, "facility_code");
    std::string cname = c.sheet.get(r, "class_name");
    std::string admitted = c.sheet.date(r, "admission_date");
    std::string hours = c.sheet.get(r, "certified_hours");
    if (!hours.empty() && std::find(kHours.begin(), kHours.end(), hours) == kHours.end()) {
      c.sheet.problem(r.line, "certified_hours", "import.bad_choice",
                      "certified_hours must be standard, short or empty", hours);
    }
    int64_t facility = 0;
    if (!fcode.empty()) {
      auto it = facilities.find(fcode);
      if (it == facilities.end()) {
        c.sheet.problem(r.line, "facility_code", "import.unknown_facility",
                        "no facility with code " + fcode, fcode);
      } else {
        facility = it->second;
      }
    }
    std::optional<int64_t> klass;
    if (facility && !cname.empty() && !admitted.empty()) {
      auto row = c.conn.queryOne(
          "SELECT id FROM classes WHERE facility_id = ? AND fiscal_year = ? AND name = ?",
          {facility, fiscalYearOf(admitted), cname});
      if (!row) {
        c.sheet.problem(r.line, "class_name", "import.unknown_class",
                        "facility " + fcode + " has no class " + cname + " in fiscal year " +
                            std::to_string(fiscalYearOf(admitted)),
                        cname);
      } else {
        klass = row->getInt("id");
      }
    }
    std::optional<db::Row> household;
    if (!hx.empty()) {
      household = c.conn.queryOne(
          "SELECT id FROM households WHERE municipality_id = ? AND external_id = ?", {c.muni, hx});
      if (!household) {
        c.sheet.problem(r.line, "household_external_id", "import.unknown_household",
                        "no household " + hx + " (import guardians first)", hx);
      }
    }
    if (!tx) {
      c.sheet.unique(r, "external_id", ext, seen);
      if (!ext.empty() && c.conn.queryOne("SELECT id FROM children WHERE municipality_id = ? AND "
                                          "external_id = ?",
                                          {c.muni, ext})) {
        c.sheet.problem(r.line, "external_id", "import.duplicate_in_database",
                        "child " + ext + " is already registered", ext);
      }
      if (!birth.empty() && !admitted.empty() && admitted < birth) {
        c.sheet.problem(r.line, "admission_date", "import.before_birth",
                        "admission_date is before birth_date", admitted);
      }
      continue;
    }
    int64_t child = tx->execute("INSERT INTO children (municipality_id, household_id, "
                                "family_name, given_name, family_name_kana, given_name_kana, "
                                "birth_date, sex, external_id, created_at) VALUES (?, ?, ?, ?, ?, "
                                "?, ?, ?, ?, ?)",
                                {c.muni, household->getInt("id"), fam, giv, famk, givk, birth, sex,
                                 ext, c.now})
                        .last_insert_id;
    tx->execute("INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, "
                "starts_on, certified_hours) VALUES (?, ?, ?, ?, ?, ?)",
                {c.muni, child, facility, klass, admitted,
                 hours.empty() ? db::Value() : db::Value(hours)});
    ++written;
  }
  return written;
}

int staff(Context& c, db::Tx* tx) {
  auto facilities = facilityCodes(c.conn, c.muni);
  std::map<std::string, int> seen;
  int written = 0;
  for (const auto& r : c.rows) {
    if (!tx) c.sheet.checkWidth(r);
    std::string code = c.sheet.get(r, "employee_code");
    std::string fam = c.sheet.get(r, "family_name"), giv = c.sheet.get(r, "given_name");
    std::string famk = c.sheet.get(r, "family_name_kana"), givk = c.sheet.get(r, "given_name_kana");
    std::string fcode = c.sheet.get(r, "facility_code");
    std::string starts = c.sheet.date(r, "starts_on");
    std::string quals = c.sheet.get(r, "qualifications");
    std::string kind = c.sheet.choice(r, "contract_kind", kContracts);
    auto minutes = c.sheet.number(r, "minutes_per_week", 60, 3600);
    auto days = c.sheet.number(r, "days_per_week", 1, 7);
    std::vector<std::string> qlist;
    size_t i = 0;
    while (i <= quals.size() && !quals.empty()) {
      size_t semi = quals.find(';', i);
      if (semi == std::string::npos) semi = quals.size();
      std::string q = trim(quals.substr(i, semi - i));
      if (!q.empty()) {
        if (std::find(kQualifications.begin(), kQualifications.end(), q) == kQualifications.end()) {
          c.sheet.problem(r.line, "qualifications", "import.bad_choice",
                          "unknown qualification " + q, q);
        } else if (std::find(qlist.begin(), qlist.end(), q) == qlist.end()) {
          qlist.push_back(q);
        }
      }
      i = semi + 1;
    }
    int64_t facility = 0;
    if (!fcode.empty()) {
      auto it = facilities.find(fcode);
      if (it == facilities.end()) {
        c.sheet.problem(r.line, "facility_code", "import.unknown_facility",
                        "no facility with code " + fcode, fcode);
      } else {
        facility = it->second;
      }
    }
    if (!tx) {
      c.sheet.unique(r, "employee_code", code, seen);
      if (!code.empty() && c.conn.queryOne("SELECT id FROM staff WHERE municipality_id = ? AND "
                                           "employee_code = ?",
                                           {c.muni, code})) {
        c.sheet.problem(r.line, "employee_code", "import.duplicate_in_database",
                        "staff " + code + " is already registered", code);
      }
      continue;
    }
    int64_t s = tx->execute("INSERT INTO staff (municipality_id, employee_code, family_name, "
                            "given_name, family_name_kana, given_name_kana, created_at) VALUES "
                            "(?, ?, ?, ?, ?, ?, ?)",
                            {c.muni, code, fam, giv, famk, givk, c.now})
                    .last_insert_id;
    tx->execute("INSERT INTO staff_assignments (municipality_id, staff_id, facility_id, "
                "starts_on) VALUES (?, ?, ?, ?)",
                {c.muni, s, facility, starts});
    for (const auto& q : qlist) {
      tx->execute("INSERT INTO staff_qualifications (municipality_id, staff_id, qualification) "
                  "VALUES (?, ?, ?)",
                  {c.muni, s, q});
    }
    tx->execute("INSERT INTO staff_contracts (municipality_id, staff_id, kind, minutes_per_week, "
                "days_per_week, starts_on) VALUES (?, ?, ?, ?, ?, ?)",
                {c.muni, s, kind, *minutes, *days, starts});
    ++written;
  }
  return written;
}

}  // namespace

const std::vector<std::string>& importKinds() {
  static const std::vector<std::string> kKinds = {"guardians", "children", "staff"};
  return kKinds;
}

const std::vector<std::string>& importColumns(const std::string& kind) {
  return columnsByKind().at(kind);
}

ImportReport runImport(db::Database& db, const Clock& clock, AuditLog& audit,
                       int64_t municipality_id, const std::string& kind, const std::string& bytes,
                       bool dry_run, const ImportActor& actor) {
  if (!columnsByKind().count(kind)) throw std::invalid_argument("unknown import kind: " + kind);
  ImportReport report;
  report.kind = kind;
  report.dry_run = dry_run;
  std::vector<ImportProblem> encoding_problems;
  std::string text = decodeCsvBytes(bytes, report.encoding, encoding_problems);
  auto records = parseCsv(text, report.problems);
  Sheet sheet(kind, report.problems);
  if (records.empty()) {
    sheet.problem(0, "", "import.empty", "the file has no header row");
    return report;
  }
  bool header_ok = sheet.header(records.front());
  for (auto& p : encoding_problems) {
    p.column = sheet.columnName(std::stoul(p.column));
    report.problems.push_back(p);
  }
  // Rows that did not decode are reported once, as such, and not checked further.
  std::set<int> undecodable;
  for (const auto& p : encoding_problems) undecodable.insert(p.line);
  std::vector<Record> rows;
  for (auto it = records.begin() + 1; it != records.end(); ++it) {
    if (!undecodable.count(it->line)) rows.push_back(*it);
  }
  report.rows = static_cast<int>(records.size() - 1);
  if (!header_ok) return report;
  if (rows.empty()) {
    sheet.problem(0, "", "import.no_rows", "the file has a header but no rows");
    return report;
  }
  std::string now = formatUtc(clock.now());
  {
    auto conn = db.acquire();
    Context c{*conn, municipality_id, now, sheet, rows};
    if (kind == "guardians") guardians(c, nullptr);
    else if (kind == "children") children(c, nullptr);
    else staff(c, nullptr);
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  if (!report.clean() || dry_run) return report;
  std::vector<ImportProblem> late;  // rechecked under the transaction: must stay empty
  Sheet writer(kind, late);
  writer.header(records.front());
  report.imported = db.transaction([&](db::Tx& tx) {
    Context c{tx, municipality_id, now, writer, rows};
    int n = kind == "guardians" ? guardians(c, &tx) : kind == "children" ? children(c, &tx)
                                                                         : staff(c, &tx);
    if (!late.empty()) throw std::runtime_error("the data changed while importing; try again");
    audit.record(tx, {.municipality_id = municipality_id,
                      .actor_user_id = actor.user_id,
                      .actor_role = actor.role,
                      .action = "import." + kind,
                      .target_type = "file",
                      .target_id = kind,
                      .details = {{"rows", n}, {"encoding", report.encoding}},
                      .request_id = actor.request_id});
    return n;
  });
  return report;
}

}  // namespace sukusuku::admin
