// The echo server of examples/tcp/echo_server.cpp over TLS: the same
// protocol, listened on with listenSSL instead of listenTCP. The key and
// the certificate come from files (make them with the openssl CLI, see
// docs/tls.md); nothing is generated here.
//
// Usage: tls_echo_server PORT KEY.pem [CERT.pem]   (0 picks a free port;
// CERT.pem defaults to KEY.pem, one file holding both). Prints the port it
// listens on, and each client's TLS version once its handshake is done.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>

using twisted::internet::Factory;
using twisted::internet::IHandshakeListener;
using twisted::internet::ISSLTransport;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;
namespace ssl = twisted::internet::ssl;

class Echo : public Protocol, public IHandshakeListener {
 public:
  void handshakeCompleted() override {
    auto* tls = dynamic_cast<ISSLTransport*>(transport);
    std::printf("Handshake done with a client: %s.\n", tls->tlsVersion().c_str());
    std::fflush(stdout);
  }
  void dataReceived(std::string_view data) override { transport->write(data); }
};

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tls_echo_server PORT KEY.pem [CERT.pem]\n";
    return 2;
  }
  int port = std::stoi(argv[1]);
  std::string key = argv[2];
  std::string cert = argc > 3 ? argv[3] : key;
  try {
    // reactor.listenSSL(port, factory, ssl.DefaultOpenSSLContextFactory(key, cert))
    auto listening = reactor().listenSSL(port, Factory::forProtocol<Echo>(),
                                         ssl::DefaultOpenSSLContextFactory(key, cert));
    std::printf("TLS echo server listening on port %d.\n", portOf(listening->getHost()));
    std::fflush(stdout);
  } catch (const ssl::CertificateError& e) {
    std::cerr << "tls_echo_server: " << e.what() << "\n";
    return 1;
  }
  reactor().run();
}
