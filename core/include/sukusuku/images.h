// Pictures that people upload (contact-book photos, handout images): recognised by their bytes,
// refused before decoding when the header promises too many pixels (decompression bombs), and
// re-encoded with libvips into bounded JPEG renditions that carry no metadata (no location, no
// camera data), turned upright by their EXIF orientation.
//
// Thread-safe; libvips is started on first use (once per process). Every function that refuses
// an image throws sukusuku::Error 422 with a code made from the caller's CODE_PREFIX, so each
// plugin keeps its own stable codes ("messaging.photo" gives "messaging.photo_type", ...):
//   <prefix>_type            the bytes are none of the ALLOWED types (whatever the file is called)
//   <prefix>_too_many_pixels width x height above max_pixels
//   <prefix>_unreadable      the decoder refused it (corrupt or truncated data)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::images {

// The media type of BYTES by their first bytes: "image/jpeg", "image/png", "image/webp",
// "image/gif", or "" for anything else.
std::string sniff(std::string_view bytes);

struct Header {
  std::string type;  // as sniff()
  int width = 0;
  int height = 0;
};

// Sniffs BYTES against ALLOWED (media types) and reads the header only (never the pixels).
Header readHeader(const std::string& bytes, const std::vector<std::string>& allowed,
                  int64_t max_pixels, const std::string& code_prefix);

struct Rendition {
  std::string jpeg;
  int width = 0;
  int height = 0;
};

// A JPEG of the whole image, upright, without metadata, its longest edge at most EDGE pixels
// (never enlarged); shrink-on-load keeps the memory near the output's size. Decodes fully: a
// corrupt or truncated image throws <prefix>_unreadable. Call readHeader() first.
Rendition boundedJpeg(const std::string& bytes, int edge, int quality,
                      const std::string& code_prefix);

}  // namespace sukusuku::images
