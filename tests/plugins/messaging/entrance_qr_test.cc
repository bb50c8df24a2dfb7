// The entrance QR code as an image: the SVG the tablet shows is a well-formed QR symbol (size of
// its version, finder and timing patterns, the dark module, and format bits that carry error
// correction M with a valid BCH check, all read back here from the drawn modules), only for the
// facility's staff.
#include <regex>
#include <vector>

#include "messaging_fixture.h"

namespace sukusuku::testing {
namespace {

class EntranceQrTest : public MessagingTest {};

TEST_P(EntranceQrTest, TheTabletShowsTodaysCodeAsAQrImage) {
  std::string uri = "/web/messaging/qr.svg?facility_id=" + std::to_string(himawari());
  auto r = web("GET", uri, staffUser());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type").rfind("image/svg+xml", 0), 0u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m, std::regex("data-modules=\"([0-9]+)\"")));
  const int n = std::stoi(m[1]);
  // Today's code ("SK1-<facility>-<yyyymmdd>-<32 hex>") fits version 4 at level M even in byte
  // mode (62 bytes); libqrencode's mixed numeric/byte segments often make it version 3.
  std::string code = todaysCode();
  ASSERT_LE(code.size(), 62u);
  ASSERT_EQ((n - 17) % 4, 0) << n;
  const int version = (n - 17) / 4;
  ASSERT_TRUE(version >= 3 && version <= 4) << n;

  // Read the modules back from the path ("M<x> <y>h1v1h-1z", shifted by the quiet zone of 4).
  std::vector<std::vector<int>> dark(n, std::vector<int>(n, 0));
  std::regex cell("M([0-9]+) ([0-9]+)h1v1h-1z");
  for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), cell);
       it != std::sregex_iterator(); ++it) {
    int x = std::stoi((*it)[1]) - 4, y = std::stoi((*it)[2]) - 4;
    ASSERT_TRUE(x >= 0 && y >= 0 && x < n && y < n) << "inside the quiet zone";
    dark[y][x] = 1;
  }
  // Finder patterns in three corners, with their light separators.
  for (auto [ox, oy] : {std::pair{0, 0}, std::pair{n - 7, 0}, std::pair{0, n - 7}}) {
    for (int dy = 0; dy < 7; ++dy) {
      for (int dx = 0; dx < 7; ++dx) {
        int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
        EXPECT_EQ(dark[oy + dy][ox + dx], ring != 2) << ox << "," << oy << " +" << dx << "," << dy;
      }
    }
  }
  for (int i = 8; i < n - 8; ++i) {  // timing patterns
    EXPECT_EQ(dark[6][i], i % 2 == 0);
    EXPECT_EQ(dark[i][6], i % 2 == 0);
  }
  EXPECT_EQ(dark[4 * version + 9][8], 1);  // the dark module
  // Format information, first copy around the top-left finder (ISO/IEC 18004 §7.9).
  int bits = 0;
  auto bit = [&](int i, int x, int y) { bits |= dark[y][x] << i; };
  for (int i = 0; i <= 5; ++i) bit(i, 8, i);
  bit(6, 8, 7);
  bit(7, 8, 8);
  bit(8, 7, 8);
  for (int i = 9; i < 15; ++i) bit(i, 14 - i, 8);
  bits ^= 0x5412;
  int data = bits >> 10;
  EXPECT_EQ(data >> 3, 0) << "error correction level M";
  int rem = data;
  for (int i = 0; i < 10; ++i) rem = (rem << 1) ^ ((rem >> 9) * 0x537);
  EXPECT_EQ(bits & 0x3FF, rem & 0x3FF) << "format BCH check";

  // The QR page shows the image; other towns and guardians get nothing.
  auto page = web("GET", "/web/messaging/qr", staffUser());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"qr-image\" src=\"/web/messaging/qr.svg?facility_id="),
            std::string::npos);
  EXPECT_EQ(web("GET", uri, tonariStaff()).status, 404);
  EXPECT_EQ(web("GET", uri, guardianUser()).status, 403);
}

// Nothing here depends on the database engine: SQLite only, to keep MariaDB's setup time for the
// tests that need it.
INSTANTIATE_TEST_SUITE_P(Backends, EntranceQrTest, ::testing::Values(std::string("sqlite")),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace sukusuku::testing
