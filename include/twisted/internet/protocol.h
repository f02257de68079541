// Protocols (what to do with a connection's bytes) and the factories that
// make one per connection. Mirrors twisted.internet.protocol.
//
// Ownership (see docs/design/lifetime.md): a Factory is shared (std::shared_ptr)
// by the ports and connectors that use it and by every connection it built,
// so `protocol->factory` stays valid as long as the protocol lives. A
// connection's transport owns its protocol (the std::unique_ptr that
// buildProtocol returned) and destroys it only after connectionLost has
// returned, never from inside one of the protocol's own callbacks: a protocol
// may write, lose or abort its connection, or stop its port or the reactor,
// from any of its callbacks.
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet {

class Factory;

/// What every protocol has: its transport and whether it is connected.
/// Mirrors: twisted.internet.protocol.BaseProtocol.
class TWISTED_API BaseProtocol {
 public:
  virtual ~BaseProtocol() = default;

  /// Sets `transport` and `connected`, then calls connectionMade().
  /// Virtual so a framing can reset its parser and a wrapper can hook in
  /// (call the base). Mirrors BaseProtocol.makeConnection.
  virtual void makeConnection(ITransport* t);
  /// The connection is up: `transport` is usable. Mirrors BaseProtocol.connectionMade.
  virtual void connectionMade() {}

  /// True between makeConnection and connectionLost. Mirrors BaseProtocol.connected.
  bool connected = false;
  /// The connection (not owned; valid until connectionLost returns).
  /// Mirrors BaseProtocol.transport.
  ITransport* transport = nullptr;
};

/// A stream protocol. Subclass it and override what you need.
/// Mirrors: twisted.internet.protocol.Protocol.
class TWISTED_API Protocol : public BaseProtocol, public virtual python::log::ILoggingContext {
 public:
  /// Some bytes arrived, in any chunking (a message may come split or
  /// several at once). `data` is valid during the call only.
  /// Mirrors Protocol.dataReceived.
  virtual void dataReceived(std::string_view data);
  /// The connection is gone: ConnectionDone for a clean close, ConnectionLost
  /// (or another error) otherwise. Mirrors Protocol.connectionLost.
  virtual void connectionLost(const python::Failure& reason);
  /// The class name, e.g. "Echo". Mirrors Protocol.logPrefix.
  std::string logPrefix() const override;

  /// The factory that built this protocol, if any (not owned; it outlives
  /// the protocol). Mirrors Protocol.factory.
  Factory* factory = nullptr;
};

/// A protocol that wants half-closes: on the peer's EOF, readConnectionLost()
/// is called instead of connectionLost() and the transport stays writable.
/// Mirrors: twisted.internet.interfaces.IHalfCloseableProtocol.
class TWISTED_API IHalfCloseableProtocol {
 public:
  virtual ~IHalfCloseableProtocol() = default;
  /// The peer will send no more. Mirrors IHalfCloseableProtocol.readConnectionLost.
  virtual void readConnectionLost() = 0;
  /// Our side was shut down (loseWriteConnection). Mirrors writeConnectionLost.
  virtual void writeConnectionLost() = 0;
};

/// Makes protocols for connections. Mirrors: twisted.internet.protocol.Factory.
class TWISTED_API Factory : public virtual python::log::ILoggingContext {
 public:
  virtual ~Factory() = default;

  /// A Factory whose buildProtocol makes `P(args...)`.
  /// Mirrors Factory.forProtocol (Twisted passes the arguments to the
  /// factory; a C++ protocol takes them instead).
  template <class P, class F = Factory, class... A>
  static std::shared_ptr<F> forProtocol(A&&... args) {
    auto f = std::make_shared<F>();
    f->template setProtocol<P>(std::forward<A>(args)...);
    return f;
  }
  /// Makes buildProtocol construct `P(args...)` (copies of args each time).
  /// Mirrors setting Factory.protocol.
  template <class P, class... A>
  void setProtocol(A&&... args) {
    static_assert(std::is_base_of_v<Protocol, P>, "P must derive from Protocol");
    protocol = [... a = std::forward<A>(args)]() -> std::unique_ptr<Protocol> {
      return std::make_unique<P>(a...);
    };
  }

  /// Builds the protocol for a connection from `addr` and sets its factory;
  /// returning null refuses the connection (it is closed at once).
  /// Mirrors Factory.buildProtocol.
  /// @throws std::logic_error if no protocol was set and the method is not overridden.
  virtual std::unique_ptr<Protocol> buildProtocol(const Address& addr);

  /// Called by each port or connector that starts using this factory;
  /// startFactory() runs on the first, before numPorts is incremented (it
  /// sees 0; if it throws, numPorts stays 0). Mirrors Factory.doStart.
  virtual void doStart();
  /// The reverse of doStart; stopFactory() runs when the last user stops
  /// (an extra doStop is ignored). Mirrors Factory.doStop.
  virtual void doStop();
  /// Set up shared state. Mirrors Factory.startFactory.
  virtual void startFactory() {}
  /// Tear down shared state. Mirrors Factory.stopFactory.
  virtual void stopFactory() {}

  /// The class name. Mirrors Factory.logPrefix.
  std::string logPrefix() const override;

  /// What buildProtocol makes (Twisted's `protocol` class attribute).
  std::function<std::unique_ptr<Protocol>()> protocol;
  /// Log "Starting factory ..."/"Stopping factory ..." (Factory.noisy).
  bool noisy = true;
  /// How many ports/connectors use this factory (Factory.numPorts).
  int numPorts = 0;
};

/// Marker for factories of listening ports. Mirrors protocol.ServerFactory.
class ServerFactory : public Factory {};

class IConnector;

/// A factory for outgoing connections, told how connecting went.
/// Mirrors: twisted.internet.protocol.ClientFactory.
class TWISTED_API ClientFactory : public Factory {
 public:
  /// A connection attempt began. Mirrors ClientFactory.startedConnecting.
  virtual void startedConnecting(IConnector& connector);
  /// The attempt failed (refused, timed out, DNS, stopped ...); calling
  /// connector.connect() here retries. Mirrors ClientFactory.clientConnectionFailed.
  virtual void clientConnectionFailed(IConnector& connector, const python::Failure& reason);
  /// An established connection ended; connector.connect() reconnects.
  /// Mirrors ClientFactory.clientConnectionLost.
  virtual void clientConnectionLost(IConnector& connector, const python::Failure& reason);
};

/// An outgoing connection's handle. Mirrors twisted.internet.interfaces.IConnector.
class TWISTED_API IConnector {
 public:
  virtual ~IConnector() = default;
  /// Stops an attempt in progress (the factory gets UserError).
  /// Mirrors IConnector.stopConnecting.
  virtual void stopConnecting() = 0;
  /// stopConnecting() or loseConnection(), depending on the state.
  /// Mirrors IConnector.disconnect.
  virtual void disconnect() = 0;
  /// Tries again (only when disconnected). Mirrors IConnector.connect.
  virtual void connect() = 0;
  /// Where it connects to. Mirrors IConnector.getDestination.
  virtual Address getDestination() const = 0;
};

}  // namespace twisted::internet
