#include "sukusuku/fees/kana.h"

#include <array>

#include "sukusuku/error.h"
#include "utf8.h"

namespace sukusuku::fees {

namespace {

// Half-width forms for full-width katakana U+30A1 (ァ) … U+30F6 (ヶ), small kana written full size.
constexpr std::string_view kKatakanaBase =
    "ｱｱｲｲｳｳｴｴｵｵｶｶｷｷｸｸｹｹｺｺｻｻｼｼｽｽｾｾｿｿﾀﾀﾁﾁﾂﾂﾂﾃﾃﾄﾄﾅﾆﾇﾈﾉﾊﾊﾊﾋﾋﾋﾌﾌﾌﾍﾍﾍﾎﾎﾎﾏﾐﾑﾒﾓﾔﾔﾕﾕﾖﾖﾗﾘﾙﾚﾛﾜﾜｲｴｦﾝｳｶｹ";
constexpr std::u32string_view kVoiced = U"ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ";
constexpr std::u32string_view kSemiVoiced = U"パピプペポ";

constexpr unsigned char kVoicedMark = 0xDE;
constexpr unsigned char kSemiVoicedMark = 0xDF;

// Byte for each katakana, decoded once from kKatakanaBase (U+FF61 + n is byte 0xA1 + n).
const std::array<unsigned char, 86>& katakanaBytes() {
  static const auto table = [] {
    std::array<unsigned char, 86> t{};
    size_t i = 0;
    for (size_t k = 0; k < t.size(); ++k) {
      t[k] = static_cast<unsigned char>(0xA1 + (utf8::next(kKatakanaBase, i) - 0xFF61));
    }
    return t;
  }();
  return table;
}

// Half-width small kana (ｧ … ｯ, 0xA7-0xAF) written full size.
constexpr std::array<unsigned char, 9> kSmallToFull = {0xB1, 0xB2, 0xB3, 0xB4, 0xB5,
                                                       0xD4, 0xD5, 0xD6, 0xC2};

// Appends the bank bytes for CP, or returns false when banks do not accept it.
bool appendBankChar(char32_t cp, std::string& out) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  if (cp >= U'a' && cp <= U'z') cp -= 0x20;
  if ((cp >= U'0' && cp <= U'9') || (cp >= U'A' && cp <= U'Z') || cp == U' ' || cp == U'(' ||
      cp == U')' || cp == U'-' || cp == U'.' || cp == U',' || cp == U'/') {
    out += static_cast<char>(cp);
    return true;
  }
  switch (cp) {
    case 0x3000:  // 全角スペース
      out += ' ';
      return true;
    case 0x30FC:  // ー
    case 0xFF70:  // ｰ
    case 0x2010:
    case 0x2011:
    case 0x2212:
      out += '-';
      return true;
    case 0x30FB:  // ・
    case 0xFF65:  // ･
      out += '.';
      return true;
    case 0x00A5:  // ¥
    case 0xFFE5:  // ￥
      out += '\x5C';
      return true;
    case 0x309B:  // ゛
      out += static_cast<char>(kVoicedMark);
      return true;
    case 0x309C:  // ゜
      out += static_cast<char>(kSemiVoicedMark);
      return true;
    default:
      break;
  }
  if (cp >= 0x3041 && cp <= 0x3096) cp += 0x60;  // hiragana → katakana
  if (cp >= 0x30A1 && cp <= 0x30F6) {
    out += static_cast<char>(katakanaBytes()[cp - 0x30A1]);
    if (kVoiced.find(cp) != std::u32string_view::npos) out += static_cast<char>(kVoicedMark);
    if (kSemiVoiced.find(cp) != std::u32string_view::npos) {
      out += static_cast<char>(kSemiVoicedMark);
    }
    return true;
  }
  if (cp >= 0xFF61 && cp <= 0xFF9F) {  // half-width katakana already
    const auto byte = static_cast<unsigned char>(0xA1 + (cp - 0xFF61));
    if (byte >= 0xA7 && byte <= 0xAF) {
      out += static_cast<char>(kSmallToFull[byte - 0xA7]);
      return true;
    }
    if (isBankByte(byte)) {
      out += static_cast<char>(byte);
      return true;
    }
  }
  return false;
}

}  // namespace

bool isBankByte(unsigned char b) {
  return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || b == ' ' || b == '(' || b == ')' ||
         b == '-' || b == '.' || b == ',' || b == '/' || b == 0x5C || b == 0xA6 ||
         (b >= 0xB1 && b <= 0xDF);
}

BankKana convertBankKana(std::string_view text) {
  BankKana result;
  result.bytes.reserve(text.size());
  size_t i = 0;
  size_t index = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char32_t cp = utf8::next(text, i);
    if (cp == utf8::kInvalid || !appendBankChar(cp, result.bytes)) {
      result.rejected.push_back({index, std::string(text.substr(start, i - start))});
    }
    ++index;
  }
  return result;
}

std::string toBankKana(std::string_view text, std::string_view field) {
  BankKana kana = convertBankKana(text);
  if (!kana.ok()) {
    nlohmann::json rejected = nlohmann::json::array();
    std::string chars;
    for (const auto& r : kana.rejected) {
      // Invalid UTF-8 is reported by position only, so the JSON stays valid.
      size_t k = 0;
      const bool valid = utf8::next(r.text, k) != utf8::kInvalid;
      rejected.push_back({{"index", r.index}, {"char", valid ? r.text : "\xEF\xBF\xBD"}});
      if (chars.size() < 40) chars += valid ? r.text : "\xEF\xBF\xBD";
    }
    throw Error::invalid("fees.kana_rejected",
                         std::string(field) + ": characters banks do not accept: " + chars,
                         {{"field", field}, {"rejected", rejected}});
  }
  return std::move(kana.bytes);
}

std::string bankBytesToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b == 0x5C) {
      utf8::append(out, 0x00A5);
    } else if (b < 0x80) {
      out += c;
    } else if (b >= 0xA1 && b <= 0xDF) {
      utf8::append(out, 0xFF61 + (b - 0xA1));
    } else {
      utf8::append(out, 0xFFFD);
    }
  }
  return out;
}

std::string bankBytesToDisplay(std::string_view bytes) {
  // Full-width katakana for bytes 0xA6-0xDD, found by searching the conversion table backwards.
  std::string out;
  const auto& table = katakanaBytes();
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    const auto next = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    if (b < 0x80) {
      if (b == 0x5C) {
        utf8::append(out, 0xFFE5);
      } else {
        out += static_cast<char>(b);
      }
      continue;
    }
    char32_t plain = 0;
    for (size_t k = 0; k < table.size(); ++k) {
      const char32_t cp = 0x30A1 + static_cast<char32_t>(k);
      // The first katakana with this byte that is neither small nor voiced.
      if (table[k] == b && kVoiced.find(cp) == std::u32string_view::npos &&
          kSemiVoiced.find(cp) == std::u32string_view::npos &&
          std::u32string_view(U"ァィゥェォッャュョヮヰヱヵヶ").find(cp) == std::u32string_view::npos) {
        plain = cp;
        break;
      }
    }
    if (plain == 0) {
      utf8::append(out, b == kVoicedMark ? 0x309B : b == kSemiVoicedMark ? 0x309C : 0xFFFD);
      continue;
    }
    char32_t shown = plain;
    if (next == kVoicedMark || next == kSemiVoicedMark) {
      const char32_t candidate = plain == U'ウ' ? U'ヴ' : plain + (next == kVoicedMark ? 1 : 2);
      const auto& set = next == kVoicedMark ? kVoiced : kSemiVoiced;
      if (set.find(candidate) != std::u32string_view::npos) {
        shown = candidate;
        ++i;
      }
    }
    utf8::append(out, shown);
  }
  return out;
}

}  // namespace sukusuku::fees
