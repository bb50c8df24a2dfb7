// The photos plugin end to end over real HTTP, on every backend: an album goes from upload to a
// paid digital download and the print-vendor batch, with consent withholding proven, bad input
// refused with stable codes, and one family or facility never seeing another's photos.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Zip/ZipArchive.h>

#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>
#include <sukusuku/identity/password.h>

#include "../../core/http_client.h"
#include "../../core/test_system.h"
#include "imaging.h"
#include "test_images.h"

namespace sukusuku::testing {
namespace {

const std::string kStamp = "2024-01-01T00:00:00Z";
const std::string kPassword = "photos-test-2026";
const std::string kBoundary = "----sukusukuTestBoundary7d9";

struct File {
  std::string name;
  std::string bytes;
};

std::string multipart(const std::vector<File>& files) {
  std::string body;
  for (const auto& f : files) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" +
            f.name + "\"\r\nContent-Type: image/jpeg\r\n\r\n" + f.bytes + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

class PhotosHttpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(std::chrono::system_clock::now());
    sys_ = std::make_unique<TestSystem>(
        GetParam(), "photos", clock_,
        std::vector<std::pair<std::string, std::string>>{
            {"plugins.dir", binaryDir() + "/lib/sukusuku/plugins"},
            {"http.port", "0"},
            {"http.threads", "8"},
            {"photos.max_upload_bytes", "20000000"},
            {"photos.retention_days", "1"}});
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    identity_ = sys_->rt->services().find<identity::IdentityService>("identity");
    ASSERT_TRUE(identity_);
    seed();
  }
  void TearDown() override {
    server_.reset();
    sys_.reset();
  }

  int64_t insert(const std::string& sql, const db::Params& params) {
    auto conn = sys_->rt->database().acquire();
    return conn->execute(sql, params).last_insert_id;
  }
  int64_t scalar(const std::string& sql, const db::Params& params = {}) {
    auto conn = sys_->rt->database().acquire();
    return conn->query(sql, params)[0][0].asInt();
  }
  int64_t user(int64_t m, const std::string& login, const std::string& role, int64_t facility) {
    static const std::string hash = identity::hashPassword(kPassword);
    int64_t id = insert(
        "INSERT INTO users (municipality_id, login, password_hash, display_name, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        {m, login, hash, login, kStamp, kStamp});
    logins_[id] = login;
    insert("INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
           "granted_by_user_id) VALUES (?, ?, ?, ?, ?, 0)",
           {m, id, role, facility, kStamp});
    return id;
  }
  // A household with one child in CLASS_ID and its photo-sales consents, oldest first.
  int64_t family(int64_t m, int64_t facility, int64_t class_id, const std::string& name,
                 std::vector<bool> consents, int64_t* child_out = nullptr) {
    int64_t h = insert(
        "INSERT INTO households (municipality_id, name, postal_code, address, phone, created_at, "
        "updated_at) VALUES (?, ?, '100-0001', '東京都', '03', ?, ?)",
        {m, name, kStamp, kStamp});
    int64_t c = insert(
        "INSERT INTO children (municipality_id, household_id, family_name, given_name, "
        "family_name_kana, given_name_kana, birth_date, sex, created_at) VALUES (?, ?, ?, 'こ', "
        "'カナ', 'コ', '2021-05-01', 'female', ?)",
        {m, h, name, kStamp});
    insert("INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, starts_on) "
           "VALUES (?, ?, ?, ?, '2020-04-01')",
           {m, c, facility, class_id});
    for (bool g : consents) {
      insert("INSERT INTO consents (municipality_id, household_id, kind, granted, recorded_at, "
             "recorded_by_user_id) VALUES (?, ?, 'photo_sales', ?, ?, 0)",
             {m, h, g, kStamp});
    }
    if (child_out) *child_out = c;
    return h;
  }
  int64_t guardianOf(int64_t m, int64_t household, const std::string& login) {
    int64_t u = user(m, login, "guardian", 0);
    insert("INSERT INTO guardians (municipality_id, household_id, user_id, family_name, "
           "given_name, family_name_kana, given_name_kana, relationship, phone, email) VALUES "
           "(?, ?, ?, '親', '名', 'オヤ', 'ナ', 'mother', '090', ?)",
           {m, household, u, login});
    return u;
  }

  void seed() {
    auto municipality = [&](const char* code) {
      return insert("INSERT INTO municipalities (code, name, name_kana, prefecture, created_at) "
                    "VALUES (?, '市', 'シ', '東京都', ?)",
                    {code, kStamp});
    };
    auto facility = [&](int64_t m, const char* code) {
      return insert(
          "INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, phone, "
          "capacity, opens_at, closes_at, created_at) VALUES (?, 'nursery', ?, 'ひまわり', "
          "'ヒマワリ', '東京都', '03', 60, '07:00', '19:00', ?)",
          {m, code, kStamp});
    };
    auto klass = [&](int64_t m, int64_t f, const char* name) {
      return insert("INSERT INTO classes (municipality_id, facility_id, fiscal_year, name, room) "
                    "VALUES (?, ?, ?, ?, '1')",
                    {m, f, fiscalYear(clock_->now()), name});
    };
    muni_ = municipality("990001");
    other_muni_ = municipality("990002");
    facility_a_ = facility(muni_, "A");
    facility_b_ = facility(muni_, "B");
    int64_t other_facility = facility(other_muni_, "X");
    class_a_ = klass(muni_, facility_a_, "ばら組");
    class_b_ = klass(muni_, facility_b_, "ゆり組");
    int64_t class_x = klass(other_muni_, other_facility, "もも組");
    // In class A: a buyer (consent granted), a family that declined (after first granting),
    // and one that granted after first declining.
    household_buyer_ = family(muni_, facility_a_, class_a_, "買手", {true}, &child_buyer_);
    family(muni_, facility_a_, class_a_, "拒否", {true, false}, &child_declined_);
    family(muni_, facility_a_, class_a_, "同意", {false, true}, &child_regranted_);
    int64_t household_b = family(muni_, facility_b_, class_b_, "別組", {true});
    int64_t household_x = family(other_muni_, other_facility, class_x, "他市", {true});
    staff_a_ = user(muni_, "staff-a", "facility_staff", facility_a_);
    head_a_ = user(muni_, "head-a", "facility_admin", facility_a_);
    staff_b_ = user(muni_, "staff-b", "facility_staff", facility_b_);
    parent_ = guardianOf(muni_, household_buyer_, "buyer@example.jp");
    parent_b_ = guardianOf(muni_, household_b, "other-class@example.jp");
    parent_x_ = guardianOf(other_muni_, household_x, "other-city@example.jp");
  }

  int port() const { return server_->port(); }

  // A web session for a staff member: the cookie header and the CSRF token.
  std::pair<std::string, std::string> session(int64_t user_id) {
    auto s = identity_->createSession(user_id, "test");
    return {"sukusuku_session=" + s.cookie, s.csrf_token};
  }
  Reply staff(int64_t user_id, const std::string& method, const std::string& uri,
              const std::string& body = "", std::string type = "") {
    auto [cookie, csrf] = session(user_id);
    std::map<std::string, std::string> h = {
        {"Cookie", cookie}, {"X-CSRF-Token", csrf}, {"Accept", "application/json"}};
    if (!type.empty()) h["Content-Type"] = type;
    return httpRequest(port(), method, uri, body, h);
  }
  int64_t createAlbum(int64_t staff_user, int64_t class_id) {
    std::string d = tokyoDate(clock_->now());
    auto r = staff(staff_user, "POST", "/web/photos/albums",
                   "title=%E9%81%8B%E5%8B%95%E4%BC%9A&class_id=" + std::to_string(class_id) +
                       "&event_date=" + d + "&sales_from=" + d + "&sales_until=" + d,
                   "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["id"];
  }
  Reply upload(int64_t staff_user, int64_t album, const std::vector<File>& files) {
    return staff(staff_user, "POST", "/web/photos/albums/" + std::to_string(album) + "/photos",
                 multipart(files), "multipart/form-data; boundary=" + kBoundary);
  }
  // One sign-in per user and test (Argon2id is slow on purpose).
  std::string token(int64_t user_id) {
    auto& t = tokens_[user_id];
    if (t.empty()) t = identity_->login(logins_[user_id], kPassword, "test", "127.0.0.1", "").access_token;
    return t;
  }
  Reply api(int64_t user_id, const std::string& method, const std::string& uri,
            const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    headers["Authorization"] = "Bearer " + token(user_id);
    return httpRequest(port(), method, uri, body, headers);
  }
  void waitUntilRendered(int64_t album) {
    for (int i = 0; i < 400; ++i) {
      if (scalar("SELECT COUNT(*) FROM photos WHERE album_id = ? AND status = 'processing'",
                 {album}) == 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "renditions were not made in time";
  }
  int runCommand(const std::string& verb, const std::vector<std::string>& args = {}) {
    for (const auto& set : sys_->rt->commands()) {
      if (set.plugin != "photos") continue;
      for (const auto& c : set.commands) {
        if (c.verb == verb) {
          std::ostringstream out, err;
          int rc = c.run(args, out, err);
          last_output_ = out.str();
          return rc;
        }
      }
    }
    ADD_FAILURE() << "no command " << verb;
    return -1;
  }
  std::string blob(const std::string& key) {
    auto b = sys_->rt->blobs().get(key);
    return b ? *b : "";
  }

  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<identity::IdentityService> identity_;
  int64_t muni_ = 0, other_muni_ = 0, facility_a_ = 0, facility_b_ = 0, class_a_ = 0,
          class_b_ = 0;
  int64_t household_buyer_ = 0, child_buyer_ = 0, child_declined_ = 0, child_regranted_ = 0;
  int64_t staff_a_ = 0, head_a_ = 0, staff_b_ = 0, parent_ = 0, parent_b_ = 0, parent_x_ = 0;
  std::string last_output_;
  std::map<int64_t, std::string> logins_, tokens_;
};

TEST_P(PhotosHttpTest, UploadRefusesBadInputByContentAndChangesNothing) {
  int64_t album = createAlbum(staff_a_, class_a_);
  std::string jpeg = makeJpeg(320, 240, 1);
  auto check = [&](const std::string& name, const std::string& bytes, const std::string& code) {
    auto r = upload(staff_a_, album, {{name, bytes}});
    EXPECT_EQ(r.status, 422) << name << " " << r.body;
    EXPECT_EQ(r.code(), code) << name;
  };
  check("photo.jpg", "this is a text file, whatever its name says", "photos.not_an_image");
  check("photo.jpg", jpeg.substr(0, jpeg.size() / 2), "photos.truncated");
  check("small.png", bombPng(30000, 30000), "photos.too_many_pixels");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM photos"), 0);
  EXPECT_TRUE(sys_->rt->blobs().list("photos/" + std::to_string(muni_) + "/").empty());

  // A named PNG that is really a JPEG is taken as what it is.
  auto ok = upload(staff_a_, album, {{"renamed.png", jpeg}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["accepted"][0]["format"], "jpeg");
  // The same bytes again are a duplicate, under any name.
  auto dup = upload(staff_a_, album, {{"again.jpg", jpeg}});
  EXPECT_EQ(dup.status, 200);
  EXPECT_EQ(dup.json()["accepted"].size(), 0u);
  EXPECT_EQ(dup.json()["duplicates"].size(), 1u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM photos"), 1);

  // A 2 GB upload is refused from its Content-Length, before the body is read.
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port()));
  s.setTimeout(Poco::Timespan(10, 0));
  auto [cookie, csrf] = session(staff_a_);
  Poco::Net::HTTPRequest req("POST", "/web/photos/albums/" + std::to_string(album) + "/photos",
                             Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentLength64(2LL * 1024 * 1024 * 1024);
  req.setContentType("multipart/form-data; boundary=" + kBoundary);
  req.set("Cookie", cookie);
  req.set("X-CSRF-Token", csrf);
  s.sendRequest(req) << "--" << kBoundary << "\r\n";
  Poco::Net::HTTPResponse res;
  std::string body;
  Poco::StreamCopier::copyToString(s.receiveResponse(res), body);
  EXPECT_EQ(res.getStatus(), 413);
  EXPECT_NE(body.find("http.body_too_large"), std::string::npos);

  // Staff of another facility cannot upload into this album: it does not exist for them.
  auto other = upload(staff_b_, album, {{"x.jpg", makeJpeg(64, 64, 9)}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.code(), "photos.album_not_found");
}

TEST_P(PhotosHttpTest, AlbumFromUploadToPaidDownloadAndPrintBatchWithConsentWithheld) {
  int64_t album = createAlbum(staff_a_, class_a_);
  std::string gps = withGpsExif(makeJpeg(1600, 1200, 11));
  auto up = upload(staff_a_, album,
                   {{"IMG_0001.JPG", gps},
                    {"IMG_0002.JPG", makeJpeg(1600, 1200, 12)},
                    {"IMG_0003.JPG", makeJpeg(1200, 1600, 13)},
                    {"IMG_0004.PNG", makePng(800, 600, 14)}});
  ASSERT_EQ(up.status, 200) << up.body;
  ASSERT_EQ(up.json()["accepted"].size(), 4u);
  // The upload answers before any rendition is made.
  const nlohmann::json accepted = up.json()["accepted"];
  for (const auto& a : accepted) EXPECT_EQ(a["status"], "processing");
  std::vector<int64_t> ids;
  for (const auto& a : accepted) ids.push_back(a["photo_id"]);
  waitUntilRendered(album);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM photos WHERE album_id = ? AND status = 'ready'", {album}),
            4);

  // The stored original lost its location but kept its orientation.
  std::string original_key;
  {
    auto conn = sys_->rt->database().acquire();
    original_key = conn->queryOne("SELECT original_key FROM photos WHERE id = ?", {ids[0]})
                       ->getText("original_key");
  }
  std::string original = blob(original_key);
  EXPECT_EQ(original.find("SECRETPLACE"), std::string::npos);
  EXPECT_EQ(orientationOf(original), 6);

  // Tagging: photo 2 shows the child whose family declined (its newest consent), photo 3 the
  // child whose family granted after declining, photo 1 the buyer's child.
  std::string form = "photo=" + std::to_string(ids[0]) + "&photo=" + std::to_string(ids[1]) +
                     "&photo=" + std::to_string(ids[2]) + "&tag=" + std::to_string(ids[0]) +
                     "%3A" + std::to_string(child_buyer_) + "&tag=" + std::to_string(ids[1]) +
                     "%3A" + std::to_string(child_declined_) + "&tag=" + std::to_string(ids[1]) +
                     "%3A" + std::to_string(child_buyer_) + "&tag=" + std::to_string(ids[2]) +
                     "%3A" + std::to_string(child_regranted_);
  auto tagged = staff(staff_a_, "POST", "/web/photos/albums/" + std::to_string(album) + "/tags",
                      form, "application/x-www-form-urlencoded");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  EXPECT_EQ(tagged.json()["withheld"], 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'photos.photo_withheld' AND "
                   "target_id = ?",
                   {std::to_string(ids[1])}),
            1);
  // A tag for a child of another class is refused.
  auto wrong = staff(staff_a_, "POST", "/web/photos/albums/" + std::to_string(album) + "/tags",
                     "photo=" + std::to_string(ids[0]) + "&tag=" + std::to_string(ids[0]) +
                         "%3A999999",
                     "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong.code(), "photos.invalid_tag");

  // The parent sees the album and three photos; the withheld one is not there, not even by id.
  auto albums = api(parent_, "GET", "/api/v1/photos/albums");
  ASSERT_EQ(albums.status, 200) << albums.body;
  ASSERT_EQ(albums.json()["items"].size(), 1u);
  EXPECT_EQ(albums.json()["items"][0]["photo_count"], 3);
  auto page1 = api(parent_, "GET",
                   "/api/v1/photos/albums/" + std::to_string(album) + "/photos?limit=2");
  ASSERT_EQ(page1.status, 200) << page1.body;
  ASSERT_EQ(page1.json()["items"].size(), 2u);
  std::string cursor = page1.json()["next_cursor"];
  auto page2 = api(parent_, "GET", "/api/v1/photos/albums/" + std::to_string(album) +
                                       "/photos?limit=2&cursor=" + cursor);
  ASSERT_EQ(page2.json()["items"].size(), 1u);
  std::set<int64_t> seen;
  const nlohmann::json items1 = page1.json()["items"], items2 = page2.json()["items"];
  for (const auto& p : items1) seen.insert(p["id"].get<int64_t>());
  for (const auto& p : items2) seen.insert(p["id"].get<int64_t>());
  EXPECT_EQ(seen, (std::set<int64_t>{ids[0], ids[2], ids[3]}));
  auto withheld = api(parent_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[1]) + "/thumb");
  EXPECT_EQ(withheld.status, 404);

  // Thumbnails and previews: JPEG, small, cached with an ETag.
  auto thumb = api(parent_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[0]) + "/thumb");
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.header("Content-Type"), "image/jpeg");
  auto thumb_size = sizeOf(thumb.body);
  EXPECT_LE(std::max(thumb_size.first, thumb_size.second), 320);
  std::string etag = thumb.header("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = api(parent_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[0]) + "/thumb", "",
                   {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  auto preview =
      api(parent_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[0]) + "/preview");
  auto preview_size = sizeOf(preview.body);
  EXPECT_LE(std::max(preview_size.first, preview_size.second), 1024);
  EXPECT_NE(preview.body, original);

  // Another class's parent and another city's parent get 404 for the same ids.
  EXPECT_EQ(api(parent_b_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[0]) + "/thumb")
                .status,
            404);
  EXPECT_EQ(api(parent_b_, "GET", "/api/v1/photos/albums/" + std::to_string(album) + "/photos")
                .code(),
            "photos.album_not_found");
  EXPECT_EQ(api(parent_x_, "GET", "/api/v1/photos/photos/" + std::to_string(ids[0]) + "/preview")
                .status,
            404);
  EXPECT_TRUE(api(parent_b_, "GET", "/api/v1/photos/albums").json()["items"].empty());

  // Cart: a digital copy of photo 1 and two 2L prints of photo 3; the withheld one cannot go in.
  auto add = [&](int64_t photo, const std::string& product, int qty) {
    return api(parent_, "POST", "/api/v1/photos/cart/items",
               nlohmann::json{{"photo_id", photo}, {"product", product}, {"quantity", qty}}.dump());
  };
  EXPECT_EQ(add(ids[1], "digital", 1).status, 404);
  EXPECT_EQ(add(ids[0], "A0", 1).code(), "photos.unknown_product");
  ASSERT_EQ(add(ids[0], "digital", 1).status, 201);
  auto cart = add(ids[2], "2L", 2);
  ASSERT_EQ(cart.status, 201) << cart.body;
  EXPECT_EQ(cart.json()["total_yen"], 300 + 2 * 350);

  // Order and pay on the sandbox checkout page; the signed webhook marks the order paid.
  auto placed = api(parent_, "POST", "/api/v1/photos/orders",
                    nlohmann::json{{"method", "paypay"}, {"return_url", "/web/done"}}.dump());
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(placed.json()["status"], "pending");
  EXPECT_EQ(placed.json()["total_yen"], 1000);
  int64_t order = placed.json()["id"];
  std::string checkout = placed.json()["checkout_url"];
  EXPECT_TRUE(api(parent_, "GET", "/api/v1/photos/cart").json()["items"].empty());
  // Not paid yet: no download link.
  auto unpaid = api(parent_, "GET", "/api/v1/photos/orders/" + std::to_string(order));
  EXPECT_FALSE(unpaid.json()["items"][0].contains("download_url"));
  auto paid = httpRequest(port(), "POST", checkout.substr(checkout.find("/web/")), "outcome=pay",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(paid.status, 303);
  auto o = api(parent_, "GET", "/api/v1/photos/orders/" + std::to_string(order));
  ASSERT_EQ(o.json()["status"], "paid") << o.body;
  // Another family cannot read the order.
  EXPECT_EQ(api(parent_b_, "GET", "/api/v1/photos/orders/" + std::to_string(order)).status, 404);

  std::string link;
  const nlohmann::json order_items = o.json()["items"];
  for (const auto& item : order_items) {
    if (item["product"] == "digital") link = item["download_url"];
  }
  ASSERT_FALSE(link.empty());
  auto download = httpRequest(port(), "GET", link);
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.body, original);
  std::string forged = link.substr(0, link.size() - 4) + "0000";
  EXPECT_EQ(httpRequest(port(), "GET", forged).code(), "photos.invalid_link");

  // The sales period ends: the print batch lists the prints and zips the originals.
  clock_->advance(std::chrono::hours(48));
  tokens_.clear();  // access tokens live minutes, not days
  EXPECT_EQ(httpRequest(port(), "GET", link).status, 410);
  ASSERT_EQ(runCommand("print-batches"), 0);
  EXPECT_NE(last_output_.find("1 batch"), std::string::npos);
  int64_t batch = scalar("SELECT id FROM photo_print_batches WHERE album_id = ?", {album});
  auto csv = staff(staff_a_, "GET", "/web/photos/batches/" + std::to_string(batch) + "/orders.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find(std::to_string(order) + ","), std::string::npos);
  EXPECT_NE(csv.body.find(",2L,2,"), std::string::npos);
  EXPECT_EQ(csv.body.find("digital"), std::string::npos);
  auto zip = staff(staff_a_, "GET", "/web/photos/batches/" + std::to_string(batch) +
                                        "/originals.zip");
  ASSERT_EQ(zip.status, 200);
  std::vector<std::string> names;
  {
    std::istringstream zin(zip.body);
    Poco::Zip::ZipArchive archive(zin);
    for (auto it = archive.fileInfoBegin(); it != archive.fileInfoEnd(); ++it) {
      names.push_back(it->first);
    }
  }
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], std::to_string(order) + "/2L_" + std::to_string(ids[2]) + "_x2.jpg");
  EXPECT_EQ(api(parent_, "GET", "/api/v1/photos/orders/" + std::to_string(order)).json()["status"],
            "fulfilled");
  EXPECT_EQ(runCommand("print-batches"), 0);
  EXPECT_NE(last_output_.find("0 batch"), std::string::npos);
  EXPECT_GE(scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'photos.print_batch%'"), 3);
  // Staff of another facility cannot fetch the batch.
  EXPECT_EQ(staff(staff_b_, "GET", "/web/photos/batches/" + std::to_string(batch) + "/orders.csv")
                .status,
            404);

  // The report counts the sale per facility and event.
  ASSERT_EQ(runCommand("report", {std::to_string(muni_)}), 0);
  auto report = nlohmann::json::parse(last_output_);
  bool found = false;
  for (const auto& row : report) {
    if (row["album_id"] == album) {
      found = true;
      EXPECT_EQ(row["revenue_yen"], 1000);
      EXPECT_EQ(row["digital"], 1);
      EXPECT_EQ(row["prints"], 2);
      EXPECT_EQ(row["orders"], 1);
    }
  }
  EXPECT_TRUE(found);

  // Retention: a day after the sales end the photos go; the order stays.
  ASSERT_EQ(runCommand("retention"), 0);
  EXPECT_NE(last_output_.find("4 photo"), std::string::npos);
  EXPECT_EQ(blob(original_key), "");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM photos WHERE album_id = ? AND status = 'deleted'", {album}),
            4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM photo_orders WHERE id = ?", {order}), 1);
}

TEST_P(PhotosHttpTest, RefundAndCancel) {
  int64_t album = createAlbum(staff_a_, class_a_);
  auto up = upload(staff_a_, album, {{"a.jpg", makeJpeg(400, 300, 21)}});
  ASSERT_EQ(up.status, 200) << up.body;
  int64_t photo = up.json()["accepted"][0]["photo_id"];
  waitUntilRendered(album);
  auto order_one = [&] {
    api(parent_, "POST", "/api/v1/photos/cart/items",
        nlohmann::json{{"photo_id", photo}, {"product", "L"}, {"quantity", 1}}.dump());
    auto r = api(parent_, "POST", "/api/v1/photos/orders", nlohmann::json{{"method", "card"}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  };
  auto first = order_one();
  auto cancelled = api(parent_, "POST",
                       "/api/v1/photos/orders/" + std::to_string(first["id"].get<int64_t>()) +
                           "/cancel");
  EXPECT_EQ(cancelled.json()["status"], "cancelled");

  auto second = order_one();
  int64_t id = second["id"];
  std::string checkout = second["checkout_url"];
  httpRequest(port(), "POST", checkout.substr(checkout.find("/web/")), "outcome=pay",
              {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(api(parent_, "POST", "/api/v1/photos/orders/" + std::to_string(id) + "/cancel").code(),
            "photos.not_cancellable");
  // Staff may not refund (facility admins may).
  EXPECT_EQ(staff(staff_a_, "POST", "/web/photos/orders/" + std::to_string(id) + "/refund").status,
            403);
  auto refund = staff(head_a_, "POST", "/web/photos/orders/" + std::to_string(id) + "/refund");
  ASSERT_EQ(refund.status, 200) << refund.body;
  std::string status;
  for (int i = 0; i < 200 && status != "refunded"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = api(parent_, "GET", "/api/v1/photos/orders/" + std::to_string(id)).json()["status"];
  }
  EXPECT_EQ(status, "refunded");
}

INSTANTIATE_TEST_SUITE_P(Backends, PhotosHttpTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
