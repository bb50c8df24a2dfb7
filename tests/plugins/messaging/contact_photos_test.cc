// Photos in the contact book (連絡帳の写真) over real HTTP on every backend: a guardian adds them
// to the home side (base64 JSON), staff to the nursery side (multipart from the class view);
// uploads are checked by content and limits and refused ones store nothing; only the child's
// family and the staff of the child's facility can read them; the class view, the history and
// the printable year show them.
#include <vips/vips8>

#include <Poco/Base64Encoder.h>

#include "outreach_fixture.h"

namespace sukusuku::testing {
namespace {

// A W x H picture with a gradient, encoded by libvips as SUFFIX (".jpg", ".png", ".webp").
std::string picture(int w, int h, const char* suffix) {
  static bool started = [] { return VIPS_INIT("contact-photos-test") == 0; }();
  EXPECT_TRUE(started);
  vips::VImage x = vips::VImage::xyz(w, h)[0];
  vips::VImage r = (x * (255.0 / w)).cast(VIPS_FORMAT_UCHAR);
  vips::VImage img = r.bandjoin(r).bandjoin(r).copy(
      vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(suffix, &buf, &size);
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  return out;
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

class ContactPhotosTest : public OutreachTest {
 protected:
  std::vector<std::pair<std::string, std::string>> extraConfig() override {
    return {{"messaging.photo_max_bytes", "400000"}, {"messaging.photo_max_pixels", "6000000"}};
  }
  std::string homePhotos(int64_t child) {
    return "/api/v1/messaging/children/" + std::to_string(child) + "/contact-book/" + today() +
           "/home/photos";
  }
  Reply addHome(int64_t child, const std::string& name, const std::string& bytes) {
    return api("POST", homePhotos(child), guardianUser(),
               {{"filename", name}, {"content_base64", base64(bytes)}});
  }
  int64_t photoRows() { return scalar("SELECT COUNT(*) FROM messaging_contact_photos"); }
  size_t photoBlobs() {
    size_t n = 0;
    auto dir = std::filesystem::path(sys_->scratch.dataDir());
    if (!std::filesystem::exists(dir)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().string().find("contact") != std::string::npos) ++n;
    }
    return n;
  }
  nlohmann::json viewChild(int64_t child) {
    int64_t cls = scalar("SELECT class_id FROM enrolments WHERE child_id = ?", {child});
    auto r = web("GET", "/web/messaging/contact-book?format=json&class_id=" + std::to_string(cls),
                 staffUser());
    EXPECT_EQ(r.status, 200) << r.body;
    nlohmann::json view = r.json();  // kept alive: the loop reads into it
    for (const auto& c : view["children"]) {
      if (c["id"] == child) return c;
    }
    return nullptr;
  }
};

TEST_P(ContactPhotosTest, BothSidesCarryPhotosThatOnlyTheFamilyAndTheFacilitySee) {
  int64_t child = ownChild();
  std::string jpeg = picture(2400, 1800, ".jpg");
  ASSERT_LT(jpeg.size(), 400000u);

  // Refused uploads store nothing: text named .jpg, a PNG named .jpg, too big, too many pixels
  // (a small PNG that promises 2,500 x 2,500), a JPEG cut in half, another family's child.
  EXPECT_EQ(addHome(child, "lunch.jpg", "just some text, not a picture").code(),
            "messaging.photo_type");
  EXPECT_EQ(addHome(child, "lunch.jpg", picture(40, 30, ".png")).code(), "messaging.photo_type");
  std::string huge = jpeg + randomBytes(400000);
  EXPECT_EQ(addHome(child, "big.jpg", huge).code(), "messaging.photo_too_large");
  std::string bomb = picture(2500, 2500, ".png");
  ASSERT_LT(bomb.size(), 400000u);
  EXPECT_EQ(addHome(child, "bomb.png", bomb).code(), "messaging.photo_too_many_pixels");
  EXPECT_EQ(addHome(child, "cut.jpg", jpeg.substr(0, jpeg.size() / 2)).code(),
            "messaging.photo_unreadable");
  EXPECT_EQ(addHome(otherChild(), "x.jpg", jpeg).status, 404);
  EXPECT_EQ(photoRows(), 0);
  EXPECT_EQ(photoBlobs(), 0u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_contact_entries"), 0);

  // A JPEG and a WebP from the app: kept as bounded JPEGs (1600 px at most).
  auto added = addHome(child, "breakfast.jpg", jpeg);
  ASSERT_EQ(added.status, 201) << added.body;
  auto home = added.json()["home"];
  ASSERT_EQ(home["photos"].size(), 1u);
  EXPECT_EQ(home["photos"][0]["width"], 1600);
  EXPECT_EQ(home["photos"][0]["height"], 1200);
  ASSERT_EQ(addHome(child, "", picture(300, 200, ".webp")).status, 201);
  EXPECT_EQ(photoBlobs(), 4u);  // display + thumbnail each
  int64_t home_photo = home["photos"][0]["id"];

  // The per-entry limit: 4 photos a side a day.
  ASSERT_EQ(api("POST", homePhotos(child), guardianUser(),
                {{"photos", {{{"filename", "a.jpg"}, {"content_base64", base64(jpeg)}},
                             {{"filename", "b.png"}, {"content_base64", base64(picture(50, 50, ".png"))}}}}})
                .status,
            201);
  EXPECT_EQ(addHome(child, "e.jpg", jpeg).code(), "messaging.too_many_photos");
  EXPECT_EQ(photoRows(), 4);

  // The class view shows the home photos; staff read them, staff of another facility do not.
  auto c = viewChild(child);
  ASSERT_EQ(c["home"]["photos"].size(), 4u);
  EXPECT_EQ(c["unread"], true);
  std::string web_url = c["home"]["photos"][0]["url"];
  auto img = web("GET", web_url + "?size=thumb", staffUser());
  ASSERT_EQ(img.status, 200);
  EXPECT_EQ(img.header("Content-Type"), "image/jpeg");
  EXPECT_EQ(img.body.compare(0, 3, "\xFF\xD8\xFF"), 0);
  EXPECT_EQ(web("GET", web_url, otherFacilityStaff()).status, 404);
  EXPECT_EQ(web("GET", web_url, tonariStaff()).status, 404);

  // The nursery side with a photo from the tablet (multipart), and a non-image refused.
  std::string nursery_uri = "/web/messaging/contact-book/" + std::to_string(child) + "/" +
                            today() + "/nursery";
  auto bad = upload(nursery_uri, staffUser(),
                    {{"lunch", "all", "", ""}, {"photos", pdfBytes(), "walk.jpg", "image/jpeg"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(photoRows(), 4);
  auto saved = upload(nursery_uri, staffUser(),
                      {{"lunch", "all", "", ""},
                       {"text", "お散歩に行きました。", "", ""},
                       {"photos", picture(800, 600, ".png"), "walk.png", "image/png"}});
  ASSERT_EQ(saved.status, 303) << saved.body;
  c = viewChild(child);
  ASSERT_EQ(c["photos"].size(), 1u);
  int64_t nursery_photo = c["photos"][0]["id"];

  // The family reads both sides' photos; another family does not.
  std::string api_url = "/api/v1/messaging/contact-book/photos/" + std::to_string(nursery_photo);
  auto day = api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/contact-book/" +
                            today(),
                 guardianUser());
  ASSERT_EQ(day.status, 200);
  EXPECT_EQ(day.json()["nursery"]["photos"][0]["url"], api_url);
  EXPECT_EQ(day.json()["home"]["photos"].size(), 4u);
  auto got = api("GET", api_url, guardianUser());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body.compare(0, 3, "\xFF\xD8\xFF"), 0);
  int64_t other_guardian = guardianOf(otherHouseholds(1)[0], "other-family@example.jp");
  EXPECT_EQ(api("GET", api_url, other_guardian).status, 404);
  EXPECT_EQ(api("DELETE", "/api/v1/messaging/contact-book/photos/" + std::to_string(home_photo),
                other_guardian)
                .status,
            404);

  // History and the printable year carry them.
  auto hist = api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/contact-book",
                  guardianUser());
  ASSERT_EQ(hist.status, 200);
  size_t in_history = 0;
  nlohmann::json items = hist.json()["items"];
  for (const auto& e : items) in_history += e["photos"].size();
  EXPECT_EQ(in_history, 5u);
  auto year = web("GET", "/web/messaging/contact-book/" + std::to_string(child) + "/year",
                  staffUser());
  ASSERT_EQ(year.status, 200);
  EXPECT_NE(year.body.find("/web/messaging/contact-book/photos/" + std::to_string(nursery_photo)),
            std::string::npos);
  EXPECT_NE(year.body.find("/web/messaging/contact-book/photos/" + std::to_string(home_photo)),
            std::string::npos);

  // The family removes its own photo, not the nursery's; staff remove theirs from the form.
  EXPECT_EQ(api("DELETE", api_url, guardianUser()).code(), "messaging.photo_not_yours");
  EXPECT_EQ(api("DELETE", "/api/v1/messaging/contact-book/photos/" + std::to_string(home_photo),
                guardianUser())
                .status,
            204);
  EXPECT_EQ(api("GET", "/api/v1/messaging/contact-book/photos/" + std::to_string(home_photo),
                guardianUser())
                .status,
            404);
  ASSERT_EQ(upload(nursery_uri, staffUser(),
                   {{"lunch", "all", "", ""}, {"remove_photo", std::to_string(nursery_photo), "", ""}})
                .status,
            303);
  EXPECT_EQ(photoRows(), 3);
  EXPECT_EQ(photoBlobs(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ContactPhotosTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
