#include "rich_text.h"

#include <vector>

namespace sukusuku::messaging {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

bool safeUrl(const std::string& url) {
  if (url.empty() || url.size() > 2000) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == 0x7f) {
      return false;
    }
  }
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ||
         url.rfind("mailto:", 0) == 0;
}

std::string link(const std::string& url, const std::string& label_html) {
  return "<a href=\"" + escape(url) + "\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">" +
         label_html + "</a>";
}

// End of a bare URL starting at I.
size_t urlEnd(const std::string& s, size_t i) {
  size_t j = i;
  while (j < s.size()) {
    unsigned char c = s[j];
    if (c <= 0x20 || c >= 0x80 || c == '<' || c == '>' || c == '"' || c == '\'' || c == ')' ||
        c == ']') {
      break;
    }
    ++j;
  }
  while (j > i && (s[j - 1] == '.' || s[j - 1] == ',')) --j;
  return j;
}

// One line's inline markup: **bold**, [label](url), bare URLs. PLAIN selects the text rendering.
std::string inlineText(const std::string& s, bool plain) {
  std::string out;
  bool bold = false;
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "**") == 0) {
      if (!plain) {
        // Only open a <strong> that is closed later on this line.
        if (bold) {
          out += "</strong>";
          bold = false;
        } else if (s.find("**", i + 2) != std::string::npos) {
          out += "<strong>";
          bold = true;
        } else {
          out += "**";
        }
      }
      i += 2;
      continue;
    }
    if (s[i] == '[') {
      size_t close = s.find("](", i + 1);
      size_t end = close == std::string::npos ? std::string::npos : s.find(')', close + 2);
      if (close != std::string::npos && end != std::string::npos &&
          s.find('\n', i) > end) {
        std::string label = s.substr(i + 1, close - i - 1);
        std::string url = s.substr(close + 2, end - close - 2);
        if (safeUrl(url) && !label.empty()) {
          out += plain ? label + " (" + url + ")" : link(url, escape(label));
          i = end + 1;
          continue;
        }
      }
    }
    if (s.compare(i, 8, "https://") == 0 || s.compare(i, 7, "http://") == 0) {
      size_t end = urlEnd(s, i);
      std::string url = s.substr(i, end - i);
      if (safeUrl(url) && end > i + 8) {
        out += plain ? url : link(url, escape(url));
        i = end;
        continue;
      }
    }
    out += plain ? std::string(1, s[i]) : escape(std::string(1, s[i]));
    ++i;
  }
  if (bold) out += "</strong>";
  return out;
}

enum class Kind { kText, kBullet, kNumber, kBlank };

Kind kindOf(const std::string& line, std::string& rest) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == line.size()) return Kind::kBlank;
  if (line.compare(i, 2, "- ") == 0 || line.compare(i, 2, "* ") == 0) {
    rest = line.substr(i + 2);
    return Kind::kBullet;
  }
  if (line.compare(i, 3, "・") == 0) {
    rest = line.substr(i + 3);
    return Kind::kBullet;
  }
  size_t d = i;
  while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
  if (d > i && d - i <= 3 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') &&
      line[d + 1] == ' ') {
    rest = line.substr(d + 2);
    return Kind::kNumber;
  }
  rest = line;
  return Kind::kText;
}

std::vector<std::string> lines(const std::string& markup) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : markup) {
    if (c == '\r') continue;
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::string richTextHtml(const std::string& markup) {
  std::string out;
  Kind open = Kind::kBlank;  // the block being written
  auto close = [&] {
    if (open == Kind::kText) out += "</p>";
    if (open == Kind::kBullet) out += "</ul>";
    if (open == Kind::kNumber) out += "</ol>";
    open = Kind::kBlank;
  };
  for (const auto& line : lines(markup)) {
    std::string rest;
    Kind k = kindOf(line, rest);
    if (k == Kind::kBlank) {
      close();
      continue;
    }
    if (k != open) {
      close();
      out += k == Kind::kText ? "<p>" : k == Kind::kBullet ? "<ul>" : "<ol>";
      open = k;
    } else if (k == Kind::kText) {
      out += "<br>";
    }
    if (k == Kind::kText) {
      out += inlineText(rest, false);
    } else {
      out += "<li>" + inlineText(rest, false) + "</li>";
    }
  }
  close();
  return out;
}

std::string richTextPlain(const std::string& markup) {
  std::string out;
  for (const auto& line : lines(markup)) {
    std::string rest;
    Kind k = kindOf(line, rest);
    if (!out.empty()) out += "\n";
    if (k == Kind::kBullet) out += "・";
    if (k != Kind::kBlank) out += inlineText(k == Kind::kNumber ? line : rest, true);
  }
  return out;
}

}  // namespace sukusuku::messaging
