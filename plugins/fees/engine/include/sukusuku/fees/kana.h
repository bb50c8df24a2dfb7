// Bank kana: the single-byte character set Zengin files carry in their C fields.
//
// Banks accept, per byte: 0-9, A-Z, half-width katakana ｱ-ﾝ and ｦ, the marks ﾞ ﾟ, space and
// ( ) - . , / ¥ — encoded as CP932 / JIS X 0201 (¥ is 0x5C, katakana 0xA6-0xDF). People type names
// in full-width katakana, hiragana or full-width Latin, so the conversion
//   - turns hiragana into katakana and full-width katakana into half-width (ダ → ﾀﾞ: two bytes),
//   - writes small kana full size (ァ ッ ャ → ｱ ﾂ ﾔ: banks reject small kana),
//   - writes the long vowel mark ー as '-', ・ as '.', full-width spaces and Latin as ASCII,
//     lower-case Latin as upper-case,
// and reports every other character (kanji, emoji, ｢ ｣ …) as rejected, with its position.
// Lengths in files are counted in these encoded bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::fees {

struct RejectedChar {
  size_t index = 0;  // position in the input, counted in characters (0-based)
  std::string text;  // the character, UTF-8
};

struct BankKana {
  std::string bytes;                   // CP932 single-byte text, only bank-accepted bytes
  std::vector<RejectedChar> rejected;  // empty when the whole input converted
  bool ok() const { return rejected.empty(); }
};

// Converts UTF-8 text for a Zengin C field. Never throws; invalid UTF-8 sequences are rejected
// characters. Thread-safe.
BankKana convertBankKana(std::string_view utf8);

// convertBankKana, or Error 422 "fees.kana_rejected" naming FIELD and the rejected characters
// (details: {"field", "rejected":[{"index","char"}]}).
std::string toBankKana(std::string_view utf8, std::string_view field);

// True when every byte is one banks accept in a C field.
bool isBankByte(unsigned char byte);

// CP932 single-byte bank text back to UTF-8 (half-width katakana as U+FF61-U+FF9F, 0x5C as ¥).
// Bytes outside the single-byte set come out as U+FFFD.
std::string bankBytesToUtf8(std::string_view bytes);

// Bank text shown to people: half-width kana in UTF-8 made full-width (ﾀﾞ → ダ).
std::string bankBytesToDisplay(std::string_view bytes);

}  // namespace sukusuku::fees
