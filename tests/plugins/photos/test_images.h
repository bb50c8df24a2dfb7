// Images made for the tests with libvips, and hand-built hostile ones.
#pragma once

#include <string>

namespace sukusuku::testing {

// A W x H JPEG of one colour (SEED varies it, so each seed has its own content hash).
std::string makeJpeg(int w, int h, int seed);
std::string makePng(int w, int h, int seed);
// JPEG with an EXIF block: orientation 6 and a GPS IFD holding the text "SECRETPLACE-XYZ".
std::string withGpsExif(const std::string& jpeg);
// A PNG whose header claims W x H pixels over a tiny IDAT (a decompression bomb's header).
std::string bombPng(int w, int h);
// Orientation stored in an image, by libvips.
int orientationOf(const std::string& bytes);
// Width and height, by libvips.
std::pair<int, int> sizeOf(const std::string& bytes);

}  // namespace sukusuku::testing
