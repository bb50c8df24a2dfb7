// Upload: multipart parsing and taking photos in (checked by content, stripped, stored once).
#include <sstream>

#include <Poco/String.h>
#include <sukusuku/error.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

Error badUpload(const std::string& why) {
  return Error::badRequest("photos.invalid_upload", "the upload is malformed: " + why);
}

// The value of PARAM="…" (or unquoted) in a header line such as Content-Disposition.
std::string headerParam(const std::string& header, const std::string& param) {
  std::string lower = Poco::toLower(header);
  size_t at = 0;
  while ((at = lower.find(param + "=", at)) != std::string::npos) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(lower[at - 1])) || lower[at - 1] == '*')) {
      at += param.size();
      continue;
    }
    size_t v = at + param.size() + 1;
    if (v < header.size() && header[v] == '"') {
      size_t end = header.find('"', v + 1);
      if (end == std::string::npos) return "";
      return header.substr(v + 1, end - v - 1);
    }
    size_t end = header.find(';', v);
    return Poco::trim(header.substr(v, end == std::string::npos ? std::string::npos : end - v));
  }
  return "";
}

// A file name safe to show and store: its last path segment, printable, at most 200 bytes.
std::string cleanName(std::string name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  }
  if (out.size() > 200) out.resize(200);
  return out.empty() ? "photo" : out;
}

}  // namespace

MultipartBody parseMultipart(const std::string& content_type, const std::string& body) {
  if (Poco::toLower(content_type).rfind("multipart/form-data", 0) != 0) {
    throw badUpload("expected multipart/form-data");
  }
  std::string boundary = headerParam(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) throw badUpload("no boundary");
  const std::string delimiter = "--" + boundary;
  MultipartBody out;
  size_t at = body.find(delimiter);
  if (at == std::string::npos) throw badUpload("no parts");
  while (true) {
    at += delimiter.size();
    if (body.compare(at, 2, "--") == 0) break;  // the closing delimiter
    if (body.compare(at, 2, "\r\n") != 0) throw badUpload("bad delimiter line");
    at += 2;
    size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string::npos) throw badUpload("part without headers");
    std::string headers = body.substr(at, headers_end - at);
    size_t data_start = headers_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string::npos) throw badUpload("part without end (truncated body?)");
    std::string disposition;
    std::istringstream lines(headers);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (Poco::icompare(line.substr(0, 20), "content-disposition:") == 0) disposition = line;
    }
    std::string name = headerParam(disposition, "name");
    bool is_file = Poco::toLower(disposition).find("filename=") != std::string::npos;
    if (is_file) {
      out.files.push_back({name, cleanName(headerParam(disposition, "filename")),
                           body.substr(data_start, next - data_start)});
    } else {
      out.fields.emplace(name, body.substr(data_start, next - data_start));
    }
    at = next + 2;
  }
  return out;
}

nlohmann::json PhotoService::ingest(const Principal& p, const Album& album,
                                    const std::vector<UploadedFile>& files,
                                    const std::string& request_id) {
  if (files.empty()) throw Error::badRequest("photos.no_files", "choose at least one photo");
  if (static_cast<int64_t>(files.size()) > settings_.max_files) {
    throw Error::invalid("photos.too_many_files", "too many photos in one upload",
                         {{"max_files", settings_.max_files}});
  }
  if (album.photos_deleted) {
    throw Error::conflict("photos.album_closed", "this album's photos were deleted");
  }
  nlohmann::json accepted = nlohmann::json::array(), duplicates = nlohmann::json::array(),
                 rejected = nlohmann::json::array();
  auto& blobs = ctx_.blobs();
  for (const auto& f : files) {
    try {
      Inspection info = inspect(f.bytes, settings_.max_pixels);
      std::string hash = sha256Hex(f.bytes);
      {
        auto conn = db().acquire();
        auto dup = conn->queryOne("SELECT id FROM photos WHERE album_id = ? AND content_hash = ?",
                                  {album.id, hash});
        if (dup) {
          duplicates.push_back({{"name", f.filename}, {"photo_id", dup->getInt("id")}});
          continue;
        }
      }
      std::string clean = stripMetadata(f.bytes, info);
      std::string ext = info.format == Format::kJpeg ? "jpg" : formatName(info.format);
      std::string key = "photos/" + std::to_string(album.municipality_id) + "/" +
                        std::to_string(album.id) + "/" + hash + "." + ext;
      blobs.put(key, clean);
      int64_t id = 0;
      bool inserted = db().transaction([&](db::Tx& tx) {
        auto res = tx.execute(
            tx.dialect().insertIgnore(
                "photos", {"municipality_id", "album_id", "content_hash", "original_name", "format",
                           "width", "height", "bytes", "original_key", "status",
                           "uploaded_by_user_id", "created_at"}),
            {album.municipality_id, album.id, hash, f.filename, formatName(info.format),
             info.width, info.height, static_cast<int64_t>(clean.size()), key, "processing",
             p.user_id, now()});
        if (res.affected_rows == 0) {
          id = tx.queryOne("SELECT id FROM photos WHERE album_id = ? AND content_hash = ?",
                           {album.id, hash})
                   ->getInt("id");
          return false;
        }
        id = res.last_insert_id;
        return true;
      });
      if (!inserted) {
        duplicates.push_back({{"name", f.filename}, {"photo_id", id}});
        continue;
      }
      accepted.push_back({{"name", f.filename},
                          {"photo_id", id},
                          {"format", formatName(info.format)},
                          {"width", info.width},
                          {"height", info.height},
                          {"status", "processing"}});
    } catch (const Error& e) {
      rejected.push_back({{"name", f.filename}, {"code", e.code()}, {"message", e.what()}});
    }
  }
  if (!accepted.empty()) {
    db().transaction([&](db::Tx& tx) {
      ctx_.audit().record(tx, {.municipality_id = album.municipality_id,
                               .actor_user_id = p.user_id,
                               .actor_role = p.role,
                               .action = "photos.uploaded",
                               .target_type = "photo_album",
                               .target_id = std::to_string(album.id),
                               .details = {{"photos", accepted.size()},
                                           {"rejected", rejected.size()},
                                           {"duplicates", duplicates.size()}},
                               .request_id = request_id});
    });
    wake();
  }
  nlohmann::json result = {
      {"accepted", accepted}, {"duplicates", duplicates}, {"rejected", rejected}};
  if (accepted.empty() && duplicates.empty() && !rejected.empty()) {
    throw Error::invalid(rejected[0]["code"].get<std::string>(),
                         rejected[0]["message"].get<std::string>(), result);
  }
  return result;
}

}  // namespace sukusuku::photos
