#include "sukusuku/http_server.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include "sukusuku/error.h"

namespace sukusuku {

namespace {

using Clock = std::chrono::steady_clock;

std::string newRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t v = rng();
  for (int i = 0; i < 16; ++i) id[i] = kHex[(v >> (i * 4)) & 0xF];
  return id;
}

bool saneRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string statusClass(int status) { return std::to_string(status / 100) + "xx"; }

// FNV-1a, 64 bits, as hex: ETags and idempotency fingerprints (not a security boundary: both
// compare a client's own earlier request or response).
std::string fingerprint(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool isApi(const std::string& path) { return path.rfind("/api/", 0) == 0; }

struct Settings {
  int64_t max_body = 0;
  std::chrono::milliseconds body_timeout{0};
  bool access_log = true;
  bool trust_proxy = false;
  int64_t idempotency_claim_seconds = 60;
};

class Dispatcher final : public Poco::Net::HTTPRequestHandler {
 public:
  Dispatcher(Runtime& rt, const Settings& s) : rt_(rt), s_(s) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in,
                     Poco::Net::HTTPServerResponse& out) override {
    auto started = Clock::now();
    Request req;
    Response res;
    const Route* route = nullptr;
    try {
      parse(in, req);
      auto match = rt_.router().match(req.method, req.path);
      if (!match.route) {
        if (!match.allowed_methods.empty()) {
          std::string allow;
          for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
          res = errorResponse(req, Error(405, "http.method_not_allowed",
                                         "method " + req.method + " is not allowed here",
                                         {{"allowed", match.allowed_methods}}));
          res.headers["Allow"] = allow;
        } else {
          res = errorResponse(req, Error::notFound("http.not_found", "no such resource"));
        }
      } else {
        route = match.route;
        req.path_params = std::move(match.params);
        req.route_pattern = route->pattern;
        res = run(*route, in, req);
      }
    } catch (const Error& e) {
      res = errorResponse(req, e);
    } catch (const db::DbError& e) {
      if (e.kind() == db::DbError::Kind::kTimeout || e.kind() == db::DbError::Kind::kConnection ||
          e.kind() == db::DbError::Kind::kDeadlock) {
        Poco::Logger::get("http").warning("%s %s [%s]: database unavailable: %s", req.method,
                                          req.path, req.request_id, std::string(e.what()));
        res = errorResponse(req, Error(503, "service.unavailable",
                                       "the service is busy or restarting; try again",
                                       {{"request_id", req.request_id}}));
      } else {
        res = internalError(req, e.what());
      }
    } catch (const std::exception& e) {
      res = internalError(req, e.what());
    }
    finish(in, out, req, res, route, started);
  }

 private:
  void parse(Poco::Net::HTTPServerRequest& in, Request& req) {
    req.method = in.getMethod();
    std::string id = in.get("X-Request-Id", "");
    req.request_id = saneRequestId(id) ? id : newRequestId();
    for (const auto& [name, value] : in) {
      std::string lower = Poco::toLower(name);
      auto [it, inserted] = req.headers.emplace(lower, value);
      if (!inserted) it->second += ", " + value;
    }
    req.remote_addr = in.clientAddress().host().toString();
    if (s_.trust_proxy) {
      std::string fwd = req.header("x-forwarded-for");
      if (!fwd.empty()) req.remote_addr = Poco::trim(fwd.substr(0, fwd.find(',')));
    }
    try {
      Poco::URI uri(in.getURI());
      req.path = uri.getPath();
      for (auto& [k, v] : uri.getQueryParameters()) req.query.emplace(k, v);
    } catch (const Poco::Exception&) {
      req.path = "/";
      throw Error::badRequest("http.invalid_uri", "the request URI is malformed");
    }
    std::string lang;
    if (auto q = req.queryParam("lang")) lang = *q;
    if (lang.empty()) {
      Poco::Net::NameValueCollection cookies;
      in.getCookies(cookies);
      lang = cookies.get("lang", "");
    }
    req.language = rt_.i18n().negotiate(lang, req.header("accept-language"));
  }

  Response run(const Route& route, Poco::Net::HTTPServerRequest& in, Request& req) {
    readBody(route, in, req);
    if (auto* auth = rt_.authenticator()) req.principal = auth->authenticate(req);
    if (route.permission != kPublic) {
      if (!req.principal) throw Error::unauthorized("auth.required", "sign-in required");
      if (route.permission != kAuthenticated && !req.principal->has(route.permission)) {
        throw Error::forbidden("auth.forbidden", "you do not have permission for this");
      }
    }
    if (req.principal) req.language = rt_.i18n().negotiate(req.principal->language, "");
    std::string key = req.header("idempotency-key");
    if (!key.empty() && req.method == "POST" && req.principal && isApi(req.path)) {
      return runOnce(route, req, key);
    }
    return route.handler(req);
  }

  // Idempotency-Key: the first request with a key runs and its answer is kept; a retry gets that
  // answer. The claim is one INSERT on a unique key, so two racing retries cannot both run.
  Response runOnce(const Route& route, Request& req, const std::string& key) {
    bool printable = key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
                       return c > 32 && c < 127;
                     });
    if (!printable) {
      throw Error::badRequest("api.invalid_idempotency_key",
                              "Idempotency-Key must be 1 to 128 printable ASCII characters");
    }
    auto& db = rt_.database();
    std::string hash = fingerprint(req.method + " " + req.path + "\n" + req.body);
    int64_t user = req.principal->user_id;
    int64_t now = rt_.clock().nowSeconds();
    bool claimed = db.transaction([&](db::Tx& tx) {
      return tx.execute(db.dialect().insertIgnore("idempotency_keys", {"user_id", "idem_key",
                                                                       "request_hash", "status",
                                                                       "created_at"}),
                        {user, key, hash, 0, now})
                 .affected_rows == 1;
    });
    if (!claimed) {
      // The connection goes back to the pool before a take-over runs the handler.
      auto row = [&] {
        auto conn = db.acquire();
        return conn->queryOne(
            "SELECT request_hash, status, response_body, created_at FROM idempotency_keys "
            "WHERE user_id = ? AND idem_key = ?",
            {user, key});
      }();
      if (!row) throw Error::conflict("idempotency.in_progress", "the first request is still running");
      if (row->getText("request_hash") != hash) {
        throw Error::invalid("idempotency.key_reused",
                             "this Idempotency-Key was used for a different request");
      }
      if (row->getInt("status") == 0) {
        // No answer recorded. Within the claim time the first attempt is still running. After
        // it, that attempt died between claim and answer (its node was killed, or the database
        // went away so that neither the answer nor the release could be written): the retry
        // takes the claim over and runs, or the key would answer 409 for ever. The one case
        // this runs twice is a node that died after its handler committed and before the
        // answer was stored, a window of one transaction.
        int64_t claimed_at = row->getInt("created_at");
        bool taken = claimed_at <= now - s_.idempotency_claim_seconds &&
                     db.transaction([&](db::Tx& tx) {
                       return tx.execute("UPDATE idempotency_keys SET created_at = ? "
                                         "WHERE user_id = ? AND idem_key = ? AND status = 0 "
                                         "AND created_at = ?",
                                         {now, user, key, claimed_at})
                                  .affected_rows == 1;
                     });
        if (!taken) {
          throw Error::conflict("idempotency.in_progress", "the first request is still running");
        }
      } else {
        Response replay;
        replay.status = static_cast<int>(row->getInt("status"));
        replay.body = row->getText("response_body");
        replay.headers["Idempotent-Replayed"] = "true";
        return replay;
      }
    }
    try {
      Response res = route.handler(req);
      db.transaction([&](db::Tx& tx) {
        tx.execute("UPDATE idempotency_keys SET status = ?, response_body = ? "
                   "WHERE user_id = ? AND idem_key = ?",
                   {res.status, res.body, user, key});
      });
      return res;
    } catch (...) {
      // Nothing was committed by a failed handler: free the key so that a retry runs anew.
      try {
        db.transaction([&](db::Tx& tx) {
          tx.execute("DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ?",
                     {user, key});
        });
      } catch (const std::exception&) {
      }
      throw;
    }
  }

  void readBody(const Route& route, Poco::Net::HTTPServerRequest& in, Request& req) {
    int64_t limit = route.max_body_bytes > 0 ? route.max_body_bytes : s_.max_body;
    bool has_length = in.hasContentLength();
    if (!has_length && !in.getChunkedTransferEncoding()) return;
    if (has_length && in.getContentLength64() > limit) {
      drain(in.stream(), in.getContentLength64());
      throw tooLarge(limit);
    }
    std::istream& stream = in.stream();
    auto deadline = Clock::now() + s_.body_timeout;
    char buf[16384];
    try {
      while (stream) {
        stream.read(buf, sizeof buf);
        std::streamsize n = stream.gcount();
        if (n <= 0) break;
        req.body.append(buf, static_cast<size_t>(n));
        if (static_cast<int64_t>(req.body.size()) > limit) {
          drain(stream, kDrainLimit);
          throw tooLarge(limit);
        }
        if (Clock::now() > deadline) {
          throw Error(408, "http.body_timeout", "the request body arrived too slowly");
        }
      }
    } catch (const Poco::TimeoutException&) {
      throw Error(408, "http.body_timeout", "the request body arrived too slowly");
    } catch (const Poco::Net::NetException&) {
      throw Error(400, "http.body_unreadable", "the request body could not be read");
    }
    if (has_length && static_cast<int64_t>(req.body.size()) != in.getContentLength64()) {
      throw Error(400, "http.body_incomplete", "the request body is shorter than announced");
    }
  }

  static Error tooLarge(int64_t limit) {
    return Error(413, "http.body_too_large",
                 "the request body is larger than " + std::to_string(limit) + " bytes",
                 {{"limit", limit}});
  }

  // Reads and discards what the client is still sending (up to `at_most` bytes, for at most a
  // second) before a refusal, so that it can read our answer instead of a connection reset. A
  // client that announces more than kDrainLimit gets the answer and a closed connection.
  static void drain(std::istream& stream, int64_t at_most) {
    if (at_most > kDrainLimit) return;
    auto deadline = Clock::now() + std::chrono::seconds(1);
    char buf[16384];
    int64_t read = 0;
    try {
      while (stream && read < at_most && Clock::now() < deadline) {
        stream.read(buf, sizeof buf);
        if (stream.gcount() <= 0) break;
        read += stream.gcount();
      }
    } catch (const Poco::Exception&) {
    }
  }

  static constexpr int64_t kDrainLimit = 16 * 1024 * 1024;

  Response errorResponse(const Request& req, const Error& e) {
    if (req.path.rfind("/web", 0) == 0 && e.status() != 401) {
      try {
        return rt_.web().errorPage(req, e);
      } catch (const std::exception&) {
        // No layout (e.g. the web shell is not built into this runtime): fall back to JSON.
      }
    }
    if (req.path.rfind("/web", 0) == 0 && e.status() == 401) {
      return Response::redirect("/web/login?next=" + Poco::URI(req.path).toString());
    }
    Response r = Response::json(e.toJson(), e.status());
    if (e.status() == 503) r.headers["Retry-After"] = "1";
    return r;
  }

  Response internalError(const Request& req, const std::string& what) {
    Poco::Logger::get("http").error("%s %s failed [%s]: %s", req.method, req.path,
                                    req.request_id, what);
    return errorResponse(
        req, Error(500, "internal", "an internal error occurred; quote this request id to support",
                   {{"request_id", req.request_id}}));
  }

  void finish(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out,
              const Request& req, const Response& res, const Route* route,
              Clock::time_point started) {
    out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(res.status));
    if (!res.content_type.empty()) out.setContentType(res.content_type);
    out.set("X-Request-Id", req.request_id);
    out.set("X-Content-Type-Options", "nosniff");
    out.set("X-Frame-Options", "DENY");
    out.set("Referrer-Policy", "same-origin");
    out.set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src "
            "'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action "
            "'self'");
    bool head = req.method == "HEAD";
    Response etagged;
    const Response* sent = &res;
    if ((req.method == "GET" || head) && res.status == 200 && isApi(req.path) &&
        !res.headers.count("ETag")) {
      // API reads revalidate: the app keeps its copy and asks "changed?" with If-None-Match.
      std::string etag = "\"" + fingerprint(res.body) + "\"";
      out.set("ETag", etag);
      out.set("Cache-Control", "private, no-cache");
      if (req.header("if-none-match") == etag) {
        etagged.status = 304;
        etagged.content_type.clear();
        sent = &etagged;
        out.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
      }
    }
    if (!res.headers.count("Cache-Control") && !out.has("Cache-Control")) {
      out.set("Cache-Control", "no-store");
    }
    for (const auto& [k, v] : res.headers) out.set(k, v);
    // A request whose body we did not read fully cannot share the connection with the next one.
    if (res.status == 413 || res.status == 408 || res.status == 400) out.setKeepAlive(false);
    try {
      if (sent->status == 204 || sent->status == 304) {
        out.setContentLength(0);
        out.send();
      } else {
        out.setContentLength64(static_cast<Poco::Int64>(sent->body.size()));
        std::ostream& os = out.send();
        if (!head) os.write(sent->body.data(), static_cast<std::streamsize>(sent->body.size()));
      }
    } catch (const Poco::Exception&) {
      // The client went away; nothing to tell it.
    }
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::string pattern = route ? route->pattern : "(unmatched)";
    auto& m = rt_.metrics();
    m.counter("sukusuku_http_requests_total", "HTTP requests by route, method and status class",
              {{"route", pattern}, {"method", req.method}, {"status", statusClass(res.status)}})
        .inc();
    m.histogram("sukusuku_http_request_duration_seconds", "HTTP request latency by route",
                {{"route", pattern}})
        .observe(seconds);
    if (s_.access_log) {
      Poco::Logger::get("access").information(
          "%s %s %s %d %z %.1fms %s", req.remote_addr, req.method, std::string(in.getURI()),
          res.status, res.body.size(), seconds * 1000.0, req.request_id);
    }
  }

  Runtime& rt_;
  const Settings& s_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Runtime& rt, Settings s) : rt_(rt), s_(s) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Dispatcher(rt_, s_);
  }

 private:
  Runtime& rt_;
  Settings s_;
};

}  // namespace

HttpServer::HttpServer(Runtime& runtime) : rt_(runtime) {}

HttpServer::~HttpServer() {
  try {
    stop();
  } catch (...) {
  }
}

void HttpServer::addCoreRoutes(Runtime& rt, const std::atomic<bool>* shutting_down) {
  auto& router = rt.router();
  router.add({"GET", "/healthz", kPublic,
              [](Request&) { return Response::json({{"status", "ok"}}); }, "core"});
  router.add({"GET", "/readyz", kPublic,
              [&rt, shutting_down](Request&) {
                nlohmann::json checks;
                bool ok = true;
                if (shutting_down && shutting_down->load()) {
                  checks["shutdown"] = "in progress";
                  ok = false;
                }
                bool db_ok = rt.database().ping();
                checks["database"] = db_ok ? "ok" : "unreachable";
                bool mig_ok = false;
                if (db_ok) {
                  try {
                    mig_ok = rt.migrationsCurrent();
                  } catch (const std::exception&) {
                    mig_ok = false;
                  }
                }
                checks["migrations"] = mig_ok ? "current" : "pending";
                ok = ok && db_ok && mig_ok;
                return Response::json({{"status", ok ? "ready" : "not_ready"}, {"checks", checks}},
                                      ok ? 200 : 503);
              },
              "core"});
  router.add({"GET", "/metrics", kPublic,
              [&rt](Request&) {
                return Response::text(rt.metrics().render(), "text/plain; version=0.0.4");
              },
              "core"});
}

void HttpServer::start() {
  auto& c = rt_.config();
  Settings s;
  s.max_body = c.getInt("http.max_body_bytes");
  s.body_timeout = std::chrono::milliseconds(c.getInt("http.body_timeout_ms"));
  s.access_log = c.getBool("log.access");
  s.trust_proxy = c.getBool("http.trust_proxy");
  s.idempotency_claim_seconds = c.getInt("http.idempotency_claim_seconds");

  int threads = static_cast<int>(c.getInt("http.threads"));
  pool_ = std::make_unique<Poco::ThreadPool>("http", std::min(threads, 8), threads, 60);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(static_cast<int>(c.getInt("http.max_queued")));
  params->setTimeout(Poco::Timespan(c.getInt("http.read_timeout_ms") * 1000));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(c.getInt("http.keep_alive_timeout_ms") * 1000));
  params->setMaxKeepAliveRequests(10000);
  params->setServerName("sukusuku");

  Poco::Net::ServerSocket socket;
  try {
    Poco::Net::SocketAddress addr(c.getString("http.host"),
                                  static_cast<Poco::UInt16>(c.getInt("http.port")));
    // SO_REUSEADDR (restart over TIME_WAIT) but not SO_REUSEPORT, which Poco's two-argument
    // bind also sets: with it a second server on the same port (a stale node, an operator's
    // mistake) would start without a word and take a share of the connections.
    socket.bind(addr, true, false);
    socket.listen(1024);
  } catch (const Poco::Exception& e) {
    throw StartupError("cannot listen on " + c.getString("http.host") + ":" +
                       c.getString("http.port") + ": " + e.displayText());
  }
  port_ = socket.address().port();
  // A free port picked by the system is published, so that parts that build URLs to this server
  // (the payments core's webhook address) see the real one.
  if (c.getInt("http.port") == 0) c.set("http.port", std::to_string(port_));

  auto& m = rt_.metrics();
  m.gauge("sukusuku_http_threads_busy", "HTTP worker threads in use", {},
          [this] { return pool_ ? pool_->used() : 0; });
  m.gauge("sukusuku_http_threads_max", "HTTP worker threads configured", {},
          [this] { return pool_ ? pool_->capacity() : 0; });
  m.gauge("sukusuku_http_connections", "Open HTTP connections", {},
          [this] { return server_ ? server_->currentConnections() : 0; });
  m.gauge("sukusuku_http_connections_queued", "Accepted connections waiting for a worker", {},
          [this] { return server_ ? server_->queuedConnections() : 0; });
  m.gauge("sukusuku_http_connections_refused_total", "Connections refused (queue full)", {},
          [this] { return server_ ? server_->refusedConnections() : 0; });

  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(rt_, s), *pool_, socket, params);
  server_->start();
  Poco::Logger::get("http").information("listening on %s:%d", c.getString("http.host"), port_);
}

void HttpServer::stop() {
  if (!server_) return;
  shutting_down_ = true;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(rt_.config().getInt("http.shutdown_timeout_ms"));
  server_->stopAll(false);
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (server_->currentConnections() > 0) {
    Poco::Logger::get("http").warning("closing %d connection(s) still open at shutdown",
                                      server_->currentConnections());
    server_->stopAll(true);
  }
  pool_->joinAll();
  server_.reset();
}

}  // namespace sukusuku
