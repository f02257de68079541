// IReactorTCP: listening for and making TCP connections.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/internet/address.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// A listening port. Mirrors: twisted.internet.interfaces.IListeningPort.
class TWISTED_API IListeningPort {
 public:
  virtual ~IListeningPort() = default;
  /// Starts listening again after stopListening (listenTCP already started it).
  /// Mirrors IListeningPort.startListening.
  /// @throws error::CannotListenError
  virtual void startListening() = 0;
  /// Stops accepting; connections already accepted stay open. The Deferred
  /// fires once the socket is closed and the factory's doStop has run.
  /// Mirrors IListeningPort.stopListening (loseConnection).
  virtual defer::Deferred<void> stopListening() = 0;
  /// The address it listens on (the real port when 0 was asked for).
  /// Mirrors IListeningPort.getHost.
  virtual Address getHost() const = 0;
};

/// Mirrors: twisted.internet.interfaces.IReactorTCP. Ports and connectors are
/// shared between the reactor (while listening / connecting / connected) and
/// the caller; dropping the returned pointer does not stop them.
class TWISTED_API IReactorTCP {
 public:
  virtual ~IReactorTCP() = default;

  /// Listens on `port` (0: any free port) of `interface` ("" = all IPv4
  /// interfaces, "::" = all IPv6, or an address) and builds a protocol with
  /// `factory` for each accepted connection. Calls factory->doStart().
  /// Mirrors IReactorTCP.listenTCP.
  /// @throws error::CannotListenError naming the address and the OS reason.
  virtual std::shared_ptr<IListeningPort> listenTCP(int port, std::shared_ptr<Factory> factory,
                                                    int backlog = 50,
                                                    std::string_view interface = "") = 0;

  /// Connects to `host` (a name is resolved without blocking the reactor)
  /// and `port`; the factory's startedConnecting, then buildProtocol +
  /// makeConnection or clientConnectionFailed (ConnectionRefusedError,
  /// TimeoutError after `timeout` seconds, DNSLookupError ...) follow.
  /// `bindAddress` is an optional local (host, port).
  /// Mirrors IReactorTCP.connectTCP.
  virtual std::shared_ptr<IConnector> connectTCP(
      std::string_view host, int port, std::shared_ptr<ClientFactory> factory, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {}) = 0;
};

}  // namespace twisted::internet
