// Zengin (全銀協) fixed-length files: 預金口座振替 (種別 91) requests and results, and 総合振込
// (種別 21) for refunds.
//
// A file is a header record (1), data records (2), a trailer (8) and an end record (9), each
// exactly 120 bytes of CP932 single-byte text, with no line breaks or CR+LF after every record.
// N fields are digits, right-aligned and zero-padded; C fields are bank kana (see kana.h),
// left-aligned and space-padded. Request files carry 振替結果コード 0 and zero result totals;
// the bank returns the same records with the result code set and the trailer's 振替済/振替不能
// totals filled in.
//
// Writers take names as UTF-8 and convert them; a name that does not fit its field is an error
// for people's names (預金者名, 受取人名, 委託者名) and is cut for bank and branch names (banks
// may leave those blank). The reader is strict: anything it cannot vouch for is an error with the
// line it is on, and the whole file is refused (Error 422 "fees.file_invalid", details
// {"errors":[{"line","problem","message"}]}).
//
// Thread-safe: these are pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::fees::zengin {

inline constexpr size_t kRecordLength = 120;

// 預金種目
enum AccountType : int { kOrdinary = 1, kCurrent = 2, kTaxReserve = 3, kSavings = 4, kOther = 9 };

// 振替結果コード
enum ResultCode : int {
  kDebited = 0,             // 振替済
  kInsufficientFunds = 1,   // 資金不足
  kNoAccount = 2,           // 取引なし
  kStoppedByPayer = 3,      // 預金者の都合による振替停止
  kNoMandate = 4,           // 預金口座振替依頼書なし
  kStoppedByConsignor = 8,  // 委託者の都合による振替停止
  kOtherFailure = 9,        // その他
};
// A short English key for a result code ("insufficient_funds"), "unknown" for 5-7.
std::string resultCodeKey(int code);

// The header of a 91 or 21 file (the layouts are the same).
struct Header {
  std::string kind = "91";          // 種別コード: "91" or "21"
  std::string consignor_code;       // 委託者コード / 依頼人コード, up to 10 digits
  std::string consignor_name;       // UTF-8, up to 40 bank bytes
  std::string date_mmdd;            // 引落日 / 振込指定日, 4 digits
  std::string bank_code;            // 取引銀行 / 仕向銀行, 4 digits
  std::string bank_name;            // UTF-8, cut to 15 bytes
  std::string branch_code;          // 3 digits
  std::string branch_name;          // UTF-8, cut to 15 bytes
  int account_type = kOrdinary;     // 委託者の預金種目
  std::string account_number;       // up to 7 digits
};

// One 91 data record (request or result).
struct DebitRecord {
  std::string bank_code;            // 引落銀行番号, 4 digits
  std::string bank_name;            // may be empty
  std::string branch_code;          // 3 digits
  std::string branch_name;          // may be empty
  int account_type = kOrdinary;
  std::string account_number;       // up to 7 digits
  std::string holder_name;          // 預金者名, UTF-8, up to 30 bank bytes
  int64_t amount = 0;               // 引落金額, yen, 0 … 9,999,999,999
  int new_code = 0;                 // 新規コード: 1 first debit, 2 changed, 0 other
  std::string customer_number;      // 顧客番号, up to 20 digits (written zero-padded)
  int result_code = 0;              // 振替結果コード (0 in requests)
  int line = 0;                     // set by the reader: the record's 1-based line number
};

struct Trailer {
  int64_t count = 0;
  int64_t amount = 0;
  int64_t debited_count = 0;
  int64_t debited_amount = 0;
  int64_t failed_count = 0;
  int64_t failed_amount = 0;
};

struct DebitFile {
  Header header;
  std::vector<DebitRecord> records;
  Trailer trailer;  // filled by the reader; the writer computes its own
};

struct WriteOptions {
  bool crlf = true;  // CR+LF after every record (else one unbroken stream)
};

// Writes a 91 file. AS_RESULT writes the records' result codes and the result totals (as a bank
// does; used for tests and the bank simulator), otherwise result codes are written as 0.
// Throws Error 422 "fees.record_invalid" (details {"record": index, "field", …}) or
// "fees.kana_rejected" for a value that cannot be written.
std::string writeDebitFile(const DebitFile& file, const WriteOptions& options = {},
                           bool as_result = false);

// Reads a 91 request or result file. Throws Error 422 "fees.file_invalid" listing every problem
// (up to 50) with its line: wrong record length, CR-only or LF-only line ends, a missing or
// misplaced header/trailer/end record, a field that is not numeric, a trailer that does not add
// up (count, amount, debited and failed totals), a customer number that appears twice.
DebitFile readDebitFile(std::string_view bytes);

// One 21 data record.
struct TransferRecord {
  std::string bank_code;         // 被仕向銀行番号
  std::string bank_name;
  std::string branch_code;
  std::string branch_name;
  int account_type = kOrdinary;  // 1, 2, 4 or 9
  std::string account_number;
  std::string payee_name;        // 受取人名, UTF-8, up to 30 bank bytes
  int64_t amount = 0;            // 振込金額
  int new_code = 0;
  std::string customer_code1;    // up to 10 digits
  std::string customer_code2;    // up to 10 digits
  char transfer_kind = '7';      // 振込指定区分: '7' telegraphic, '8' document
};

struct TransferFile {
  Header header;  // kind "21"
  std::vector<TransferRecord> records;
};

// Writes a 21 (総合振込) file; throws like writeDebitFile.
std::string writeTransferFile(const TransferFile& file, const WriteOptions& options = {});

}  // namespace sukusuku::fees::zengin
