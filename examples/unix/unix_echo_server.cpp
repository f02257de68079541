// An echo server on a Unix stream socket: Twisted's echo server with
// reactor.listenUNIX instead of listenTCP. Every byte received is written
// back; the transport is its own streaming producer, so a client that sends
// but never reads costs bounded memory. Each connection logs the client's
// pid and uid (SO_PEERCRED).
//
// Usage: unix_echo_server PATH   (a leading '@' means Linux's abstract
// namespace, as `socat ABSTRACT:` / ss print it). A socket file left by a
// server that died is replaced; SIGINT/SIGTERM stop it and remove the file.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/unix.h>

using twisted::internet::Factory;
using twisted::internet::hostOf;
using twisted::internet::IUNIXTransport;
using twisted::internet::Protocol;
using twisted::internet::reactor;

class Echo : public Protocol {
 public:
  void connectionMade() override {
    transport->registerProducer(transport, true);
    if (auto* unix = dynamic_cast<IUNIXTransport*>(transport)) {
      if (auto cred = unix->getPeerCredentials())
        std::printf("connection from pid %d, uid %u\n", cred->pid, cred->uid);
      std::fflush(stdout);
    }
  }
  void dataReceived(std::string_view data) override { transport->write(data); }
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 64;
  }
  std::string path = argv[1];
  if (!path.empty() && path.front() == '@') path.front() = '\0';
  auto listening = reactor().listenUNIX(path, Factory::forProtocol<Echo>());
  std::printf("Echo server listening on %s.\n", argv[1]);
  std::fflush(stdout);
  reactor().run();
  std::printf("Echo server stopped.\n");
}
