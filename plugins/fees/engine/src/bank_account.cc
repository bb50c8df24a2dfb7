#include "sukusuku/fees/bank_account.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sukusuku/error.h"

namespace sukusuku::fees {

namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string padLeft(std::string_view s, size_t len) {
  return std::string(len - s.size(), '0') + std::string(s);
}

[[noreturn]] void invalidAccount(const char* field, const std::string& message) {
  throw Error::invalid("fees.account_invalid", message, {{"field", field}});
}

}  // namespace

BankAccount fromJapanPost(std::string_view kigou, std::string_view bangou) {
  auto fail = [](const std::string& message) -> void {
    throw Error::invalid("fees.japan_post_invalid", message);
  };
  if (kigou.size() != 5 || !allDigits(kigou)) fail("記号 must be 5 digits");
  if (bangou.empty() || bangou.size() > 8 || !allDigits(bangou)) fail("番号 must be 1-8 digits");
  BankAccount a;
  a.bank_code = std::string(kJapanPostBankCode);
  if (kigou[0] == '1') {
    if (bangou.size() < 2) fail("番号 of an ordinary account has at least 2 digits");
    a.branch_code = std::string(kigou.substr(1, 2)) + "8";
    a.account_type = 1;
    a.account_number = padLeft(bangou.substr(0, bangou.size() - 1), 7);
  } else if (kigou[0] == '0') {
    if (bangou.size() > 7) fail("番号 of a transfer account has at most 7 digits");
    a.branch_code = std::string(kigou.substr(1, 2)) + "9";
    a.account_type = 2;
    a.account_number = padLeft(bangou, 7);
  } else {
    fail("記号 must begin with 1 (通常貯金) or 0 (振替口座)");
  }
  return a;
}

BankAccount normaliseAccount(std::string_view bank_code, std::string_view branch_code,
                             int account_type, std::string_view account_number) {
  if (bank_code.size() != 4 || !allDigits(bank_code)) {
    invalidAccount("bank_code", "bank code must be 4 digits");
  }
  if (branch_code.size() != 3 || !allDigits(branch_code)) {
    invalidAccount("branch_code", "branch code must be 3 digits");
  }
  if (account_type != 1 && account_type != 2 && account_type != 4 && account_type != 9) {
    invalidAccount("account_type", "account type must be 1, 2, 4 or 9");
  }
  if (account_number.size() > 7 || !allDigits(account_number)) {
    invalidAccount("account_number", "account number must be 1-7 digits");
  }
  return {std::string(bank_code), std::string(branch_code), account_type,
          padLeft(account_number, 7)};
}

BankTable BankTable::parse(std::string_view text) {
  BankTable table;
  Bank* current = nullptr;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == text.npos ? text.npos : eol - pos);
    pos = eol == text.npos ? text.size() : eol + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.find("zengin-code") != line.npos && table.source_.empty()) {
        table.source_ = std::string(line.substr(1));
      }
      continue;
    }
    std::vector<std::string_view> cols;
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == line.npos ? line.npos : tab - start));
      if (tab == line.npos) break;
      start = tab + 1;
    }
    auto bad = [&]() -> void {
      throw std::runtime_error("bank table line " + std::to_string(line_no) + " is malformed");
    };
    if (cols.size() == 3 && cols[0].size() == 4 && allDigits(cols[0])) {
      Bank bank{std::string(cols[0]), std::string(cols[1]), std::string(cols[2]), {}};
      current = &table.banks_.insert_or_assign(bank.code, std::move(bank)).first->second;
    } else if (cols.size() == 4 && cols[0].empty() && cols[1].size() == 3 && allDigits(cols[1])) {
      if (current == nullptr) bad();
      current->branches[std::string(cols[1])] =
          BankBranch{std::string(cols[1]), std::string(cols[2]), std::string(cols[3])};
      ++table.branch_count_;
    } else {
      bad();
    }
  }
  return table;
}

BankTable BankTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the bank table " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str());
}

const Bank* BankTable::bank(std::string_view code) const {
  auto it = banks_.find(std::string(code));
  return it == banks_.end() ? nullptr : &it->second;
}

const BankBranch* BankTable::branch(std::string_view bank_code,
                                    std::string_view branch_code) const {
  const Bank* b = bank(bank_code);
  if (b == nullptr) return nullptr;
  auto it = b->branches.find(std::string(branch_code));
  return it == b->branches.end() ? nullptr : &it->second;
}

void BankTable::requireBranch(std::string_view bank_code, std::string_view branch_code) const {
  if (bank(bank_code) == nullptr) {
    throw Error::invalid("fees.bank_unknown", "no bank with code " + std::string(bank_code),
                         {{"field", "bank_code"}});
  }
  if (branch(bank_code, branch_code) == nullptr) {
    throw Error::invalid("fees.branch_unknown",
                         "bank " + std::string(bank_code) + " has no branch " +
                             std::string(branch_code),
                         {{"field", "branch_code"}});
  }
}

}  // namespace sukusuku::fees
