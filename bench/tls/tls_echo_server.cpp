// tls_echo_server: the TLS echo server on twistedcpp's own stack, for
// bench/run_tls.sh (figures in docs/benchmarks-tls.md).
//
// The cleartext bench/echo_server.cpp behind reactor.listenSSL: the same Echo
// protocol (dataReceived writes the bytes back, TCP_NODELAY, the transport
// registered as its own streaming producer), a Factory with noisy off,
// listenSSL on 127.0.0.1 with backlog 4096 and the options of
// ssl::DefaultOpenSSLContextFactory(KEY, CERT) (Twisted's defaults: TLS 1.2+,
// no session tickets or resumption). SIGTERM/SIGINT stop the reactor.
//
// Usage: tls_echo_server [--reactor epoll|poll|select] KEY CERT PORT
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>

namespace {

using twisted::internet::Factory;
using twisted::internet::ITCPTransport;
using twisted::internet::Protocol;

class Echo final : public Protocol {
 public:
  void connectionMade() override {
    // The transport is the TLS layer (an ITCPTransport forwarding socket
    // options to the TCP connection beneath). Once per connection, so the
    // dynamic_cast does not show.
    if (auto* tcp = dynamic_cast<ITCPTransport*>(transport)) tcp->setTcpNoDelay(true);
    transport->registerProducer(transport, true);
  }

  void dataReceived(std::string_view data) override { transport->write(data); }
};

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--reactor epoll|poll|select] KEY CERT PORT\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "epoll";
  int i = 1;
  if (argc >= 3 && std::string_view(argv[1]) == "--reactor") {
    backend = argv[2];
    i = 3;
  }
  if (i != argc - 3) return usage(argv[0]);
  char* end = nullptr;
  long port = std::strtol(argv[i + 2], &end, 10);
  if (!end || *end != '\0' || port < 0 || port > 65535) return usage(argv[0]);

  try {
    namespace internet = twisted::internet;
    internet::installReactor(internet::makeReactor(backend));
    auto options = internet::ssl::DefaultOpenSSLContextFactory(argv[i], argv[i + 1]);
    auto factory = Factory::forProtocol<Echo>();
    factory->noisy = false;
    auto listening =
        internet::reactor().listenSSL(static_cast<int>(port), factory, options, 4096, "127.0.0.1");
    internet::reactor().run();  // until SIGTERM / SIGINT
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tls_echo_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
