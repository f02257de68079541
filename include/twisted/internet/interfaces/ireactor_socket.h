// IReactorSocket: using sockets made elsewhere (inherited, passed over a
// Unix socket, made by a supervisor).
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_udp.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorSocket. The caller keeps its descriptor: the
/// reactor works on a close-on-exec, non-blocking duplicate, as Twisted
/// does, so the caller should close its own once the call returned.
/// `addressFamily` is AF_INET, AF_INET6 or AF_UNIX and must be the socket's.
class TWISTED_API IReactorSocket {
 public:
  virtual ~IReactorSocket() = default;

  /// Accepts connections on `fileDescriptor`, a bound, listening
  /// SOCK_STREAM socket, building a protocol with `factory` for each; calls
  /// factory->doStart(). Stopping the port closes the duplicate only (a
  /// Unix socket's file is left alone). Mirrors IReactorSocket.adoptStreamPort.
  /// @throws error::CannotListenError if it is not such a socket of that
  ///         family (or cannot be duplicated), naming the reason.
  virtual std::shared_ptr<IListeningPort> adoptStreamPort(int fileDescriptor, int addressFamily,
                                                          std::shared_ptr<Factory> factory) = 0;

  /// Uses `fileDescriptor`, a connected SOCK_STREAM socket, as a server-side
  /// connection: `factory` builds its protocol (buildProtocol gets the
  /// peer's address) and connectionMade follows. The factory is not
  /// started (Twisted does not either). Mirrors IReactorSocket.adoptStreamConnection.
  /// @throws std::invalid_argument if it is not a connected stream socket of
  ///         that family; std::system_error if it cannot be duplicated or
  ///         watched. Nothing is kept then.
  virtual void adoptStreamConnection(int fileDescriptor, int addressFamily,
                                     std::shared_ptr<Factory> factory) = 0;

  /// Serves `protocol` on `fileDescriptor`, a bound SOCK_DGRAM socket (UDP,
  /// or a Unix datagram socket, which Twisted does not adopt), as listenUDP
  /// would: makeConnection, then reading; the port is the transport.
  /// Stopping it closes the duplicate only. Mirrors IReactorSocket.adoptDatagramPort.
  /// @throws error::CannotListenError if it is not such a socket of that
  ///         family (or cannot be duplicated), naming the reason.
  virtual std::shared_ptr<IUDPPort> adoptDatagramPort(int fileDescriptor, int addressFamily,
                                                      std::shared_ptr<DatagramProtocol> protocol,
                                                      int maxPacketSize = 8192) = 0;
};

}  // namespace twisted::internet
