// Photos in the contact book (連絡帳の写真): guardians add them to the home side from the app,
// staff to the nursery side from the class view. Each upload is checked by its content (JPEG,
// PNG or WebP; size and pixel limits) and kept only as two re-encoded JPEG renditions without
// metadata in the blob store. Only the child's family and the staff of the child's facility read
// them; anyone else gets 404.
//
// 422 codes (nothing is stored): messaging.photo_too_large, messaging.photo_type (not an image
// of those types, or named as another type), messaging.photo_too_many_pixels,
// messaging.photo_unreadable, messaging.too_many_photos (more than kMaxPhotosPerEntry on one
// side of one day).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <sukusuku/images.h>

#include "common.h"

namespace sukusuku::messaging {

constexpr int kMaxPhotosPerEntry = 4;

struct PhotoUpload {
  std::string filename;
  std::string bytes;
};

struct ReadyPhoto {
  images::Rendition display;  // longest edge <= 1600 px
  images::Rendition thumb;    // longest edge <= 320 px
};

class ContactPhotos {
 public:
  explicit ContactPhotos(Env& env);

  // Checks and renders every upload; stores nothing. Throws the 422 codes above.
  std::vector<ReadyPhoto> prepare(const std::vector<PhotoUpload>& uploads) const;
  // Throws messaging.too_many_photos when the side would hold more than kMaxPhotosPerEntry.
  void checkCount(db::Connection& conn, int64_t child, const std::string& date,
                  const std::string& side, const std::set<int64_t>& removing, size_t adding) const;
  // Rows and blobs of READY; returns the new ids.
  std::vector<int64_t> store(db::Connection& tx, const Principal& p, int64_t facility,
                             int64_t child, const std::string& date, const std::string& side,
                             const std::vector<ReadyPhoto>& ready) const;
  // Deletes the rows of IDS on that side; returns their blob keys (removed after the commit).
  std::vector<std::string> remove(db::Connection& tx, int64_t child, const std::string& date,
                                  const std::string& side, const std::set<int64_t>& ids) const;
  void removeBlobs(const std::vector<std::string>& keys) const;

  // Photos of CHILD between FROM and TO, keyed "date|side"; each {id, url, thumb_url, width,
  // height} with url "{BASE_URL}/{id}" (thumb_url adds "?size=thumb").
  std::map<std::string, nlohmann::json> list(db::Connection& conn, int64_t child,
                                             const std::string& from, const std::string& to,
                                             const std::string& base_url) const;
  // Photos of every child of FACILITY on DATE, keyed child id then side.
  std::map<int64_t, std::map<std::string, nlohmann::json>> ofFacilityDay(
      db::Connection& conn, int64_t municipality, int64_t facility, const std::string& date) const;

  int64_t maxBytes() const { return max_bytes_; }

  // The photo row {id, child_id, facility_id, date, side, display_key, thumb_key} of ID in
  // MUNICIPALITY; throws 404 messaging.photo_not_found. The caller checks the child's scope.
  db::Row find(db::Connection& conn, int64_t municipality, int64_t id) const;
  // The image (?size=thumb for the small one), private to the browser's cache.
  Response image(const db::Row& photo, const Request& r) const;

 private:
  Env& env_;
  int64_t max_bytes_;
  int64_t max_pixels_;
};


}  // namespace sukusuku::messaging
