#include "sukusuku/fees/zengin.h"

#include <map>

#include "sukusuku/error.h"
#include "sukusuku/fees/kana.h"

namespace sukusuku::fees::zengin {

namespace {

// ---- writing ----

class RecordWriter {
 public:
  RecordWriter(size_t record, std::string& out) : record_(record), out_(out), start_(out.size()) {}

  void digits(std::string_view value, size_t len, std::string_view field) {
    if (value.size() > len || value.find_first_not_of("0123456789") != std::string_view::npos) {
      fail(field, "must be at most " + std::to_string(len) + " digits", value);
    }
    out_.append(len - value.size(), '0');
    out_.append(value);
  }
  void number(int64_t value, size_t len, std::string_view field) {
    if (value < 0) fail(field, "must not be negative", std::to_string(value));
    digits(std::to_string(value), len, field);
  }
  // A person's or a consignor's name: must fit.
  void name(std::string_view utf8, size_t len, std::string_view field) {
    std::string bytes = toBankKana(utf8, field);
    if (bytes.size() > len) {
      fail(field, "is " + std::to_string(bytes.size()) + " bank bytes, at most " +
                      std::to_string(len) + " fit",
           utf8);
    }
    pad(bytes, len);
  }
  // A bank or branch name: informative only, cut to fit.
  void label(std::string_view utf8, size_t len, std::string_view field) {
    std::string bytes = toBankKana(utf8, field);
    if (bytes.size() > len) bytes.resize(len);
    pad(bytes, len);
  }
  void raw(std::string_view bytes) { out_.append(bytes); }
  void spaces(size_t len) { out_.append(len, ' '); }
  void end(const WriteOptions& options) {
    if (out_.size() - start_ != kRecordLength) {
      throw std::logic_error("zengin record is " + std::to_string(out_.size() - start_) +
                             " bytes");
    }
    if (options.crlf) out_.append("\r\n");
  }

 private:
  void pad(const std::string& bytes, size_t len) {
    out_.append(bytes);
    out_.append(len - bytes.size(), ' ');
  }
  [[noreturn]] void fail(std::string_view field, const std::string& why, std::string_view value) {
    throw Error::invalid("fees.record_invalid",
                         "record " + std::to_string(record_) + ": " + std::string(field) + " " +
                             why,
                         {{"record", record_}, {"field", field}, {"value", std::string(value)}});
  }

  size_t record_;
  std::string& out_;
  size_t start_;
};

void writeHeader(const Header& h, const WriteOptions& options, std::string& out) {
  RecordWriter w(0, out);
  w.raw("1");
  w.digits(h.kind, 2, "kind");
  w.raw("0");  // コード区分: JIS
  w.digits(h.consignor_code, 10, "consignor_code");
  w.name(h.consignor_name, 40, "consignor_name");
  w.digits(h.date_mmdd, 4, "date");
  w.digits(h.bank_code, 4, "bank_code");
  w.label(h.bank_name, 15, "bank_name");
  w.digits(h.branch_code, 3, "branch_code");
  w.label(h.branch_name, 15, "branch_name");
  w.number(h.account_type, 1, "account_type");
  w.digits(h.account_number, 7, "account_number");
  w.spaces(17);
  w.end(options);
}

void writeEnd(const WriteOptions& options, std::string& out) {
  RecordWriter w(0, out);
  w.raw("9");
  w.spaces(119);
  w.end(options);
}

// ---- reading ----

struct Problem {
  int line;
  std::string problem;
  std::string message;
};

class Problems {
 public:
  void add(int line, std::string problem, std::string message) {
    if (list_.size() < 50) list_.push_back({line, std::move(problem), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  [[noreturn]] void raise() const {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& p : list_) {
      errors.push_back({{"line", p.line}, {"problem", p.problem}, {"message", p.message}});
    }
    const auto& first = list_.front();
    std::string message = "line " + std::to_string(first.line) + ": " + first.message;
    if (list_.size() > 1) message += " (and " + std::to_string(list_.size() - 1) + " more)";
    throw Error::invalid("fees.file_invalid", message, {{"errors", errors}});
  }

 private:
  std::vector<Problem> list_;
};

struct Line {
  int number;
  std::string_view bytes;
};

// Splits the file into records, reporting line-end and length problems.
std::vector<Line> splitRecords(std::string_view data, Problems& problems) {
  std::vector<Line> lines;
  if (!data.empty() && data.back() == '\x1A') data.remove_suffix(1);  // DOS end-of-file mark
  if (data.find_first_of("\r\n") == std::string_view::npos) {
    if (data.size() % kRecordLength != 0) {
      problems.add(static_cast<int>(data.size() / kRecordLength) + 1, "record_length",
                   "file of " + std::to_string(data.size()) +
                       " bytes without line breaks is not a whole number of 120-byte records");
    }
    for (size_t i = 0; i + kRecordLength <= data.size(); i += kRecordLength) {
      lines.push_back({static_cast<int>(i / kRecordLength) + 1, data.substr(i, kRecordLength)});
    }
    return lines;
  }
  size_t pos = 0;
  int number = 0;
  while (pos < data.size()) {
    ++number;
    size_t brk = data.find_first_of("\r\n", pos);
    std::string_view body = data.substr(pos, brk == std::string_view::npos ? data.npos : brk - pos);
    if (brk == std::string_view::npos) {
      pos = data.size();
    } else if (data[brk] == '\r' && brk + 1 < data.size() && data[brk + 1] == '\n') {
      pos = brk + 2;
    } else if (data[brk] == '\r') {
      problems.add(number, "line_end", "record ends with CR only; CR+LF or no line breaks expected");
      pos = brk + 1;
    } else {
      problems.add(number, "line_end", "record ends with LF only; CR+LF or no line breaks expected");
      pos = brk + 1;
    }
    if (body.size() != kRecordLength) {
      problems.add(number, "record_length",
                   "record is " + std::to_string(body.size()) + " bytes, expected 120");
      continue;
    }
    lines.push_back({number, body});
  }
  return lines;
}

class FieldReader {
 public:
  FieldReader(const Line& line, Problems& problems) : line_(line), problems_(problems) {}

  // Bytes FROM..TO (1-based, inclusive) as digits.
  std::string digits(size_t from, size_t to, std::string_view field) {
    std::string_view v = line_.bytes.substr(from - 1, to - from + 1);
    if (v.find_first_not_of("0123456789") != std::string_view::npos) {
      problems_.add(line_.number, "field_format",
                    std::string(field) + " (bytes " + std::to_string(from) + "-" +
                        std::to_string(to) + ") is not numeric: '" + bankBytesToUtf8(v) + "'");
      ok_ = false;
      return std::string(to - from + 1, '0');
    }
    return std::string(v);
  }
  int64_t number(size_t from, size_t to, std::string_view field) {
    return std::stoll(digits(from, to, field));
  }
  // Bytes FROM..TO as text, trailing spaces removed, in UTF-8.
  std::string text(size_t from, size_t to) {
    std::string_view v = line_.bytes.substr(from - 1, to - from + 1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return bankBytesToUtf8(v);
  }
  bool ok() const { return ok_; }

 private:
  const Line& line_;
  Problems& problems_;
  bool ok_ = true;
};

Header readHeader(const Line& line, Problems& problems) {
  FieldReader f(line, problems);
  Header h;
  h.kind = f.digits(2, 3, "kind");
  if (h.kind != "91") {
    problems.add(line.number, "kind", "kind (種別コード) is " + h.kind + ", expected 91");
  }
  f.digits(4, 4, "code_type");
  h.consignor_code = f.digits(5, 14, "consignor_code");
  h.consignor_name = f.text(15, 54);
  h.date_mmdd = f.digits(55, 58, "debit_date");
  h.bank_code = f.digits(59, 62, "bank_code");
  h.bank_name = f.text(63, 77);
  h.branch_code = f.digits(78, 80, "branch_code");
  h.branch_name = f.text(81, 95);
  // Some banks use bytes 96-120 as one dummy: read the consignor account only when numeric.
  std::string_view acct = line.bytes.substr(95, 8);
  if (acct.find_first_not_of("0123456789") == std::string_view::npos) {
    h.account_type = acct[0] - '0';
    h.account_number = std::string(acct.substr(1));
  }
  return h;
}

DebitRecord readData(const Line& line, Problems& problems) {
  FieldReader f(line, problems);
  DebitRecord r;
  r.line = line.number;
  r.bank_code = f.digits(2, 5, "bank_code");
  r.bank_name = f.text(6, 20);
  r.branch_code = f.digits(21, 23, "branch_code");
  r.branch_name = f.text(24, 38);
  r.account_type = static_cast<int>(f.number(43, 43, "account_type"));
  r.account_number = f.digits(44, 50, "account_number");
  r.holder_name = f.text(51, 80);
  r.amount = f.number(81, 90, "amount");
  r.new_code = static_cast<int>(f.number(91, 91, "new_code"));
  r.customer_number = f.digits(92, 111, "customer_number");
  r.result_code = static_cast<int>(f.number(112, 112, "result_code"));
  return r;
}

Trailer readTrailer(const Line& line, Problems& problems) {
  FieldReader f(line, problems);
  Trailer t;
  t.count = f.number(2, 7, "total_count");
  t.amount = f.number(8, 19, "total_amount");
  t.debited_count = f.number(20, 25, "debited_count");
  t.debited_amount = f.number(26, 37, "debited_amount");
  t.failed_count = f.number(38, 43, "failed_count");
  t.failed_amount = f.number(44, 55, "failed_amount");
  return t;
}

void checkTrailer(const DebitFile& file, int line, Problems& problems) {
  Trailer sum;
  for (const auto& r : file.records) {
    ++sum.count;
    sum.amount += r.amount;
    if (r.result_code == kDebited) {
      ++sum.debited_count;
      sum.debited_amount += r.amount;
    } else {
      ++sum.failed_count;
      sum.failed_amount += r.amount;
    }
  }
  const Trailer& t = file.trailer;
  auto check = [&](int64_t stated, int64_t actual, const char* what) {
    if (stated != actual) {
      problems.add(line, "trailer_mismatch",
                   std::string("trailer ") + what + " is " + std::to_string(stated) +
                       " but the records add up to " + std::to_string(actual));
    }
  };
  check(t.count, sum.count, "count (合計件数)");
  check(t.amount, sum.amount, "amount (合計金額)");
  const bool is_result = t.debited_count + t.failed_count > 0;
  if (is_result) {
    check(t.debited_count, sum.debited_count, "debited count (振替済件数)");
    check(t.debited_amount, sum.debited_amount, "debited amount (振替済金額)");
    check(t.failed_count, sum.failed_count, "failed count (振替不能件数)");
    check(t.failed_amount, sum.failed_amount, "failed amount (振替不能金額)");
  } else if (t.debited_amount != 0 || t.failed_amount != 0) {
    problems.add(line, "trailer_mismatch", "trailer has result amounts but no result counts");
  } else {
    for (const auto& r : file.records) {
      if (r.result_code != 0) {
        problems.add(r.line, "result_code",
                     "result code " + std::to_string(r.result_code) +
                         " in a file whose trailer has no result totals");
      }
    }
  }
}

}  // namespace

std::string resultCodeKey(int code) {
  switch (code) {
    case kDebited: return "debited";
    case kInsufficientFunds: return "insufficient_funds";
    case kNoAccount: return "no_account";
    case kStoppedByPayer: return "stopped_by_payer";
    case kNoMandate: return "no_mandate";
    case kStoppedByConsignor: return "stopped_by_consignor";
    case kOtherFailure: return "other";
    default: return "unknown";
  }
}

std::string writeDebitFile(const DebitFile& file, const WriteOptions& options, bool as_result) {
  std::string out;
  out.reserve((file.records.size() + 3) * (kRecordLength + 2));
  Header header = file.header;
  header.kind = "91";
  writeHeader(header, options, out);
  Trailer t;
  size_t index = 0;
  for (const auto& r : file.records) {
    RecordWriter w(++index, out);
    w.raw("2");
    w.digits(r.bank_code, 4, "bank_code");
    w.label(r.bank_name, 15, "bank_name");
    w.digits(r.branch_code, 3, "branch_code");
    w.label(r.branch_name, 15, "branch_name");
    w.spaces(4);
    w.number(r.account_type, 1, "account_type");
    w.digits(r.account_number, 7, "account_number");
    w.name(r.holder_name, 30, "holder_name");
    w.number(r.amount, 10, "amount");
    w.number(r.new_code, 1, "new_code");
    w.digits(r.customer_number, 20, "customer_number");
    const int code = as_result ? r.result_code : 0;
    w.number(code, 1, "result_code");
    w.spaces(8);
    w.end(options);
    ++t.count;
    t.amount += r.amount;
    if (as_result) {
      (code == kDebited ? t.debited_count : t.failed_count) += 1;
      (code == kDebited ? t.debited_amount : t.failed_amount) += r.amount;
    }
  }
  RecordWriter w(index + 1, out);
  w.raw("8");
  w.number(t.count, 6, "total_count");
  w.number(t.amount, 12, "total_amount");
  w.number(t.debited_count, 6, "debited_count");
  w.number(t.debited_amount, 12, "debited_amount");
  w.number(t.failed_count, 6, "failed_count");
  w.number(t.failed_amount, 12, "failed_amount");
  w.spaces(65);
  w.end(options);
  writeEnd(options, out);
  return out;
}

DebitFile readDebitFile(std::string_view bytes) {
  Problems problems;
  std::vector<Line> lines = splitRecords(bytes, problems);
  if (!problems.empty()) problems.raise();  // records cannot be trusted: say only why
  DebitFile file;
  enum class Stage { kHeader, kData, kEnd, kDone } stage = Stage::kHeader;
  std::map<std::string, int> seen;  // customer number → line
  int trailer_line = 0;
  for (const Line& line : lines) {
    const char type = line.bytes[0];
    auto misplaced = [&](const char* expected) {
      problems.add(line.number, "sequence",
                   std::string("record type '") + bankBytesToUtf8(line.bytes.substr(0, 1)) +
                       "' where " + expected + " was expected");
    };
    switch (stage) {
      case Stage::kHeader:
        if (type != '1') {
          misplaced("the header record (1)");
          break;
        }
        file.header = readHeader(line, problems);
        stage = Stage::kData;
        break;
      case Stage::kData:
        if (type == '2') {
          DebitRecord r = readData(line, problems);
          auto [it, fresh] = seen.emplace(r.customer_number, line.number);
          if (!fresh) {
            problems.add(line.number, "duplicate",
                         "customer number " + r.customer_number + " already on line " +
                             std::to_string(it->second));
          }
          file.records.push_back(std::move(r));
        } else if (type == '8') {
          file.trailer = readTrailer(line, problems);
          trailer_line = line.number;
          stage = Stage::kEnd;
        } else {
          misplaced("a data (2) or trailer (8) record");
        }
        break;
      case Stage::kEnd:
        if (type != '9') {
          misplaced("the end record (9)");
          break;
        }
        stage = Stage::kDone;
        break;
      case Stage::kDone:
        misplaced("nothing after the end record");
        break;
    }
  }
  const int last = lines.empty() ? 1 : lines.back().number;
  if (stage == Stage::kHeader) problems.add(1, "sequence", "no header record");
  if (stage == Stage::kData) problems.add(last, "sequence", "no trailer record (8)");
  if (stage == Stage::kEnd) problems.add(last, "sequence", "no end record (9)");
  if (trailer_line > 0) checkTrailer(file, trailer_line, problems);
  if (!problems.empty()) problems.raise();
  return file;
}

std::string writeTransferFile(const TransferFile& file, const WriteOptions& options) {
  std::string out;
  out.reserve((file.records.size() + 3) * (kRecordLength + 2));
  Header header = file.header;
  header.kind = "21";
  writeHeader(header, options, out);
  int64_t count = 0;
  int64_t amount = 0;
  size_t index = 0;
  for (const auto& r : file.records) {
    RecordWriter w(++index, out);
    w.raw("2");
    w.digits(r.bank_code, 4, "bank_code");
    w.label(r.bank_name, 15, "bank_name");
    w.digits(r.branch_code, 3, "branch_code");
    w.label(r.branch_name, 15, "branch_name");
    w.spaces(4);  // 手形交換所番号: not used for 電信 transfers
    w.number(r.account_type, 1, "account_type");
    w.digits(r.account_number, 7, "account_number");
    w.name(r.payee_name, 30, "payee_name");
    w.number(r.amount, 10, "amount");
    w.number(r.new_code, 1, "new_code");
    w.label(r.customer_code1, 10, "customer_code1");
    w.label(r.customer_code2, 10, "customer_code2");
    if (r.transfer_kind != '7' && r.transfer_kind != '8') {
      throw Error::invalid("fees.record_invalid",
                           "record " + std::to_string(index) + ": transfer_kind must be 7 or 8",
                           {{"record", index}, {"field", "transfer_kind"}});
    }
    w.raw(std::string(1, r.transfer_kind));
    w.spaces(1);  // 識別表示
    w.spaces(7);
    w.end(options);
    ++count;
    amount += r.amount;
  }
  RecordWriter w(index + 1, out);
  w.raw("8");
  w.number(count, 6, "total_count");
  w.number(amount, 12, "total_amount");
  w.spaces(101);
  w.end(options);
  writeEnd(options, out);
  return out;
}

}  // namespace sukusuku::fees::zengin
