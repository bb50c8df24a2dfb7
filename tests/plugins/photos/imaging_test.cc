// The imaging part alone: recognition by content, metadata stripping, hostile images, and the
// renditions' sizes.
#include <gtest/gtest.h>

#include <sukusuku/error.h>

#include "imaging.h"
#include "test_images.h"

namespace sukusuku::testing {
namespace {

using photos::Format;

std::string codeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return "";
}

TEST(PhotosImaging, RecognisesImagesByContentOnly) {
  EXPECT_EQ(photos::sniff(makeJpeg(64, 48, 1)), Format::kJpeg);
  EXPECT_EQ(photos::sniff(makePng(64, 48, 1)), Format::kPng);
  EXPECT_EQ(photos::sniff("GIF89a......"), Format::kUnknown);
  EXPECT_EQ(photos::sniff(std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16)), Format::kHeic);
  EXPECT_EQ(codeOf([] { photos::inspect("<html>not a photo</html>", 1000000); }),
            "photos.not_an_image");
}

TEST(PhotosImaging, StripsLocationButKeepsOrientationAndPixels) {
  std::string jpeg = withGpsExif(makeJpeg(120, 80, 2));
  ASSERT_NE(jpeg.find("SECRETPLACE"), std::string::npos);
  auto info = photos::inspect(jpeg, 1000000);
  EXPECT_EQ(info.orientation, 6);
  std::string clean = photos::stripMetadata(jpeg, info);
  EXPECT_EQ(clean.find("SECRETPLACE"), std::string::npos);
  EXPECT_EQ(orientationOf(clean), 6);
  EXPECT_EQ(sizeOf(clean), std::make_pair(120, 80));
  // The scan data is copied, not re-encoded.
  std::string plain = makeJpeg(120, 80, 2);
  EXPECT_NE(clean.find(plain.substr(plain.size() - 200)), std::string::npos);
}

TEST(PhotosImaging, RefusesTruncatedImagesAndBombs) {
  std::string jpeg = makeJpeg(200, 150, 3);
  EXPECT_EQ(codeOf([&] { photos::inspect(jpeg.substr(0, jpeg.size() * 2 / 3), 1000000); }),
            "photos.truncated");
  std::string png = makePng(50, 50, 3);
  EXPECT_EQ(codeOf([&] { photos::inspect(png.substr(0, png.size() - 20), 1000000); }),
            "photos.truncated");
  std::string bomb = bombPng(30000, 30000);
  EXPECT_LT(bomb.size(), 200u);
  EXPECT_EQ(codeOf([&] { photos::inspect(bomb, 100000000); }), "photos.too_many_pixels");
}

TEST(PhotosImaging, RendersThumbnailAndWatermarkedPreview) {
  std::string jpeg = makeJpeg(2000, 1500, 4);
  auto r = photos::render(jpeg);
  EXPECT_EQ(photos::sniff(r.thumb_jpeg), Format::kJpeg);
  EXPECT_EQ(sizeOf(r.thumb_jpeg), std::make_pair(320, 240));
  EXPECT_EQ(sizeOf(r.preview_jpeg), std::make_pair(1024, 768));
  // The watermark changed the preview: it is not what a plain shrink gives.
  photos::RenderOptions none;
  none.watermark_opacity = 0.0;
  EXPECT_NE(photos::render(jpeg, none).preview_jpeg, r.preview_jpeg);
  std::string truncated = jpeg.substr(0, jpeg.size() / 2) + "\xFF\xD9";
  EXPECT_FALSE(codeOf([&] { photos::render(truncated); }).empty());
}

}  // namespace
}  // namespace sukusuku::testing
