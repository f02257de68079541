// A ClientService that keeps a connection to an echo server that comes and
// goes: each time it is connected it sends a line and prints the echo;
// when the server goes away it retries with backoff until it is back.
// Stops (cleanly, through the Application) after COUNT echoes.
//
// Usage: reconnecting_client PORT [COUNT]   (COUNT defaults to 2).
//
// ClientService is the modern ReconnectingClientFactory: it works on any
// IStreamClientEndpoint and tells you when a connection is there
// (whenConnected); here a TCP4ClientEndpoint (a clientFromString string
// would do as well).
#include <cstdio>
#include <memory>
#include <string>

#include <twisted/application/app.h>
#include <twisted/application/internet.h>
#include <twisted/application/service.h>
#include <twisted/internet/endpoints/tcp_endpoints.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/basic/line_receiver.h>

using twisted::internet::Factory;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::protocols::basic::LineReceiver;
using twisted::python::Failure;
namespace ai = twisted::application::internet;
namespace endpoints = twisted::internet::endpoints;
namespace defer = twisted::internet::defer;
namespace service = twisted::application::service;

int echoes = 0;
int wanted = 2;

class Hello : public LineReceiver {
 public:
  void connectionMade() override {
    std::printf("connected\n");
    std::fflush(stdout);
    sendLine("hello " + std::to_string(echoes + 1));
  }
  void lineReceived(std::string_view line) override {
    ++echoes;
    std::printf("echo: %.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
    if (echoes >= wanted) reactor().stop();  // startApplication's trigger stops the service
  }
  void connectionLost(const Failure&) override {
    std::printf("connection lost\n");
    std::fflush(stdout);
  }
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: reconnecting_client PORT [COUNT]\n");
    return 64;
  }
  const int port = std::stoi(argv[1]);
  if (argc > 2) wanted = std::stoi(argv[2]);

  auto app = std::make_shared<service::Application>("echo-client");
  // Quick retries for the demo: 0.2 s, 0.3 s ... at most 1 s, plus jitter.
  auto client = std::make_shared<ai::ClientService>(
      std::make_shared<endpoints::TCP4ClientEndpoint>(reactor(), "127.0.0.1", port),
      Factory::forProtocol<Hello>(), ai::backoffPolicy(0.2, 1.0, 1.5));
  client->setServiceParent(app);
  // whenConnected(1): told about the first failed attempt rather than
  // waiting for a connection forever.
  client->whenConnected(1).addCallbacks(
      [](Protocol*) {
        std::printf("first attempt connected\n");
        std::fflush(stdout);
      },
      [](const Failure& f) -> void {
        std::printf("first attempt failed (%s); retrying\n", f.getErrorMessage().c_str());
        std::fflush(stdout);
      });
  twisted::application::app::startApplication(app, reactor(), 5.0);
  reactor().run();
  std::printf("stopped after %d echoes\n", echoes);
}
