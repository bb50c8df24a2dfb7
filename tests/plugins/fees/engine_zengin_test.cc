#include <gtest/gtest.h>

#include "sukusuku/error.h"
#include "sukusuku/fees/kana.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees::zengin {
namespace {

std::string pad(std::string s, size_t n) {
  s.resize(n, ' ');
  return s;
}
std::string kana(std::string_view utf8) { return toBankKana(utf8, "test"); }

DebitFile sampleFile() {
  DebitFile f;
  f.header.consignor_code = "1234567890";
  f.header.consignor_name = "スクスクシ キョウイクイインカイ";
  f.header.date_mmdd = "0527";
  f.header.bank_code = "0001";
  f.header.bank_name = "ミズホ";
  f.header.branch_code = "001";
  f.header.branch_name = "トウキヨウ";
  f.header.account_type = kOrdinary;
  f.header.account_number = "7654321";
  DebitRecord a;
  a.bank_code = "0005";
  a.bank_name = "ミツビシユーエフジエイ";
  a.branch_code = "123";
  a.account_type = kOrdinary;
  a.account_number = "1234567";
  a.holder_name = "ヤマダ タロウ";
  a.amount = 2405;
  a.new_code = 1;
  a.customer_number = "42";
  DebitRecord b = a;
  b.bank_code = "9900";
  b.bank_name = "";
  b.branch_code = "018";
  b.account_number = "0000987";
  b.holder_name = "スズキ ハナコ";
  b.amount = 3100;
  b.new_code = 0;
  b.customer_number = "43";
  f.records = {a, b};
  return f;
}

TEST(Zengin91, WritesByteExactRecords) {
  const std::string out = writeDebitFile(sampleFile());
  ASSERT_EQ(out.size(), 5 * 122u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out.substr(i * 122 + 120, 2), "\r\n") << "record " << i;
  }
  const std::string header = "1" "91" "0" "1234567890" +
                             pad(kana("ｽｸｽｸｼ ｷﾖｳｲｸｲｲﾝｶｲ"), 40) + "0527" + "0001" +
                             pad(kana("ﾐｽﾞﾎ"), 15) + "001" + pad(kana("ﾄｳｷﾖｳ"), 15) + "1" +
                             "7654321" + std::string(17, ' ');
  ASSERT_EQ(header.size(), 120u);
  EXPECT_EQ(out.substr(0, 120), header);
  const std::string data = std::string("2") + "0005" + pad(kana("ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ").substr(0, 15), 15) +
                           "123" + std::string(15, ' ') + "    " + "1" + "1234567" +
                           pad(kana("ﾔﾏﾀﾞ ﾀﾛｳ"), 30) + "0000002405" + "1" +
                           "00000000000000000042" + "0" + std::string(8, ' ');
  ASSERT_EQ(data.size(), 120u);
  EXPECT_EQ(out.substr(122, 120), data);
  const std::string trailer = std::string("8") + "000002" + "000000005505" + "000000" +
                              "000000000000" + "000000" + "000000000000" + std::string(65, ' ');
  EXPECT_EQ(out.substr(3 * 122, 120), trailer);
  EXPECT_EQ(out.substr(4 * 122, 120), "9" + std::string(119, ' '));
}

TEST(Zengin91, WithoutLineBreaksAndReadBack) {
  const std::string out = writeDebitFile(sampleFile(), {.crlf = false});
  ASSERT_EQ(out.size(), 5 * 120u);
  EXPECT_EQ(out.find_first_of("\r\n"), std::string::npos);
  const DebitFile back = readDebitFile(out);
  EXPECT_EQ(back.header.consignor_code, "1234567890");
  EXPECT_EQ(back.header.date_mmdd, "0527");
  EXPECT_EQ(back.header.consignor_name, "ｽｸｽｸｼ ｷﾖｳｲｸｲｲﾝｶｲ");
  ASSERT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.records[0].holder_name, "ﾔﾏﾀﾞ ﾀﾛｳ");
  EXPECT_EQ(back.records[0].customer_number, "00000000000000000042");
  EXPECT_EQ(back.records[1].amount, 3100);
  EXPECT_EQ(back.records[1].line, 3);
  EXPECT_EQ(back.trailer.count, 2);
  EXPECT_EQ(back.trailer.amount, 5505);
}

TEST(Zengin91, ResultFileCarriesCodesAndTotals) {
  DebitFile f = sampleFile();
  f.records[1].result_code = kInsufficientFunds;
  const DebitFile back = readDebitFile(writeDebitFile(f, {}, /*as_result=*/true));
  EXPECT_EQ(back.records[0].result_code, 0);
  EXPECT_EQ(back.records[1].result_code, 1);
  EXPECT_EQ(back.trailer.debited_count, 1);
  EXPECT_EQ(back.trailer.debited_amount, 2405);
  EXPECT_EQ(back.trailer.failed_count, 1);
  EXPECT_EQ(back.trailer.failed_amount, 3100);
  EXPECT_EQ(resultCodeKey(1), "insufficient_funds");
  EXPECT_EQ(resultCodeKey(6), "unknown");
}

TEST(Zengin91, WriterRefusesWhatBanksWouldRefuse) {
  DebitFile f = sampleFile();
  f.records[0].holder_name = "山田 太郎";
  try {
    writeDebitFile(f);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.kana_rejected");
  }
  f = sampleFile();
  f.records[1].holder_name = "ダダダダダダダダダダダダダダダダ";  // 16 voiced kana = 32 bytes
  try {
    writeDebitFile(f);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.record_invalid");
    EXPECT_EQ(e.details()["record"], 2);
    EXPECT_EQ(e.details()["field"], "holder_name");
  }
  f = sampleFile();
  f.records[0].amount = -1;
  EXPECT_THROW(writeDebitFile(f), Error);
  f = sampleFile();
  f.records[0].customer_number = "123456789012345678901";
  EXPECT_THROW(writeDebitFile(f), Error);
}

// The problems a reader reports, as "line:problem" strings.
std::vector<std::string> problemsOf(const std::string& bytes) {
  try {
    readDebitFile(bytes);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.file_invalid");
    std::vector<std::string> out;
    for (const auto& p : e.details()["errors"]) {
      out.push_back(std::to_string(p["line"].get<int>()) + ":" + p["problem"].get<std::string>());
    }
    return out;
  }
  return {};
}

TEST(Zengin91Reader, WrongRecordLengthNamesTheLine) {
  std::string out = writeDebitFile(sampleFile());
  out.erase(122 + 60, 1);  // line 2 loses a byte
  EXPECT_EQ(problemsOf(out), (std::vector<std::string>{"2:record_length"}));
  std::string stream = writeDebitFile(sampleFile(), {.crlf = false});
  stream.pop_back();
  EXPECT_EQ(problemsOf(stream), (std::vector<std::string>{"5:record_length"}));
}

TEST(Zengin91Reader, CrOnlyAndLfOnlyLineEndsAreErrors) {
  std::string out = writeDebitFile(sampleFile());
  out.erase(2 * 122 + 121, 1);  // line 3 ends with CR only
  EXPECT_EQ(problemsOf(out), (std::vector<std::string>{"3:line_end"}));
  out = writeDebitFile(sampleFile());
  out.erase(120, 1);  // line 1 ends with LF only
  EXPECT_EQ(problemsOf(out), (std::vector<std::string>{"1:line_end"}));
}

TEST(Zengin91Reader, TrailerThatDoesNotAddUp) {
  std::string out = writeDebitFile(sampleFile());
  out.replace(3 * 122 + 1, 6, "000003");
  out.replace(3 * 122 + 7, 12, "000000005506");
  EXPECT_EQ(problemsOf(out), (std::vector<std::string>{"4:trailer_mismatch", "4:trailer_mismatch"}));
  DebitFile f = sampleFile();
  f.records[0].result_code = 2;
  std::string result = writeDebitFile(f, {}, true);
  result.replace(3 * 122 + 19, 6, "000002");  // 振替済件数 claims both
  auto problems = problemsOf(result);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0], "4:trailer_mismatch");
}

TEST(Zengin91Reader, DuplicateLinesAndBadFieldsAndOrder) {
  std::string out = writeDebitFile(sampleFile());
  std::string dup = out.substr(0, 2 * 122) + out.substr(122, 122) + out.substr(2 * 122);
  auto problems = problemsOf(dup);
  ASSERT_GE(problems.size(), 1u);
  EXPECT_EQ(problems[0], "3:duplicate");
  std::string bad = out;
  bad[122 + 85] = 'X';  // amount not numeric
  EXPECT_EQ(problemsOf(bad)[0], "2:field_format");
  EXPECT_EQ(problemsOf(out.substr(0, 4 * 122)), (std::vector<std::string>{"4:sequence"}));
  EXPECT_EQ(problemsOf(out.substr(122)), (std::vector<std::string>{"1:sequence", "2:sequence",
                                                                   "3:sequence", "4:sequence",
                                                                   "1:sequence"}));
  EXPECT_EQ(problemsOf(""), (std::vector<std::string>{"1:sequence"}));
  // A DOS end-of-file mark after the last record is accepted.
  EXPECT_EQ(readDebitFile(out + "\x1A").records.size(), 2u);
}

TEST(Zengin21, TransferFileForRefunds) {
  TransferFile f;
  f.header.consignor_code = "1234567890";
  f.header.consignor_name = "スクスクシ";
  f.header.date_mmdd = "0310";
  f.header.bank_code = "0001";
  f.header.branch_code = "001";
  f.header.account_number = "7654321";
  TransferRecord r;
  r.bank_code = "0005";
  r.branch_code = "123";
  r.account_number = "1234567";
  r.payee_name = "ヤマダ タロウ";
  r.amount = 3600;
  r.customer_code1 = "0000000042";
  f.records = {r};
  const std::string out = writeTransferFile(f, {.crlf = false});
  ASSERT_EQ(out.size(), 4 * 120u);
  EXPECT_EQ(out.substr(0, 4), "1210");
  const std::string data = out.substr(120, 120);
  EXPECT_EQ(data.substr(0, 5), "20005");
  EXPECT_EQ(data.substr(42, 8), "11234567");
  EXPECT_EQ(data.substr(80, 10), "0000003600");
  EXPECT_EQ(data.substr(91, 10), "0000000042");
  EXPECT_EQ(data[111], '7');
  EXPECT_EQ(out.substr(240, 19), "8000001000000003600");
  EXPECT_EQ(out.substr(259, 101), std::string(101, ' '));
  EXPECT_EQ(out[360], '9');
}

}  // namespace
}  // namespace sukusuku::fees::zengin
