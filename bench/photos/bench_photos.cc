// bench_photos generate DIR COUNT [WIDTH HEIGHT]   write COUNT test JPEGs (12 MP by default)
// bench_photos render DIR OUT THREADS              thumbnail + watermarked preview of every
//                                                  *.jpg in DIR, written to OUT; prints photos/s
#include <glib.h>
#include <vips/vips8>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "imaging.h"

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A photo-like image: smooth gradients plus sensor-like noise, so that JPEG sizes and decode
// costs are those of camera pictures rather than of flat colour. Ten distinct scenes are made
// and copied, since making 12 MP JPEGs is slower than what is measured.
int generate(const fs::path& dir, int count, int w, int h) {
  fs::create_directories(dir);
  const int scenes = std::min(count, 10);
  for (int s = 0; s < scenes; ++s) {
    vips::VImage xyz = vips::VImage::xyz(w, h);
    vips::VImage x = xyz[0], y = xyz[1];
    vips::VImage noise = vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 12.0));
    vips::VImage r = x * (200.0 / w) + noise + 20 * s;
    vips::VImage g = y * (200.0 / h) + noise + 10;
    vips::VImage b = (x + y) * (120.0 / (w + h)) + noise + 60 + 15 * s;
    vips::VImage img = r.bandjoin(g).bandjoin(b).cast(VIPS_FORMAT_UCHAR).copy(
        vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    img.jpegsave((dir / ("scene" + std::to_string(s) + ".jpg")).c_str(),
                 vips::VImage::option()->set("Q", 90));
  }
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "photo%04d.jpg", i);
    fs::copy_file(dir / ("scene" + std::to_string(i % scenes) + ".jpg"), dir / name,
                  fs::copy_options::overwrite_existing);
  }
  for (int s = 0; s < scenes; ++s) fs::remove(dir / ("scene" + std::to_string(s) + ".jpg"));
  std::cout << count << " JPEGs of " << w << "x" << h << " in " << dir << "\n";
  return 0;
}

int renderAll(const fs::path& dir, const fs::path& out, int threads) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jpg") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  fs::create_directories(out);
  // One thread per core, each rendering whole photos, as the plugin's workers do; libvips's own
  // threads per image are kept to one so the two do not fight over the cores.
  vips_concurrency_set(1);
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < files.size(); i = next++) {
        try {
          auto r = sukusuku::photos::render(readFile(files[i]));
          std::string stem = files[i].stem().string();
          writeFile(out / (stem + ".thumb.jpg"), r.thumb_jpeg);
          writeFile(out / (stem + ".preview.jpg"), r.preview_jpeg);
        } catch (const std::exception& e) {
          std::cerr << files[i] << ": " << e.what() << "\n";
          ++failed;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "photos=" << files.size() << " failed=" << failed << " seconds=" << seconds
            << " photos_per_second=" << files.size() / seconds << "\n";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  sukusuku::photos::initVips();
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "generate" && argc >= 4) {
    int w = argc > 5 ? std::stoi(argv[4]) : 4000, h = argc > 5 ? std::stoi(argv[5]) : 3000;
    return generate(argv[2], std::stoi(argv[3]), w, h);
  }
  if (mode == "render" && argc >= 5) return renderAll(argv[2], argv[3], std::stoi(argv[4]));
  std::cerr << "usage: bench_photos generate DIR COUNT [W H] | render DIR OUT THREADS\n";
  return 2;
}
