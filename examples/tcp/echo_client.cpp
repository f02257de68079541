// Seed 001 §4.2.1: a client written with a ClientFactory. The factory
// reports each stage (startedConnecting, buildProtocol, clientConnectionLost,
// clientConnectionFailed); the Echo protocol prints what it receives.
//
// Usage: echo_client [HOST] [PORT] [MESSAGE]   (default 127.0.0.1 8123).
// Additions to the seed, so the example ends on its own: with a MESSAGE the
// client sends it and hangs up once as many bytes came back (an echo
// server), and the reactor stops when the connection is lost or fails.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Address;
using twisted::internet::ClientFactory;
using twisted::internet::IConnector;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::python::Failure;

class Echo : public Protocol {
 public:
  explicit Echo(std::string message) : message_(std::move(message)) {}

  void connectionMade() override {
    if (!message_.empty()) transport->write(message_);
  }

  void dataReceived(std::string_view data) override {
    std::cout << data << std::flush;
    received_ += data.size();
    if (!message_.empty() && received_ >= message_.size()) transport->loseConnection();
  }

 private:
  std::string message_;
  std::size_t received_ = 0;
};

class EchoClientFactory : public ClientFactory {
 public:
  explicit EchoClientFactory(std::string message) : message_(std::move(message)) {}

  void startedConnecting(IConnector&) override { std::cout << "Started to connect.\n"; }

  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    std::cout << "Connected.\n";
    return std::make_unique<Echo>(message_);
  }

  void clientConnectionLost(IConnector&, const Failure& reason) override {
    std::cout << "\nLost connection.  Reason: " << reason << "\n";
    reactor().stop();
  }

  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    std::cout << "Connection failed. Reason: " << reason << "\n";
    reactor().stop();
  }

 private:
  std::string message_;
};

int main(int argc, char** argv) {
  std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? std::stoi(argv[2]) : 8123;
  std::string message = argc > 3 ? argv[3] : "";
  reactor().connectTCP(host, port, std::make_shared<EchoClientFactory>(message));
  reactor().run();
}
