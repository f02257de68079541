// echo_server: a TCP echo server on twistedcpp's own stack, the peer we add
// to the echo-server harness of ../shared/bench (run it with
// bench/run_echo.sh; docs/benchmarks-echo.md has the figures).
//
// It is the harness's reference server written the Twisted way: a Protocol
// whose dataReceived writes the bytes back, a Factory with noisy off (no log
// line per connection or port), listenTCP on 127.0.0.1 with backlog 4096,
// TCP_NODELAY on each connection, on the epoll reactor. SIGTERM/SIGINT stop
// the reactor (installed by run()), which closes every connection and exits 0.
//
// Usage: echo_server [--reactor epoll|iouring|poll|select] [--unix PATH] PORT   (the
// harness appends PORT). With --unix it listens on the Unix socket PATH
// instead (listenUNIX, same backlog; PORT is then ignored), the server of
// bench/run_unix_echo.sh.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

namespace {

using twisted::internet::Factory;
using twisted::internet::ITCPTransport;
using twisted::internet::Protocol;

bool unixSocket = false;  // --unix: no TCP_NODELAY (a Unix socket refuses it)

class Echo final : public Protocol {
 public:
  void connectionMade() override {
    // Same socket options as every server of the harness. listenTCP's
    // transports are ITCPTransports, so a static_cast does (a dynamic_cast
    // across the transport's interfaces costs ~100 ns per connection).
    if (!unixSocket) static_cast<ITCPTransport*>(transport)->setTcpNoDelay(true);
    // The transport is its own streaming producer: once more than its
    // buffer size (64 KiB) waits for a peer that does not read, it stops
    // reading until the buffer drains, so memory stays bounded. Registration
    // is a pointer store; the per-message path does not look at it unless
    // the kernel refused part of a write.
    transport->registerProducer(transport, true);
  }

  void dataReceived(std::string_view data) override { transport->write(data); }
};

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--reactor epoll|iouring|poll|select] [--unix PATH] PORT\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "epoll";
  std::string unixPath;
  int i = 1;
  for (;;) {
    if (argc >= i + 2 && std::string_view(argv[i]) == "--reactor") {
      backend = argv[i + 1];
      i += 2;
    } else if (argc >= i + 2 && std::string_view(argv[i]) == "--unix") {
      unixPath = argv[i + 1];
      unixSocket = true;
      i += 2;
    } else {
      break;
    }
  }
  if (i != argc - 1) return usage(argv[0]);
  char* end = nullptr;
  long port = std::strtol(argv[i], &end, 10);
  if (!end || *end != '\0' || port < 0 || port > 65535) return usage(argv[0]);

  try {
    namespace internet = twisted::internet;
    internet::installReactor(internet::makeReactor(backend));
    auto factory = Factory::forProtocol<Echo>();
    factory->noisy = false;
    auto listening = unixSocket ? internet::reactor().listenUNIX(unixPath, factory, 4096)
                                : internet::reactor().listenTCP(static_cast<int>(port), factory,
                                                                4096, "127.0.0.1");
    internet::reactor().run();  // until SIGTERM / SIGINT
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
