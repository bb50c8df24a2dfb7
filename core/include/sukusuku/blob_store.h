// Binary objects (photos, attachments, generated files) by key.
//
// Keys are relative paths of [A-Za-z0-9._-] segments separated by '/' ("photos/12/3.jpg"); a key
// with "..", a leading '/', or any other character is refused. A put is atomic: a reader sees the
// old object or the new one, never half of one. The local implementation keeps files under
// data.dir/blobs; an S3-compatible store implements the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sukusuku {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual void put(const std::string& key, const std::string& bytes) = 0;
  virtual std::optional<std::string> get(const std::string& key) const = 0;
  virtual bool exists(const std::string& key) const = 0;
  // Removing a missing key is not an error.
  virtual void remove(const std::string& key) = 0;
  virtual std::optional<int64_t> size(const std::string& key) const = 0;
  // Keys below a prefix ("photos/12/"), sorted.
  virtual std::vector<std::string> list(const std::string& prefix) const = 0;

  // Throws Error 400 "blob.invalid_key" when key is not acceptable.
  static void checkKey(const std::string& key);
};

// Files under `root`, created if missing.
std::unique_ptr<BlobStore> newLocalBlobStore(const std::string& root);

}  // namespace sukusuku
