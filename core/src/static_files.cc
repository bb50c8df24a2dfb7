#include "static_files.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sukusuku/error.h"

namespace sukusuku {

namespace fs = std::filesystem;

namespace {

std::string contentType(const std::string& ext) {
  static const std::map<std::string, std::string> kTypes = {
      {".css", "text/css; charset=utf-8"},    {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".jpg", "image/jpeg"},                 {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},                {".ico", "image/x-icon"},
      {".json", "application/json"},          {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},  {".html", "text/html; charset=utf-8"}};
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace

Handler makeStaticHandler(const std::string& root) {
  return [root](Request& req) {
    const std::string& rel = req.param("path");
    size_t start = 0;
    while (start <= rel.size()) {
      size_t slash = rel.find('/', start);
      if (slash == std::string::npos) slash = rel.size();
      std::string seg = rel.substr(start, slash - start);
      if (seg.empty() || seg[0] == '.') throw Error::notFound("static.not_found", "no such file");
      start = slash + 1;
    }
    fs::path p = fs::path(root) / rel;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) throw Error::notFound("static.not_found", "no such file");
    auto size = fs::file_size(p, ec);
    auto mtime = fs::last_write_time(p, ec).time_since_epoch().count();
    std::string etag = "\"" + std::to_string(size) + "-" + std::to_string(mtime) + "\"";
    Response r;
    r.headers["ETag"] = etag;
    r.headers["Cache-Control"] = "public, max-age=3600";
    if (req.header("if-none-match") == etag) {
      r.status = 304;
      r.content_type.clear();
      return r;
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    r.body = ss.str();
    r.content_type = contentType(p.extension().string());
    return r;
  };
}

}  // namespace sukusuku
