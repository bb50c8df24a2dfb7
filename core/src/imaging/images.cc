#include "sukusuku/images.h"

#include <glib.h>
#include <vips/vips8>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "sukusuku/error.h"

namespace sukusuku::images {

namespace {

using vips::VImage;

void start() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("sukusuku")) throw std::runtime_error("libvips failed to start");
  });
}

Error unreadable(const std::string& prefix) {
  return Error::invalid(prefix + "_unreadable", "the image cannot be decoded");
}

}  // namespace

std::string sniff(std::string_view b) {
  auto starts = [&b](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts(std::string_view("\x89PNG\r\n\x1A\n", 8))) return "image/png";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
  return "";
}

Header readHeader(const std::string& bytes, const std::vector<std::string>& allowed,
                  int64_t max_pixels, const std::string& prefix) {
  Header h;
  h.type = sniff(bytes);
  if (h.type.empty() || std::find(allowed.begin(), allowed.end(), h.type) == allowed.end()) {
    throw Error::invalid(prefix + "_type", "the file is not an image of an accepted type",
                         {{"detected", h.type}, {"allowed", allowed}});
  }
  start();
  try {
    VImage header = VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                            VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    h.width = header.width();
    h.height = header.height();
  } catch (const vips::VError&) {
    throw unreadable(prefix);
  }
  if (h.width <= 0 || h.height <= 0) throw unreadable(prefix);
  if (static_cast<int64_t>(h.width) * h.height > max_pixels) {
    throw Error::invalid(prefix + "_too_many_pixels", "the image has more pixels than allowed",
                         {{"width", h.width}, {"height", h.height}, {"max_pixels", max_pixels}});
  }
  return h;
}

Rendition boundedJpeg(const std::string& bytes, int edge, int quality, const std::string& prefix) {
  start();
  VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
  Rendition out;
  try {
    // thumbnail_buffer rotates by the EXIF orientation and shrinks while it decodes.
    VImage img = VImage::thumbnail_buffer(blob, edge,
                                          VImage::option()
                                              ->set("height", edge)
                                              ->set("size", VIPS_SIZE_DOWN)
                                              ->set("option_string", "fail_on=truncated"));
    if (img.has_alpha()) {
      img = img.flatten(VImage::option()->set("background", std::vector<double>{255}));
    }
    img = img.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_UCHAR);
    void* buf = nullptr;
    size_t size = 0;
    img.write_to_buffer(".jpg", &buf, &size,
                        VImage::option()->set("Q", quality)->set("strip", true));
    out.jpeg.assign(static_cast<const char*>(buf), size);
    g_free(buf);
    out.width = img.width();
    out.height = img.height();
  } catch (const vips::VError&) {
    vips_area_unref(VIPS_AREA(blob));
    throw unreadable(prefix);
  }
  vips_area_unref(VIPS_AREA(blob));
  return out;
}

}  // namespace sukusuku::images
