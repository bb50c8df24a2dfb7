// The HTTP front: Poco's HTTPServer, the middleware every request passes, and the core routes.
//
// Middleware, in order: request id (X-Request-Id kept when sane, else generated), body limits
// (Content-Length checked before reading; chunked bodies capped while reading; a whole-body
// deadline against slow uploads), language negotiation, authentication and the route's
// permission, then the handler; errors become the JSON envelope (or the HTML error page under
// /web); security headers, metrics and one access-log line close every request.
//
// Core routes: GET /healthz (the process is up), GET /readyz (database reachable and migrations
// current; 503 while shutting down), GET /metrics (Prometheus text).
//
// Poco gives each keep-alive connection a worker thread for its whole life, so http.threads is
// sized for the concurrent connections expected and the keep-alive timeout is kept short.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "sukusuku/runtime.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace sukusuku {

class HttpServer {
 public:
  explicit HttpServer(Runtime& runtime);
  ~HttpServer();

  // Registers /healthz, /readyz and /metrics on the runtime's router. Call once, after boot().
  static void addCoreRoutes(Runtime& runtime, const std::atomic<bool>* shutting_down);

  // Listens on http.host:http.port and returns once accepting. Throws StartupError when the
  // address is taken.
  void start();
  // The port actually bound (useful with http.port = 0).
  int port() const { return port_; }
  // Stops accepting, lets in-flight requests finish (up to http.shutdown_timeout_ms), then
  // closes what is left.
  void stop();
  bool shuttingDown() const { return shutting_down_; }
  const std::atomic<bool>* shuttingDownFlag() const { return &shutting_down_; }

 private:
  Runtime& rt_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::atomic<bool> shutting_down_{false};
  int port_ = 0;
};

}  // namespace sukusuku
