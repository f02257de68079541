// A TCP port forwarder: each connection accepted by a ProxyFactory's port
// opens a connection to (host, port) and the two are spliced together.
// Mirrors twisted.protocols.portforward.
//
//     reactor().listenTCP(8080, std::make_shared<portforward::ProxyFactory>("example.com", 80));
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/protocol.h>

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
  /// the other: bounded memory), then resumes reading on the server side.
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
  /// A ProxyClient linked to the server (null if the server is gone).
  /// Mirrors ProxyClientFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Closes the server side. Mirrors ProxyClientFactory.clientConnectionFailed.
  void clientConnectionFailed(internet::IConnector& connector,
                              const python::Failure& reason) override;

  /// The server side (not owned; cleared when it is lost). Mirrors ProxyClientFactory.server.
  ProxyServer* server = nullptr;
};

/// The accepted side: pauses reading, then connects to the factory's
/// destination. Mirrors: twisted.protocols.portforward.ProxyServer.
class TWISTED_API ProxyServer : public Proxy {
 public:
  ~ProxyServer() override;
  /// Pauses reading until the outgoing connection is made, then connects
  /// to the ProxyFactory's host and port. Mirrors ProxyServer.connectionMade.
  /// @throws std::logic_error if `factory` is not a ProxyFactory.
  void connectionMade() override;
  /// As Proxy's; if the outgoing connection is still being made, stops it.
  void connectionLost(const python::Failure& reason) override;
  /// Makes the outgoing side's factory. Mirrors ProxyServer.clientProtocolFactory.
  virtual std::shared_ptr<ProxyClientFactory> clientProtocolFactory();

  /// Where to connect (not owned); null: the ProxyFactory's, else the
  /// global reactor(). Mirrors ProxyServer.reactor.
  internet::IReactorTCP* reactor = nullptr;

 private:
  std::shared_ptr<ProxyClientFactory> clientFactory_;
  std::shared_ptr<internet::IConnector> connector_;
};

/// Listens for connections to forward to (host, port).
/// Mirrors: twisted.protocols.portforward.ProxyFactory.
class TWISTED_API ProxyFactory : public internet::Factory {
 public:
  /// Mirrors ProxyFactory(host, port).
  ProxyFactory(std::string host, int port);
  /// Mirrors ProxyFactory.host / port.
  std::string host;
  int port;
  /// The reactor its ProxyServers connect with (not owned); null: the
  /// global reactor(). Tests set a MemoryReactor or a makeReactor() one.
  internet::IReactorTCP* reactor = nullptr;
};

}  // namespace twisted::protocols::portforward
