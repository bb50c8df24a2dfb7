#include "imaging.h"

#include <glib.h>
#include <vips/vips8>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "sukusuku/error.h"

namespace sukusuku::photos {

namespace {

using vips::VImage;

Error reject(const std::string& code, const std::string& message) {
  return Error::invalid(code, message);
}

uint8_t at(const std::string& s, size_t i) { return static_cast<uint8_t>(s[i]); }

// A JPEG's main image ends with EOI (FF D9) after its last scan: walk the segments up to the
// first SOS, then the entropy-coded data, in which FF is always followed by 00, RSTn or a marker.
// Returns the offset just after EOI, or npos when the data ends first.
size_t jpegEnd(const std::string& s, size_t* sos_at) {
  size_t i = 2;
  while (i + 4 <= s.size()) {
    if (at(s, i) != 0xFF) return std::string::npos;
    uint8_t m = at(s, i + 1);
    if (m == 0xFF) {
      ++i;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
      i += 2;
      continue;
    }
    if (m == 0xD9) return i + 2;
    size_t len = (static_cast<size_t>(at(s, i + 2)) << 8) | at(s, i + 3);
    if (len < 2 || i + 2 + len > s.size()) return std::string::npos;
    if (m == 0xDA) {
      if (sos_at) *sos_at = i;
      for (size_t j = i + 2 + len; j + 1 < s.size(); ++j) {
        if (at(s, j) == 0xFF && at(s, j + 1) == 0xD9) return j + 2;
      }
      return std::string::npos;
    }
    i += 2 + len;
  }
  return std::string::npos;
}

bool pngComplete(const std::string& s, size_t* end) {
  size_t i = 8;
  while (i + 12 <= s.size()) {
    uint32_t len = (static_cast<uint32_t>(at(s, i)) << 24) | (at(s, i + 1) << 16) |
                   (at(s, i + 2) << 8) | at(s, i + 3);
    if (len > s.size() || i + 12 + len > s.size()) return false;
    if (s.compare(i + 4, 4, "IEND") == 0) {
      if (end) *end = i + 12 + len;
      return true;
    }
    i += 12 + len;
  }
  return false;
}

std::string minimalExif(int orientation) {
  std::string e = std::string("Exif\0\0", 6) + std::string("MM\0\x2A\0\0\0\x08", 8);
  e += std::string("\0\x01", 2);                       // one entry
  e += std::string("\x01\x12\0\x03\0\0\0\x01", 8);     // Orientation, SHORT, count 1
  e += std::string("\0", 1) + static_cast<char>(orientation) + std::string("\0\0", 2);
  e += std::string("\0\0\0\0", 4);                     // no next IFD
  std::string seg = "\xFF\xE1";
  size_t len = e.size() + 2;
  seg += static_cast<char>(len >> 8);
  seg += static_cast<char>(len & 0xFF);
  return seg + e;
}

std::string stripJpeg(const std::string& s, int orientation) {
  size_t sos = 0;
  size_t end = jpegEnd(s, &sos);
  if (end == std::string::npos || sos == 0) {
    throw reject("photos.truncated", "the JPEG ends before its end marker");
  }
  std::string out = "\xFF\xD8";
  if (orientation >= 2 && orientation <= 8) out += minimalExif(orientation);
  size_t i = 2;
  while (i < sos) {
    uint8_t m = at(s, i + 1);
    if (m == 0xFF) {
      ++i;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
      i += 2;
      continue;
    }
    size_t len = (static_cast<size_t>(at(s, i + 2)) << 8) | at(s, i + 3);
    bool keep = true;
    if (m >= 0xE0 && m <= 0xEF) {
      keep = m == 0xE0 || m == 0xEE ||
             (m == 0xE2 && len >= 14 && s.compare(i + 4, 12, "ICC_PROFILE\0", 12) == 0);
    } else if (m == 0xFE) {
      keep = false;  // comments
    }
    if (keep) out.append(s, i, 2 + len);
    i += 2 + len;
  }
  out.append(s, sos, end - sos);
  return out;
}

std::string stripPng(const std::string& s) {
  std::string out = s.substr(0, 8);
  size_t i = 8;
  while (i + 12 <= s.size()) {
    uint32_t len = (static_cast<uint32_t>(at(s, i)) << 24) | (at(s, i + 1) << 16) |
                   (at(s, i + 2) << 8) | at(s, i + 3);
    std::string type = s.substr(i + 4, 4);
    bool drop = type == "eXIf" || type == "tEXt" || type == "zTXt" || type == "iTXt" ||
                type == "tIME";
    if (!drop) out.append(s, i, 12 + len);
    i += 12 + len;
    if (type == "IEND") break;
  }
  return out;
}

// Takes a vips error after a failed call into an Error; truncation is told apart.
Error decodeError(const std::string& what) {
  std::string lower = what;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.find("truncat") != std::string::npos || lower.find("premature") != std::string::npos ||
      lower.find("end of") != std::string::npos) {
    return reject("photos.truncated", "the image data ends too early");
  }
  return reject("photos.unreadable", "the image cannot be decoded");
}

// The watermark: "SAMPLE" text, tilted, as a one-band mask tile (0..255), made once.
const VImage& watermarkTile() {
  static const VImage tile = [] {
    VImage text = VImage::text("SAMPLE  見本  SUKUSUKU", VImage::option()
                                                            ->set("dpi", 110)
                                                            ->set("font", "sans bold 18"));
    VImage padded = text.embed(24, 40, text.width() + 48, text.height() + 80);
    VImage rotated = padded.similarity(VImage::option()->set("angle", -28.0));
    return rotated.cast(VIPS_FORMAT_UCHAR).copy_memory();
  }();
  return tile;
}

std::string encodeJpeg(const VImage& img, int quality) {
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(".jpg", &buf, &size,
                      VImage::option()
                          ->set("Q", quality)
                          ->set("strip", true)
                          ->set("optimize_coding", false));
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  return out;
}

VImage upright8bitRgb(VImage img) {
  if (img.has_alpha()) img = img.flatten(VImage::option()->set("background", std::vector<double>{255}));
  if (img.format() != VIPS_FORMAT_UCHAR) img = img.cast(VIPS_FORMAT_UCHAR);
  return img;
}

}  // namespace

void initVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("sukusuku")) throw std::runtime_error("libvips failed to start");
    vips_cache_set_max(0);  // every photo is seen once; caching only holds memory
  });
}

bool heifSupported() {
  initVips();
  return vips_type_find("VipsOperation", "heifload_buffer") != 0;
}

Format sniff(std::string_view b) {
  if (b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0xFF && static_cast<uint8_t>(b[1]) == 0xD8 &&
      static_cast<uint8_t>(b[2]) == 0xFF) {
    return Format::kJpeg;
  }
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    return Format::kPng;
  }
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") {
    std::string_view brand = b.substr(8, 4);
    for (const char* h : {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"}) {
      if (brand == h) return Format::kHeic;
    }
  }
  return Format::kUnknown;
}

const char* formatName(Format f) {
  switch (f) {
    case Format::kJpeg: return "jpeg";
    case Format::kPng: return "png";
    case Format::kHeic: return "heic";
    default: return "unknown";
  }
}

const char* mimeType(Format f) {
  switch (f) {
    case Format::kJpeg: return "image/jpeg";
    case Format::kPng: return "image/png";
    case Format::kHeic: return "image/heic";
    default: return "application/octet-stream";
  }
}

Inspection inspect(const std::string& bytes, int64_t max_pixels) {
  initVips();
  Inspection info;
  info.format = sniff(bytes);
  if (info.format == Format::kUnknown) {
    throw reject("photos.not_an_image", "this file is not a JPEG, PNG or HEIC image");
  }
  if (info.format == Format::kHeic && !heifSupported()) {
    throw reject("photos.unsupported_format", "HEIC images cannot be read on this server");
  }
  if (info.format == Format::kJpeg && jpegEnd(bytes, nullptr) == std::string::npos) {
    throw reject("photos.truncated", "the JPEG ends before its end marker");
  }
  if (info.format == Format::kPng && !pngComplete(bytes, nullptr)) {
    throw reject("photos.truncated", "the PNG ends before its IEND chunk");
  }
  try {
    VImage header = VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                            VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    info.width = header.width();
    info.height = header.height();
    if (header.get_typeof("orientation") != 0) {
      info.orientation = std::clamp(header.get_int("orientation"), 1, 8);
    }
  } catch (const vips::VError& e) {
    throw decodeError(e.what());
  }
  if (info.width <= 0 || info.height <= 0) throw reject("photos.unreadable", "no pixels");
  if (static_cast<int64_t>(info.width) * info.height > max_pixels) {
    throw Error::invalid("photos.too_many_pixels", "the image has more pixels than allowed",
                         {{"width", info.width}, {"height", info.height},
                          {"max_pixels", max_pixels}});
  }
  return info;
}

std::string stripMetadata(const std::string& bytes, const Inspection& info) {
  switch (info.format) {
    case Format::kJpeg: return stripJpeg(bytes, info.orientation);
    case Format::kPng: return stripPng(bytes);
    default: return bytes;
  }
}

Renditions render(const std::string& original, const RenderOptions& o) {
  initVips();
  Renditions out;
  VipsBlob* blob = vips_blob_new(nullptr, original.data(), original.size());
  try {
    // Shrink-on-load: the JPEG decoder scales by 1/2..1/8 while decoding.
    VImage preview = VImage::thumbnail_buffer(
        blob, o.preview_size,
        VImage::option()
            ->set("height", o.preview_size)
            ->set("size", VIPS_SIZE_DOWN)
            ->set("option_string", "fail=true"));
    preview = upright8bitRgb(preview).copy_memory();
    VImage thumb = preview.thumbnail_image(
        o.thumb_size, VImage::option()->set("height", o.thumb_size)->set("size", VIPS_SIZE_DOWN));
    out.thumb_jpeg = encodeJpeg(thumb, o.jpeg_quality);

    const VImage& tile = watermarkTile();
    int across = preview.width() / tile.width() + 1;
    int down = preview.height() / tile.height() + 1;
    VImage mask = tile.replicate(across, down).crop(0, 0, preview.width(), preview.height());
    VImage alpha = mask * (o.watermark_opacity / 255.0);
    VImage marked = (preview * (1.0 - alpha) + alpha * 255.0).cast(VIPS_FORMAT_UCHAR);
    out.preview_jpeg = encodeJpeg(marked, o.jpeg_quality);
  } catch (const vips::VError& e) {
    vips_area_unref(VIPS_AREA(blob));
    throw decodeError(e.what());
  }
  vips_area_unref(VIPS_AREA(blob));
  return out;
}

std::string heicToJpeg(const std::string& original) {
  initVips();
  try {
    VImage img = VImage::new_from_buffer(original.data(), original.size(), "");
    img = upright8bitRgb(img.autorot());
    return encodeJpeg(img, 92);
  } catch (const vips::VError& e) {
    throw decodeError(e.what());
  }
}

}  // namespace sukusuku::photos
