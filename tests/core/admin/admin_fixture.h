// The demo municipality behind a real HTTP server, with a web session and an API token for every
// demo login (and a city officer of the neighbour town), for the admin tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>

#include "../http_client.h"
#include "../test_system.h"

namespace sukusuku::testing {

class AdminTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Logins of the demo, by role, plus the neighbour town's.
  static constexpr const char* kGuardian = "guardian@demo.sukusuku.jp";
  static constexpr const char* kStaff = "staff@demo.sukusuku.jp";      // ひまわり保育所
  static constexpr const char* kHead = "head@demo.sukusuku.jp";        // ひまわり保育所
  static constexpr const char* kChildcare = "kodomo@demo.sukusuku.jp";  // すくすく市
  static constexpr const char* kFinance = "zaimu@demo.sukusuku.jp";
  static constexpr const char* kMuniAdmin = "admin@demo.sukusuku.jp";
  static constexpr const char* kOperator = "operator@demo.sukusuku.jp";
  static constexpr const char* kTonariStaff = "staff@tonari.demo.sukusuku.jp";
  static constexpr const char* kTonariCity = "kodomo@tonari.demo.sukusuku.jp";  // added here

  Reply request(const std::string& method, const std::string& uri, const std::string& body = "",
                std::map<std::string, std::string> headers = {});
  // Web pages with LOGIN's session ("" = anonymous).
  Reply webGet(const std::string& login, const std::string& uri);
  // A form post with LOGIN's session and CSRF token (unless with_csrf is false).
  Reply webPost(const std::string& login, const std::string& uri,
                const std::vector<std::pair<std::string, std::string>>& fields,
                bool with_csrf = true);
  Reply webUpload(const std::string& login, const std::string& uri,
                  const std::vector<std::pair<std::string, std::string>>& fields,
                  const std::string& file_field, const std::string& file_name,
                  const std::string& file_bytes);
  // The API with LOGIN's bearer token ("" = anonymous).
  Reply apiGet(const std::string& login, const std::string& uri);

  int64_t userId(const std::string& login);
  int64_t scalar(const std::string& sql, const db::Params& params = {});
  int64_t facilityId(const std::string& code, const std::string& municipality_code = "349999");
  // The first child enrolled today at FACILITY_ID outside household NOT_HOUSEHOLD.
  int64_t childAt(int64_t facility_id, int64_t not_household = 0);
  int64_t householdOf(int64_t child_id);
  std::string fiscalYear() const;

  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<identity::IdentityService> svc_;
  std::map<std::string, identity::WebSession> sessions_;
  std::map<std::string, std::string> tokens_;
  std::string today_;
  int64_t city_ = 0, town_ = 0, himawari_ = 0, sakura_ = 0, tonari_ = 0;
  int64_t own_child_ = 0, own_household_ = 0, other_himawari_child_ = 0, sakura_child_ = 0,
          tonari_child_ = 0;
};

std::string readTestFile(const std::string& name);

}  // namespace sukusuku::testing
