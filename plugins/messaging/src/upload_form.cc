#include "upload_form.h"

#include <sukusuku/error.h>
#include <sukusuku/images.h>

namespace sukusuku::messaging {

PostedForm readPostedForm(const Request& r) {
  return web::readPostedForm(r, "messaging.invalid_form");
}

std::string sniffAttachmentType(const std::string& b) {
  if (b.compare(0, 5, "%PDF-") == 0) return "application/pdf";
  return images::sniff(b);
}

std::string cleanFileName(const std::string& name) {
  std::string base = name;
  size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string out;
  for (unsigned char c : base) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == ';') continue;
    out += static_cast<char>(c);
  }
  if (out.size() > 120) {
    size_t cut = 120;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut);
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(0, 1);
  return out.empty() ? "attachment" : out;
}

}  // namespace sukusuku::messaging
