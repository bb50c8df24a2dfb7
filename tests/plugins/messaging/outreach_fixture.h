// Handouts and surveys over real HTTP: more guardians with app accounts (one per household),
// multipart uploads from the staff tablet, and the push core's inbox rows to assert on.
#pragma once

#include <filesystem>
#include <random>

#include "messaging_fixture.h"

namespace sukusuku::testing {

class OutreachTest : public MessagingTest {
 protected:
  // A guardian login for HOUSEHOLD (its first guardian gets the account).
  int64_t guardianOf(int64_t household, const std::string& login) {
    auto conn = db().acquire();
    int64_t user = conn->execute(
                           "INSERT INTO users (municipality_id, login, password_hash, display_name, "
                           "language, status, created_at, updated_at) SELECT municipality_id, ?, "
                           "NULL, ?, 'ja', 'active', created_at, updated_at FROM households "
                           "WHERE id = ?",
                           {login, login, household})
                       .last_insert_id;
    conn->execute(
        "INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
        "granted_by_user_id) SELECT municipality_id, ?, 'guardian', 0, created_at, 0 FROM "
        "households WHERE id = ?",
        {user, household});
    int64_t g = conn->queryOne("SELECT MIN(id) AS id FROM guardians WHERE household_id = ?",
                               {household})
                    ->getInt("id");
    conn->execute("UPDATE guardians SET user_id = ? WHERE id = ?", {user, g});
    return user;
  }
  // A staff user of another facility of the same city than ひまわり.
  int64_t otherFacilityStaff() {
    auto conn = db().acquire();
    auto f = conn->queryOne(
        "SELECT f.id, f.municipality_id FROM facilities f JOIN facilities h ON h.municipality_id "
        "= f.municipality_id WHERE h.id = ? AND f.id <> h.id ORDER BY f.id",
        {himawari()});
    int64_t user = conn->execute(
                           "INSERT INTO users (municipality_id, login, password_hash, display_name, "
                           "language, status, created_at, updated_at) VALUES (?, "
                           "'staff@other.example.jp', NULL, 'other', 'ja', 'active', "
                           "'2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z')",
                           {f->getInt("municipality_id")})
                       .last_insert_id;
    conn->execute(
        "INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
        "granted_by_user_id) VALUES (?, ?, 'facility_staff', ?, '2026-04-01T00:00:00Z', 0)",
        {f->getInt("municipality_id"), user, f->getInt("id")});
    return user;
  }
  // Households with a child at ひまわり other than the demo guardian's, in id order.
  std::vector<int64_t> otherHouseholds(size_t n) {
    std::vector<int64_t> out;
    auto conn = db().acquire();
    for (const auto& r : conn->query(
             "SELECT DISTINCT c.household_id FROM children c JOIN enrolments e ON e.child_id = "
             "c.id WHERE e.facility_id = ? AND c.household_id <> ? ORDER BY c.household_id",
             {himawari(), householdOf(guardianUser())})) {
      if (out.size() == n) break;
      out.push_back(r.getInt("household_id"));
    }
    return out;
  }

  struct Part {
    std::string name, value, filename, type;
  };
  // A multipart/form-data POST as staff USER (the CSRF token travels as a field).
  Reply upload(const std::string& uri, int64_t user, std::vector<Part> parts) {
    Session& s = session(user);
    const std::string boundary = "----sukusukuTestBoundary7MA4YWxkTrZu0gW";
    parts.push_back({"csrf_token", s.csrf, "", ""});
    std::string body;
    for (const auto& p : parts) {
      body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
      if (!p.filename.empty()) {
        body += "; filename=\"" + p.filename + "\"\r\nContent-Type: " + p.type;
      }
      body += "\r\n\r\n" + p.value + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return httpRequest(server_->port(), "POST", uri, body,
                       {{"Cookie", "sukusuku_session=" + s.cookie},
                        {"Content-Type", "multipart/form-data; boundary=" + boundary}});
  }

  // Inbox rows of USER for everything sent with SOURCE_REF.
  int64_t inboxRows(int64_t user, const std::string& source_ref) {
    return scalar(
        "SELECT COUNT(*) FROM inbox i JOIN notifications n ON n.id = i.notification_id WHERE "
        "i.user_id = ? AND n.source_ref = ?",
        {user, source_ref});
  }

  static std::string pdfBytes() {
    std::string pdf =
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count "
        "0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    return pdf;
  }
  static std::string pngBytes() {
    return std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0", 29);
  }
  static std::string randomBytes(size_t n) {
    std::string out(n, '\0');
    std::mt19937 gen(7);
    for (auto& c : out) c = static_cast<char>(gen() & 0xFF);
    out[0] = 'x';
    return out;
  }
};

}  // namespace sukusuku::testing
