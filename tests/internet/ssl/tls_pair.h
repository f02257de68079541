// A TLS client and server over an in-memory iosim connection (no sockets):
// two TLSMemoryBIOProtocols wrapping recording protocols, and pumps that
// move the ciphertext across in whole chunks or one byte at a time.
//
//   tls_pair::Pair p(serverOptions, clientOptions);
//   p.client->onMade = [](Peer& c) { c.transport->write("hi"); };
//   p.connect();
//   p.flush();
//   EXPECT_EQ(p.server->received, "hi");
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>
#include <twisted/testing/iosim.h>

namespace tls_pair {

using namespace twisted::internet;
using twisted::python::Failure;
namespace iosim = twisted::testing::iosim;

/// The application protocol on either side: records everything that
/// happens to it and runs the test's hooks.
class Peer : public Protocol, public IHandshakeListener {
 public:
  std::function<void(Peer&)> onMade;
  std::function<void(Peer&)> onHandshake;
  std::function<void(Peer&, std::string_view)> onData;

  int made = 0;
  int handshakes = 0;
  int losts = 0;
  int dataAfterLost = 0;
  std::string received;
  std::optional<Failure> lost;
  // What the TLS transport said when the handshake completed.
  std::optional<ssl::Certificate> peerCertificate;
  std::optional<std::string> alpn;
  std::optional<std::string> sni;
  std::string version;
  bool reused = false;

  ISSLTransport& tls() const { return *dynamic_cast<ISSLTransport*>(transport); }

  void connectionMade() override {
    ++made;
    if (onMade) onMade(*this);
  }
  void handshakeCompleted() override {
    ++handshakes;
    ISSLTransport& t = tls();
    peerCertificate = t.getPeerCertificate();
    alpn = t.negotiatedProtocol();
    sni = t.serverName();
    version = t.tlsVersion();
    reused = t.sessionReused();
    if (onHandshake) onHandshake(*this);
  }
  void dataReceived(std::string_view d) override {
    if (losts) ++dataAfterLost;
    received.append(d);
    if (onData) onData(*this, d);
  }
  void connectionLost(const Failure& reason) override {
    ++losts;
    lost = reason;
  }

  /// The connectionLost message, for assertion output.
  std::string why() const { return lost ? lost->getErrorMessage() : "(connection not lost)"; }
  template <class E>
  bool lostWith() const {
    return lost && lost->check<E>();
  }
  /// Lost with a TLSError whose message contains `text`.
  bool tlsErrorMentions(std::string_view text) const {
    return lostWith<ssl::TLSError>() && why().find(text) != std::string::npos;
  }
};

/// A TLS server and client connected in memory.
class Pair {
 public:
  Pair(ssl::CertificateOptions serverOptions, ssl::CertificateOptions clientOptions)
      : serverOptions_(std::move(serverOptions)),
        clientOptions_(std::move(clientOptions)),
        serverPeer_(std::make_unique<Peer>()),
        clientPeer_(std::make_unique<Peer>()),
        server(serverPeer_.get()),
        client(clientPeer_.get()) {}
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;

  /// Connects both sides (server first, as iosim does): the wrapped
  /// protocols get connectionMade and the client's ClientHello is written;
  /// nothing is delivered yet.
  void connect() {
    iosim::ConnectOptions o;
    o.greet = false;
    io.emplace(iosim::connectedServerAndClient(
        [&] {
          return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions_, false,
                                                             std::move(serverPeer_));
        },
        [&] {
          return std::make_unique<tls::TLSMemoryBIOProtocol>(clientOptions_, true,
                                                             std::move(clientPeer_));
        },
        o));
  }

  /// Moves everything across, each side's output as one chunk per round,
  /// until nothing moves (and reports disconnects).
  void flush() { io->pump.flush(); }
  /// One round of flush().
  bool pump() { return io->pump.pump(); }

  /// Moves everything across one byte per dataReceived, until nothing is
  /// left; then flush() reports any disconnect.
  void flushBytewise() {
    for (int round = 0; round < 100000; ++round) {
      std::string c = io->clientTransport->getOutBuffer();
      std::string s = io->serverTransport->getOutBuffer();
      if (c.empty() && s.empty()) break;
      for (char ch : c)
        io->serverTransport->bufferReceived(std::string_view(&ch, 1));
      for (char ch : s)
        io->clientTransport->bufferReceived(std::string_view(&ch, 1));
    }
    flush();
  }

  tls::TLSMemoryBIOProtocol& serverTLS() { return *io->server; }
  tls::TLSMemoryBIOProtocol& clientTLS() { return *io->client; }
  iosim::FakeTransport& serverIO() { return *io->serverTransport; }
  iosim::FakeTransport& clientIO() { return *io->clientTransport; }

 private:
  ssl::CertificateOptions serverOptions_;
  ssl::CertificateOptions clientOptions_;
  std::unique_ptr<Peer> serverPeer_;
  std::unique_ptr<Peer> clientPeer_;

 public:
  Peer* server;
  Peer* client;
  std::optional<iosim::ServerAndClient<tls::TLSMemoryBIOProtocol, tls::TLSMemoryBIOProtocol>> io;
};

}  // namespace tls_pair
