#include "test_images.h"

#include <glib.h>
#include <vips/vips8>

#include <Poco/Checksum.h>

#include "imaging.h"

namespace sukusuku::testing {

namespace {

std::string save(const vips::VImage& img, const char* suffix) {
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(suffix, &buf, &size);
  std::string out(static_cast<char*>(buf), size);
  g_free(buf);
  return out;
}

vips::VImage colour(int w, int h, int seed) {
  photos::initVips();
  // A gradient with a seed-dependent tint, so the renditions have something to shrink.
  vips::VImage x = vips::VImage::xyz(w, h)[0];
  vips::VImage r = (x * (255.0 / w)).cast(VIPS_FORMAT_UCHAR);
  vips::VImage g = r.new_from_image(static_cast<double>((seed * 37) % 256)).cast(VIPS_FORMAT_UCHAR);
  vips::VImage b = r.new_from_image(static_cast<double>((seed * 91) % 256)).cast(VIPS_FORMAT_UCHAR);
  return r.bandjoin(g).bandjoin(b).copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

void be16(std::string& s, int v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}
void be32(std::string& s, uint32_t v) {
  be16(s, static_cast<int>(v >> 16));
  be16(s, static_cast<int>(v & 0xFFFF));
}
void entry(std::string& s, int tag, int type, uint32_t count, const std::string& value4) {
  be16(s, tag);
  be16(s, type);
  be32(s, count);
  s += value4;
}

std::string pngChunk(const std::string& type, const std::string& data) {
  std::string out;
  be32(out, static_cast<uint32_t>(data.size()));
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  crc.update(type + data);
  out += type + data;
  be32(out, crc.checksum());
  return out;
}

}  // namespace

std::string makeJpeg(int w, int h, int seed) { return save(colour(w, h, seed), ".jpg"); }
std::string makePng(int w, int h, int seed) { return save(colour(w, h, seed), ".png"); }

std::string withGpsExif(const std::string& jpeg) {
  std::string tiff = std::string("MM\0\x2A", 4);
  be32(tiff, 8);
  // IFD0 at 8: orientation 6, GPS IFD pointer.
  be16(tiff, 2);
  std::string v;
  be16(v, 6);
  v += std::string("\0\0", 2);
  entry(tiff, 0x0112, 3, 1, v);
  std::string ptr;
  be32(ptr, 38);
  entry(tiff, 0x8825, 4, 1, ptr);
  be32(tiff, 0);
  // GPS IFD at 38: latitude ref "N", map datum at 68.
  be16(tiff, 2);
  entry(tiff, 0x0001, 2, 2, std::string("N\0\0\0", 4));
  std::string off;
  be32(off, 68);
  entry(tiff, 0x0012, 2, 16, off);
  be32(tiff, 0);
  tiff += std::string("SECRETPLACE-XYZ\0", 16);
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string seg = "\xFF\xE1";
  be16(seg, static_cast<int>(payload.size() + 2));
  return jpeg.substr(0, 2) + seg + payload + jpeg.substr(2);
}

std::string bombPng(int w, int h) {
  std::string ihdr;
  be32(ihdr, static_cast<uint32_t>(w));
  be32(ihdr, static_cast<uint32_t>(h));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey
  // A valid zlib stream of a few zero bytes: the header, not the data, is what gets refused.
  std::string idat("\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01", 10);
  return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat) +
         pngChunk("IEND", "");
}

int orientationOf(const std::string& bytes) {
  photos::initVips();
  auto img = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
  return img.get_typeof("orientation") ? img.get_int("orientation") : 1;
}

std::pair<int, int> sizeOf(const std::string& bytes) {
  photos::initVips();
  auto img = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
  return {img.width(), img.height()};
}

}  // namespace sukusuku::testing
