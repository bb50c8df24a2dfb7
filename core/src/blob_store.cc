#include "sukusuku/blob_store.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "sukusuku/error.h"

namespace sukusuku {

void BlobStore::checkKey(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 512 && key.front() != '/' && key.back() != '/';
  size_t seg_start = 0;
  for (size_t i = 0; ok && i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      std::string seg = key.substr(seg_start, i - seg_start);
      if (seg.empty() || seg == "." || seg == ".." || seg[0] == '.') ok = false;
      seg_start = i + 1;
      continue;
    }
    char c = key[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      ok = false;
    }
  }
  if (!ok) throw Error::badRequest("blob.invalid_key", "invalid blob key: " + key);
}

namespace {

namespace fs = std::filesystem;

class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }

  void put(const std::string& key, const std::string& bytes) override {
    fs::path target = pathOf(key);
    fs::create_directories(target.parent_path());
    // Write beside the target, flush to disk, then rename: readers see old or new, never half.
    fs::path tmp = target;
    tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw Error(507, "blob.write_failed", "cannot write blob " + key);
      }
    }
    fs::rename(tmp, target);
  }

  std::optional<std::string> get(const std::string& key) const override {
    std::ifstream in(pathOf(key), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  bool exists(const std::string& key) const override { return fs::is_regular_file(pathOf(key)); }

  void remove(const std::string& key) override {
    std::error_code ec;
    fs::remove(pathOf(key), ec);
  }

  std::optional<int64_t> size(const std::string& key) const override {
    std::error_code ec;
    auto n = fs::file_size(pathOf(key), ec);
    if (ec) return std::nullopt;
    return static_cast<int64_t>(n);
  }

  std::vector<std::string> list(const std::string& prefix) const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string key = fs::relative(it->path(), root_).generic_string();
      if (key.find(".tmp-") != std::string::npos) continue;
      if (key.rfind(prefix, 0) == 0) out.push_back(key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path pathOf(const std::string& key) const {
    checkKey(key);
    return root_ / key;
  }

  fs::path root_;
  mutable std::atomic<uint64_t> counter_{0};
};

}  // namespace

std::unique_ptr<BlobStore> newLocalBlobStore(const std::string& root) {
  return std::make_unique<LocalBlobStore>(root);
}

}  // namespace sukusuku
