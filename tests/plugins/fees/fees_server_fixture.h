// A fees system served over real HTTP for the page and API suites: the Runtime with the fees
// plugin on a scratch database of the parameterised backend, its HTTP server, the identity core
// (for sessions and tokens), and row helpers. Suites add their own FeesService (svc_).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>

#include "fees_fixture.h"

namespace sukusuku::fees::testing {

class FeesServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(utc("2026-05-01T00:00:00Z"));
    sys_ = std::make_unique<sukusuku::testing::TestSystem>(
        GetParam(), "fees", clock_,
        std::vector<std::pair<std::string, std::string>>{
            {"plugins.dir", sukusuku::testing::binaryDir() + "/lib/sukusuku/plugins"},
            {"http.port", "0"},
            {"http.threads", "4"}});
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    identity_ = sys_->rt->services().find<identity::IdentityService>("identity");
    ASSERT_TRUE(identity_);
  }
  void TearDown() override {
    server_.reset();
    svc_.reset();
    sys_.reset();
  }

  int64_t insert(const std::string& sql, const db::Params& p) {
    return sys_->rt->database().acquire()->execute(sql, p).last_insert_id;
  }
  int64_t scalar(const std::string& sql, const db::Params& p = {}) {
    auto row = sys_->rt->database().acquire()->queryOne(sql, p);
    return row && !(*row)[0].isNull() ? (*row)[0].asInt() : 0;
  }
  int64_t city(const std::string& code) {
    return insert("INSERT INTO municipalities (code, name, name_kana, prefecture, created_at) "
                  "VALUES (?, '市', 'シ', '広島県', '2026-04-01T00:00:00Z')",
                  {code});
  }

  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<sukusuku::testing::TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<identity::IdentityService> identity_;
  std::unique_ptr<FeesService> svc_;
};

}  // namespace sukusuku::fees::testing
