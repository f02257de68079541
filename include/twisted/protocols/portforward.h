// A TCP port forwarder: each connection accepted by a ProxyFactory's port
// opens a connection to (host, port) and the two are spliced together.
// Mirrors twisted.protocols.portforward.
//
//     reactor().listenTCP(8080, std::make_shared<portforward::ProxyFactory>("example.com", 80));
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>

namespace twisted::protocols::portforward {

/// One side of a forwarded connection: what it receives it writes to its
/// peer's transport; when it is lost, it closes its peer.
///
/// Mirrors: twisted.protocols.portforward.Proxy. Lifetime: each side is
/// owned by its own transport; the two point at each other (`peer`) and
/// unlink both ways in connectionLost (also unregistering the flow-control
/// producers), so neither is left pointing at a destroyed side.
class TWISTED_API Proxy : public internet::Protocol {
 public:
  ~Proxy() override;
  /// Mirrors Proxy.setPeer.
  void setPeer(Proxy* p) { peer = p; }
  /// Writes `data` to the peer. Mirrors Proxy.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Closes the peer (after what it has buffered is sent), or logs "Unable
  /// to connect to peer: ..." if there was none (when noisy).
  /// Mirrors Proxy.connectionLost.
  void connectionLost(const python::Failure& reason) override;

  /// The other side (not owned), or null. Mirrors Proxy.peer.
  Proxy* peer = nullptr;
  /// Mirrors Proxy.noisy.
  bool noisy = true;

 private:
  friend class ProxyClient;
  bool hadPeer_ = false;          // the peer existed and went first: nothing to log
  bool producersLinked_ = false;  // the transports are each other's producers
};

class ProxyServer;

/// The outgoing side. Mirrors: twisted.protocols.portforward.ProxyClient.
class TWISTED_API ProxyClient : public Proxy {
 public:
  /// Links with the server side, registers each transport as the other's
  /// streaming producer (so a slow reader on either side pauses reading on
  /// the other: bounded memory), sends what the server side received
  /// meanwhile, then resumes reading on the server side. If the server side
  /// is gone, sends what it left behind and closes.
  /// Mirrors ProxyClient.connectionMade.
  void connectionMade() override;
};

/// Makes the ProxyClient for one ProxyServer and closes the server side if
/// the connection fails. Mirrors: twisted.protocols.portforward.ProxyClientFactory.
class TWISTED_API ProxyClientFactory : public internet::ClientFactory {
 public:
  ProxyClientFactory();
  /// Mirrors ProxyClientFactory.setServer.
  void setServer(ProxyServer* s) { server = s; }
  /// A ProxyClient linked to the server (null if the server is gone and
  /// left nothing to send). Mirrors ProxyClientFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Closes the server side, which then logs `reason` ("Unable to connect
  /// to peer: Connection was refused by other side: ..."; Twisted logs the
  /// server side's own ConnectionDone instead).
  /// Mirrors ProxyClientFactory.clientConnectionFailed.
  void clientConnectionFailed(internet::IConnector& connector,
                              const python::Failure& reason) override;

  /// The server side (not owned; cleared when it is lost). Mirrors ProxyClientFactory.server.
  ProxyServer* server = nullptr;
  /// What a server side that sent data and then closed before the
  /// connection was made left to forward; sent, then the connection closed.
  std::string orphaned;
};

/// The accepted side: connects to the factory's destination, keeping what
/// arrives meanwhile. Mirrors: twisted.protocols.portforward.ProxyServer.
///
/// Difference from Twisted, whose ProxyServer stops reading until the
/// outgoing connection is made: this one keeps reading, holding up to
/// kPendingLimit bytes (then it pauses), so a client that leaves while the
/// connection is being made is noticed and the attempt stopped at once
/// instead of holding both descriptors until the connect timeout.
class TWISTED_API ProxyServer : public Proxy {
 public:
  /// The most bytes held while the outgoing connection is being made
  /// before reading pauses (the transports' high-water mark).
  static constexpr std::size_t kPendingLimit = 64 * 1024;

  ~ProxyServer() override;
  /// Connects to the ProxyFactory's host and port.
  /// Mirrors ProxyServer.connectionMade.
  /// @throws std::logic_error if `factory` is not a ProxyFactory.
  void connectionMade() override;
  /// Writes to the peer, or holds `data` until there is one.
  void dataReceived(std::string_view data) override;
  /// As Proxy's, logging why the outgoing connection failed if it did. If
  /// that connection is still being made, stops it, unless data received
  /// meanwhile waits to be forwarded (as Twisted, which would forward it
  /// and close): then the attempt goes on and the data is sent.
  void connectionLost(const python::Failure& reason) override;
  /// Makes the outgoing side's factory. Mirrors ProxyServer.clientProtocolFactory.
  virtual std::shared_ptr<ProxyClientFactory> clientProtocolFactory();

  /// Where to connect (not owned); null: the ProxyFactory's, else the
  /// global reactor(). Mirrors ProxyServer.reactor.
  internet::IReactorTCP* reactor = nullptr;

 private:
  friend class ProxyClient;
  friend class ProxyClientFactory;
  std::shared_ptr<ProxyClientFactory> clientFactory_;
  std::shared_ptr<internet::IConnector> connector_;
  std::string pending_;  // received before the outgoing connection was made
  std::optional<python::Failure> connectFailure_;  // why it could not be made
};

/// Listens for connections to forward to (host, port).
/// Mirrors: twisted.protocols.portforward.ProxyFactory.
class TWISTED_API ProxyFactory : public internet::Factory {
 public:
  /// Mirrors ProxyFactory(host, port).
  ProxyFactory(std::string host, int port);
  /// Mirrors ProxyFactory.host / port.
  std::string host;
  /// The port to forward to.
  int port;
  /// The reactor its ProxyServers connect with (not owned); null: the
  /// global reactor(). Tests set a MemoryReactor or a makeReactor() one.
  internet::IReactorTCP* reactor = nullptr;
  /// Set: connect to (host, port) over TLS with these client options
  /// (IReactorSSL::connectSSL; the reactor must provide it), e.g.
  /// ssl::optionsForClientTLS(host): a TLS-originating forwarder (what
  /// `twist portforward --connect tls:HOST:PORT` builds). Not in Twisted,
  /// whose ProxyFactory connects with TCP only.
  std::optional<internet::ssl::CertificateOptions> clientTLS;
};

}  // namespace twisted::protocols::portforward
