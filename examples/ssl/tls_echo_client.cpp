// Seed 003 §4 (connectors) lists ClientCreator.connectSSL(host, port,
// contextFactory) beside connectTCP: this is the client of
// examples/tcp/client_creator.cpp over TLS. The server is verified: its
// certificate must chain to CA.pem and name HOSTNAME (optionsForClientTLS).
//
// Usage: tls_echo_client HOST PORT CA.pem HOSTNAME MESSAGE
// Connects, sends MESSAGE (queued until the handshake is done), prints what
// comes back, hangs up once all of it came back (close_notify), and stops
// when the connection is lost. A server that fails verification ends the
// connection with the TLS error, printed as the reason.
#include <iostream>
#include <string>
#include <string_view>

#include <twisted/internet/client_creator.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>

using twisted::internet::ClientCreator;
using twisted::internet::IHandshakeListener;
using twisted::internet::ISSLTransport;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::python::Failure;
namespace ssl = twisted::internet::ssl;

class EchoClient : public Protocol, public IHandshakeListener {
 public:
  void send(std::string message) {
    expected_ = message.size();
    transport->write(message);
  }
  void handshakeCompleted() override {
    auto* tls = dynamic_cast<ISSLTransport*>(transport);
    std::cout << "Handshake done: " << tls->tlsVersion() << ", server certificate for "
              << tls->getPeerCertificate()->getSubject().commonName << ".\n";
  }
  void dataReceived(std::string_view data) override {
    std::cout << "Received: " << data << "\n";
    received_ += data.size();
    if (received_ >= expected_) transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override {
    std::cout << "Connection lost: " << reason.getErrorMessage() << std::endl;
    reactor().stop();
  }

 private:
  std::size_t expected_ = 0, received_ = 0;
};

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: tls_echo_client HOST PORT CA.pem HOSTNAME MESSAGE\n";
    return 2;
  }
  std::string host = argv[1], message = argv[5];
  int port = std::stoi(argv[2]);
  // optionsForClientTLS(hostname, trustRoot): verify the server against CA.pem.
  ssl::CertificateOptions options =
      ssl::optionsForClientTLS(argv[4], ssl::TrustRoot::fromPath(argv[3]));

  ClientCreator<EchoClient> creator(reactor());
  creator.connectSSL(host, port, options)
      .addCallback([message](EchoClient* client) { client->send(message); })
      .addErrback([](const Failure& reason) {
        std::cout << "Connection failed: " << reason.getErrorMessage() << std::endl;
        reactor().stop();
      });
  reactor().run();
}
