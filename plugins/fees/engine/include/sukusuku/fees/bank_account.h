// Bank accounts as Zengin files need them, the bank/branch code table that validates them, and
// the conversion of Japan Post Bank (ゆうちょ銀行) 記号・番号 into a Zengin account.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sukusuku::fees {

struct BankAccount {
  std::string bank_code;       // 4 digits
  std::string branch_code;     // 3 digits
  int account_type = 1;        // 預金種目: 1 普通, 2 当座, 4 貯蓄, 9 その他
  std::string account_number;  // 7 digits, zero-padded
};

inline constexpr std::string_view kJapanPostBankCode = "9900";

// Converts a Japan Post Bank 記号 (5 digits) and 番号 (up to 8 digits) to its Zengin form:
//   記号 1xxxx (通常貯金): branch = 記号 digits 2-3 followed by 8, type 普通,
//                         account = 番号 without its last (check) digit, zero-padded to 7;
//   記号 0xxxx (振替口座): branch = 記号 digits 2-3 followed by 9, type 当座,
//                         account = 番号 zero-padded to 7.
// Throws Error 422 "fees.japan_post_invalid" for anything else.
BankAccount fromJapanPost(std::string_view kigou, std::string_view bangou);

struct BankBranch {
  std::string code;       // 3 digits
  std::string kana;       // half-width kana, UTF-8 (as in the file)
  std::string name;       // display name
};

struct Bank {
  std::string code;  // 4 digits
  std::string kana;
  std::string name;
  std::unordered_map<std::string, BankBranch> branches;
};

// The zengin-code table (plugins/fees/data/banks.tsv; see tools/make_bank_table.mjs for its
// format). Immutable after parse, so safe to share between threads.
class BankTable {
 public:
  // Throws std::runtime_error naming the line for a malformed file.
  static BankTable parse(std::string_view text);
  static BankTable load(const std::string& path);

  const Bank* bank(std::string_view code) const;
  const BankBranch* branch(std::string_view bank_code, std::string_view branch_code) const;
  size_t bankCount() const { return banks_.size(); }
  size_t branchCount() const { return branch_count_; }
  const std::string& source() const { return source_; }  // the header line naming zengin-code and its version

  // Error 422 "fees.bank_unknown" / "fees.branch_unknown" unless both codes exist.
  void requireBranch(std::string_view bank_code, std::string_view branch_code) const;

 private:
  std::unordered_map<std::string, Bank> banks_;
  size_t branch_count_ = 0;
  std::string source_;
};

// Checks the shape of an account (digits, lengths, type) and normalises the number to 7 digits.
// Throws Error 422 "fees.account_invalid" naming the field.
BankAccount normaliseAccount(std::string_view bank_code, std::string_view branch_code,
                             int account_type, std::string_view account_number);

}  // namespace sukusuku::fees
