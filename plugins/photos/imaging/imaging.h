// Image handling for photo sales: recognising uploads by their bytes, stripping location and
// other metadata without re-encoding, and making the thumbnail and the watermarked preview with
// libvips (shrink-on-load). Shared by the photos plugin and bench/photos.
//
// Thread-safe after initVips(). Every function that rejects an image throws sukusuku::Error 422
// with a stable code:
//   photos.not_an_image      the bytes are no JPEG, PNG or HEIC (whatever the file is called)
//   photos.unsupported_format a HEIC when this libvips cannot read HEIF
//   photos.truncated         the image ends before its end marker
//   photos.too_many_pixels   width x height above the limit (decompression bombs)
//   photos.unreadable        the decoder refused it
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sukusuku::photos {

enum class Format { kUnknown, kJpeg, kPng, kHeic };

// Starts libvips once per process (idempotent).
void initVips();
bool heifSupported();

// By magic bytes only.
Format sniff(std::string_view bytes);
const char* formatName(Format f);   // "jpeg", "png", "heic"
const char* mimeType(Format f);

struct Inspection {
  Format format = Format::kUnknown;
  int width = 0;
  int height = 0;
  int orientation = 1;  // EXIF orientation 1..8
};

// Sniffs, checks the end marker (JPEG EOI, PNG IEND) and decodes the header only (never the
// pixels), refusing more than MAX_PIXELS pixels.
Inspection inspect(const std::string& bytes, int64_t max_pixels);

// A copy without metadata: JPEG loses every APPn segment but JFIF, ICC and Adobe, comments, and
// anything after the main image (multi-picture extras); a minimal EXIF block carrying only the
// orientation is written back when it is not 1. PNG loses eXIf, tEXt, zTXt, iTXt and tIME. The
// pixels are copied byte for byte. HEIC is returned unchanged (renderOriginal re-encodes it).
std::string stripMetadata(const std::string& bytes, const Inspection& info);

struct RenderOptions {
  int thumb_size = 320;     // longest edge
  int preview_size = 1024;  // longest edge
  int jpeg_quality = 82;
  double watermark_opacity = 0.35;
};

struct Renditions {
  std::string thumb_jpeg;
  std::string preview_jpeg;  // watermarked
};

// Decodes fully (a truncated or corrupt image throws photos.truncated / photos.unreadable).
Renditions render(const std::string& original, const RenderOptions& options = {});

// A JPEG of a HEIC original, upright and without metadata (originals that the print vendor and
// the buyer's browser can open).
std::string heicToJpeg(const std::string& original);

}  // namespace sukusuku::photos
