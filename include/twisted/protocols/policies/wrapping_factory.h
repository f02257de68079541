// ProtocolWrapper and WrappingFactory: a protocol that sits between a
// transport and another protocol, seeing (and forwarding) everything both
// ways. The base of the policies (throttling, connection limits).
// Mirrors twisted.protocols.policies.ProtocolWrapper / WrappingFactory.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>

namespace twisted::protocols::policies {

class ProtocolWrapper;

/// What a ProtocolWrapper registers with while connected: its factory's
/// registerProtocol/unregisterProtocol (Twisted's duck-typed protocol of
/// WrappingFactory and LimitTotalConnectionsFactory).
///
/// Lifetime: a wrapper destroyed without connectionLost (its reactor was
/// destroyed first) still unregisters; a registry destroyed first detaches
/// its wrappers, so neither side is left with a dangling pointer.
class TWISTED_API ProtocolRegistry {
 public:
  ProtocolRegistry() = default;
  ProtocolRegistry(const ProtocolRegistry&) = delete;
  ProtocolRegistry& operator=(const ProtocolRegistry&) = delete;
  virtual ~ProtocolRegistry();
  /// A wrapper connected. Mirrors WrappingFactory.registerProtocol.
  virtual void registerProtocol(ProtocolWrapper& p) = 0;
  /// A wrapper's connection ended. Mirrors WrappingFactory.unregisterProtocol.
  virtual void unregisterProtocol(ProtocolWrapper& p) = 0;

 private:
  friend class ProtocolWrapper;
  std::unordered_set<ProtocolWrapper*> attached_;
};

/// The wrapped protocol's transport and the real transport's protocol:
/// every protocol event goes on to `wrappedProtocol`, every transport call
/// (writes, close, addresses, producer registration, flow control) goes on
/// to the real transport.
///
/// Mirrors: twisted.protocols.policies.ProtocolWrapper. Notes:
/// - it owns `wrappedProtocol` and keeps it until destroyed (Twisted drops
///   it in connectionLost to break a reference cycle; here the transport
///   destroys the wrapper, and with it the wrapped protocol, right after);
/// - the ITCPTransport methods forward to the real transport when it is
///   one, and throw std::logic_error otherwise (Twisted's AttributeError).
class TWISTED_API ProtocolWrapper : public internet::Protocol, public internet::ITCPTransport {
 public:
  /// `factory` (not owned) is the wrapping factory; if it is a
  /// ProtocolRegistry the wrapper registers with it while connected.
  /// Mirrors ProtocolWrapper(factory, wrappedProtocol).
  ProtocolWrapper(internet::Factory* factory, std::unique_ptr<internet::Protocol> wrappedProtocol);
  ~ProtocolWrapper() override;
  ProtocolWrapper(const ProtocolWrapper&) = delete;
  ProtocolWrapper& operator=(const ProtocolWrapper&) = delete;

  /// "<wrapped prefix> (<wrapper class>)", e.g. "Echo (ProtocolWrapper)".
  /// Mirrors ProtocolWrapper.logPrefix.
  std::string logPrefix() const override;

  // Protocol relaying
  /// Connects this wrapper to `t` (connectionMade()), registers with the
  /// factory, then connects the wrapped protocol to this wrapper.
  /// Mirrors ProtocolWrapper.makeConnection.
  void makeConnection(internet::ITransport* t) override;
  /// Mirrors ProtocolWrapper.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Unregisters, then tells the wrapped protocol. Mirrors ProtocolWrapper.connectionLost.
  void connectionLost(const python::Failure& reason) override;

  // Transport relaying
  /// Mirrors ProtocolWrapper.write.
  void write(std::string_view data) override;
  /// Mirrors ProtocolWrapper.writeSequence.
  void writeSequence(std::span<const std::string_view> data) override;
  /// Sets disconnecting and forwards. Mirrors ProtocolWrapper.loseConnection.
  void loseConnection() override;
  /// Forwards (Twisted: through __getattr__).
  void abortConnection() override;
  /// True once loseConnection() was called here or on the real transport.
  /// Mirrors ProtocolWrapper.disconnecting.
  bool disconnecting() const override;
  /// Mirrors ProtocolWrapper.getPeer.
  internet::Address getPeer() const override;
  /// Mirrors ProtocolWrapper.getHost.
  internet::Address getHost() const override;
  /// Mirrors ProtocolWrapper.registerProducer.
  void registerProducer(internet::IProducer* producer, bool streaming) override;
  /// Mirrors ProtocolWrapper.unregisterProducer.
  void unregisterProducer() override;
  /// Flow control of the real transport (Twisted: through __getattr__).
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;
  /// ITCPTransport, forwarded (Twisted: through __getattr__).
  void loseWriteConnection() override;
  bool getTcpNoDelay() const override;
  /// Forwards to the wrapped transport.
  void setTcpNoDelay(bool enabled) override;
  bool getTcpKeepAlive() const override;
  /// Forwards to the wrapped transport.
  void setTcpKeepAlive(bool enabled) override;

  /// The protocol this wraps (owned). Mirrors ProtocolWrapper.wrappedProtocol.
  std::unique_ptr<internet::Protocol> wrappedProtocol;

 private:
  friend class ProtocolRegistry;
  internet::ITCPTransport& tcp() const;
  void detach();

  ProtocolRegistry* registry_;
  bool registered_ = false;
  bool disconnecting_ = false;
};

/// Wraps another factory: each protocol it builds is the wrapped factory's,
/// inside a ProtocolWrapper (made by wrapProtocol()); it keeps the set of
/// connected wrappers and forwards start/stop and the client callbacks.
///
/// Mirrors: twisted.protocols.policies.WrappingFactory. The wrapped
/// protocol's `factory` is the wrapped factory (set by its buildProtocol);
/// the wrapper's is this one. If the wrapped factory refuses (returns
/// null), so does this one. Start and stop are forwarded from
/// startFactory/stopFactory (Factory::doStart is not virtual here), so the
/// wrapped factory starts and stops with this one.
class TWISTED_API WrappingFactory : public internet::ClientFactory, public ProtocolRegistry {
 public:
  /// Mirrors WrappingFactory(wrappedFactory).
  explicit WrappingFactory(std::shared_ptr<internet::Factory> wrappedFactory);

  /// "<wrapped prefix> (<this class>)". Mirrors WrappingFactory.logPrefix.
  std::string logPrefix() const override;
  /// Mirrors WrappingFactory.doStart (the wrapped factory's doStart).
  void startFactory() override;
  /// Mirrors WrappingFactory.doStop (the wrapped factory's doStop).
  void stopFactory() override;
  /// Forwarded if the wrapped factory is a ClientFactory.
  /// Mirrors WrappingFactory.startedConnecting.
  void startedConnecting(internet::IConnector& connector) override;
  /// Mirrors WrappingFactory.clientConnectionFailed.
  void clientConnectionFailed(internet::IConnector& connector,
                              const python::Failure& reason) override;
  /// Mirrors WrappingFactory.clientConnectionLost.
  void clientConnectionLost(internet::IConnector& connector,
                            const python::Failure& reason) override;

  /// wrapProtocol(wrappedFactory->buildProtocol(addr)), or null if that is
  /// null. Mirrors WrappingFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Makes the wrapper (a ProtocolWrapper by default); override it to use
  /// another wrapper class. Mirrors WrappingFactory.protocol.
  virtual std::unique_ptr<ProtocolWrapper> wrapProtocol(
      std::unique_ptr<internet::Protocol> wrapped);

  /// Adds `p` to protocols. Mirrors WrappingFactory.registerProtocol.
  void registerProtocol(ProtocolWrapper& p) override;
  /// Removes `p` from protocols. Mirrors WrappingFactory.unregisterProtocol.
  void unregisterProtocol(ProtocolWrapper& p) override;

  /// The wrapped factory. Mirrors WrappingFactory.wrappedFactory.
  std::shared_ptr<internet::Factory> wrappedFactory;
  /// The connected wrappers (not owned). Mirrors WrappingFactory.protocols.
  std::unordered_set<ProtocolWrapper*> protocols;
};

}  // namespace twisted::protocols::policies
