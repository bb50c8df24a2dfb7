#include <gtest/gtest.h>

#include "sukusuku/error.h"
#include "sukusuku/fees/kana.h"

namespace sukusuku::fees {
namespace {

// The CP932 bytes of half-width text written in UTF-8 (U+FF61 + n is byte 0xA1 + n).
std::string cp932(std::string_view halfwidth_utf8) {
  std::string out;
  for (size_t i = 0; i < halfwidth_utf8.size();) {
    const auto b = static_cast<unsigned char>(halfwidth_utf8[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    // EF BD A1..BF → FF61..FF7F; EF BE 80..9F → FF80..FF9F
    const auto b1 = static_cast<unsigned char>(halfwidth_utf8[i + 1]);
    const auto b2 = static_cast<unsigned char>(halfwidth_utf8[i + 2]);
    const int cp = ((b & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
    out += static_cast<char>(0xA1 + (cp - 0xFF61));
    i += 3;
  }
  return out;
}

TEST(BankKana, FullWidthNameBecomesHalfWidthWithVoicedMarksAsTwoBytes) {
  const std::string bytes = toBankKana("ヤマダ　タロウ", "holder_name");
  EXPECT_EQ(bytes, cp932("ﾔﾏﾀﾞ ﾀﾛｳ"));
  EXPECT_EQ(bytes.size(), 8u);  // ﾀﾞ counts two bytes
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xD4);
}

TEST(BankKana, HiraganaSmallKanaLongVowelAndLatin) {
  EXPECT_EQ(toBankKana("きょうこ", "n"), cp932("ｷﾖｳｺ"));
  EXPECT_EQ(toBankKana("ジェシー・スミス", "n"), cp932("ｼﾞｴｼ-.ｽﾐｽ"));
  EXPECT_EQ(toBankKana("ﾄｯﾄﾘ", "n"), cp932("ﾄﾂﾄﾘ"));  // half-width small kana too
  EXPECT_EQ(toBankKana("ｶ)ｻｸﾗ", "n"), cp932("ｶ)ｻｸﾗ"));
  EXPECT_EQ(toBankKana("ｓｍｉｔｈ john (1)", "n"), "SMITH JOHN (1)");
  EXPECT_EQ(toBankKana("パンヴィ", "n"), cp932("ﾊﾟﾝｳﾞｲ"));
  EXPECT_EQ(toBankKana("￥", "n"), "\x5C");
}

TEST(BankKana, RejectsKanjiAndSymbolsWithTheirPositions) {
  BankKana k = convertBankKana("ヤマ田 タロウ!「");
  ASSERT_EQ(k.rejected.size(), 3u);
  EXPECT_EQ(k.rejected[0].index, 2u);
  EXPECT_EQ(k.rejected[0].text, "田");
  EXPECT_EQ(k.rejected[1].text, "!");
  EXPECT_EQ(k.rejected[2].text, "「");
  try {
    toBankKana("山田", "holder_name");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.kana_rejected");
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.details()["field"], "holder_name");
    EXPECT_EQ(e.details()["rejected"].size(), 2u);
  }
  EXPECT_FALSE(convertBankKana("\xff\xfe").ok());  // invalid UTF-8
  EXPECT_FALSE(convertBankKana("a\\b").ok());       // backslash is ambiguous in CP932
}

TEST(BankKana, BytesBackToText) {
  const std::string bytes = toBankKana("ヤマダ タロウ", "n");
  EXPECT_EQ(bankBytesToUtf8(bytes), "ﾔﾏﾀﾞ ﾀﾛｳ");
  EXPECT_EQ(bankBytesToDisplay(bytes), "ヤマダ タロウ");
  EXPECT_EQ(bankBytesToDisplay(toBankKana("パピプペポ ヴ", "n")), "パピプペポ ヴ");
  EXPECT_EQ(convertBankKana(bankBytesToUtf8(bytes)).bytes, bytes);  // round trip
}

}  // namespace
}  // namespace sukusuku::fees
