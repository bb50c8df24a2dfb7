#include "fcm_test_server.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>

#include "http_client.h"

namespace sukusuku::testing {

FcmTestServer::FcmTestServer(const std::vector<std::string>& extra_args) {
  std::string dir = SUKUSUKU_FCM_FIXTURE_DIR;
  std::vector<std::string> args = {dir + "/server.js", "--service-account",
                                   dir + "/service-account.json", "--tls"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Poco::Pipe out;
  process_ = std::make_unique<Poco::ProcessHandle>(
      Poco::Process::launch(SUKUSUKU_NODE, args, nullptr, &out, nullptr));
  Poco::PipeInputStream in(out);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("the FCM test server did not start");
  auto j = nlohmann::json::parse(line);
  port_ = j["port"];
  control_port_ = j["control_port"];

  std::ifstream sa_in(dir + "/service-account.json");
  std::stringstream ss;
  ss << sa_in.rdbuf();
  auto sa = nlohmann::json::parse(ss.str());
  sa["token_uri"] = endpoint() + "/token";
  credentials_ = (std::filesystem::temp_directory_path() /
                  ("sukusuku-fcm-sa-" + std::to_string(::getpid()) + "-" +
                   std::to_string(port_) + ".json"))
                     .string();
  std::ofstream(credentials_) << sa.dump(2);
}

FcmTestServer::~FcmTestServer() {
  if (process_) {
    try {
      Poco::Process::kill(*process_);
      process_->wait();
    } catch (...) {
    }
  }
  std::error_code ec;
  std::filesystem::remove(credentials_, ec);
}

nlohmann::json FcmTestServer::control(const std::string& op, const nlohmann::json& body) {
  Reply r = httpRequest(control_port_, body.is_null() ? "GET" : "POST", "/" + op,
                        body.is_null() ? "" : body.dump());
  if (r.status != 200) throw std::runtime_error("control " + op + ": " + r.body);
  return r.json();
}

nlohmann::json FcmTestServer::requests(const std::string& token) {
  if (token.empty()) return control("requests");
  Reply r = httpRequest(control_port_, "GET", "/requests?token=" + token);
  return r.json();
}

}  // namespace sukusuku::testing
