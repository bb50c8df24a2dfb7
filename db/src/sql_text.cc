#include "sql_text.h"

#include <cctype>

#include "sukusuku/db/error.h"

namespace sukusuku::db::internal {
namespace {

bool isBlank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Index just past the comment or quoted run starting at i, or i when none starts there.
size_t skipQuotedOrComment(std::string_view s, size_t i) {
  char c = s[i];
  if (c == '\'' || c == '"' || c == '`') {
    // A doubled quote inside is an escaped quote; scanning on handles it as close + reopen.
    size_t j = s.find(c, i + 1);
    return j == std::string_view::npos ? s.size() : j + 1;
  }
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    size_t j = s.find('\n', i);
    return j == std::string_view::npos ? s.size() : j + 1;
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    size_t j = s.find("*/", i + 2);
    return j == std::string_view::npos ? s.size() : j + 2;
  }
  return i;
}

bool hasCode(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = skipQuotedOrComment(s, i);
    if (j != i) {
      if (s[i] == '\'' || s[i] == '"' || s[i] == '`') return true;
      i = j;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(s[i]))) return true;
    ++i;
  }
  return false;
}

}  // namespace

std::vector<std::string> splitScript(std::string_view sql) {
  std::vector<std::string> out;
  size_t start = 0;
  size_t i = 0;
  auto flush = [&](size_t end) {
    std::string_view stmt = trim(sql.substr(start, end - start));
    if (!isBlank(stmt) && hasCode(stmt)) out.emplace_back(stmt);
  };
  while (i < sql.size()) {
    size_t j = skipQuotedOrComment(sql, i);
    if (j != i) {
      i = j;
    } else if (sql[i] == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(sql.size());
  return out;
}

std::string leadingKeyword(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(') {
      ++i;
      continue;
    }
    size_t j = skipQuotedOrComment(sql, i);
    if (j != i && c != '\'' && c != '"' && c != '`') {
      i = j;
      continue;
    }
    break;
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  }
  return word;
}

void checkIdentifier(std::string_view name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    throw DbError(DbError::Kind::kSql, "not a plain SQL identifier: '" + std::string(name) + "'");
}

std::string excerpt(std::string_view sql) {
  sql = trim(sql);
  constexpr size_t kMax = 200;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}

}  // namespace sukusuku::db::internal
