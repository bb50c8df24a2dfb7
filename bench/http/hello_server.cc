// The anchor of the HTTP benchmark: a bare Poco HTTPServer that answers every request with a
// small fixed body, configured like Sukusuku's server (same thread pool, keep-alive, queue).
// What Sukusuku adds on top (routing, middleware, metrics, JSON) is measured against this.
//
//   bench_hello_server PORT [THREADS]
#include <iostream>
#include <string>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/Util/ServerApplication.h>

namespace {

class Hello final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& res) override {
    static const std::string kBody = R"({"status":"ok"})";
    res.setContentType("application/json; charset=utf-8");
    res.setContentLength(static_cast<std::streamsize>(kBody.size()));
    res.send() << kBody;
  }
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Hello;
  }
};

class App final : public Poco::Util::ServerApplication {
 protected:
  int main(const std::vector<std::string>& args) override {
    if (args.empty()) {
      std::cerr << "usage: bench_hello_server PORT [THREADS]\n";
      return EXIT_USAGE;
    }
    int threads = args.size() > 1 ? std::stoi(args[1]) : 128;
    Poco::ThreadPool pool("hello", std::min(threads, 8), threads, 60);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(2048);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setMaxKeepAliveRequests(10000);
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(std::stoi(args[0]))),
                true);
    socket.listen(1024);
    Poco::Net::HTTPServer server(new Factory, pool, socket, params);
    server.start();
    std::cout << "hello listening on " << socket.address().port() << std::endl;
    waitForTerminationRequest();
    server.stopAll(true);
    return EXIT_OK;
  }
};

}  // namespace

POCO_SERVER_MAIN(App)
