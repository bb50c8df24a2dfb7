// The local FCM test server (tests/fixtures/fcm-server/server.js) as a child process, with its
// control API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/Process.h>
#include <nlohmann/json.hpp>

namespace sukusuku::testing {

class FcmTestServer {
 public:
  // Starts `node server.js` with EXTRA_ARGS and waits until it listens.
  explicit FcmTestServer(const std::vector<std::string>& extra_args = {});
  ~FcmTestServer();

  int port() const { return port_; }
  // HTTP/2 over TLS with the fixture's throwaway certificate (see server.js for why).
  std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port_); }
  static std::string caFile() { return SUKUSUKU_FCM_FIXTURE_DIR "/tls-cert.pem"; }
  // A copy of the fixture's service account whose token_uri points at this server.
  const std::string& credentialsFile() const { return credentials_; }

  nlohmann::json control(const std::string& op, const nlohmann::json& body = nullptr);
  nlohmann::json requests(const std::string& token = "");
  nlohmann::json stats() { return control("stats"); }
  // Sends to TOKEN answer STATUS with FCM ERROR_CODE (see server.js for the fields).
  void rule(nlohmann::json rule) { control("rules", std::move(rule)); }

 private:
  std::unique_ptr<Poco::ProcessHandle> process_;
  int port_ = 0;
  int control_port_ = 0;
  std::string credentials_;
};

}  // namespace sukusuku::testing
