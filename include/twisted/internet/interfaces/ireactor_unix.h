// IReactorUNIX: listening for and making Unix stream socket connections.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorUNIX (stream sockets; the
/// datagram half, listenUNIXDatagram, is not here). A path starting with a
/// NUL byte is in Linux's abstract namespace: no file is made or removed.
/// Ports and connectors are shared as for IReactorTCP.
class TWISTED_API IReactorUNIX {
 public:
  virtual ~IReactorUNIX() = default;

  /// Listens on the Unix socket `address` and builds a protocol with
  /// `factory` for each accepted connection; the socket file gets `mode`
  /// and is removed when the port stops. With `wantPID`, the lock file
  /// `address + ".lock"` (twisted.python.lockfile's symlink to our pid) is
  /// taken first: if a live process holds it, listening fails; if its owner
  /// died, the stale socket file is removed and listening goes on. Unlike
  /// Twisted, without `wantPID` a stale socket file (one nobody accepts on:
  /// connect() is refused) is removed too; a live one is never touched.
  /// Mirrors IReactorUNIX.listenUNIX.
  /// @throws error::CannotListenError naming the path and the reason (a path
  ///         longer than sun_path, address in use, lock held ...).
  virtual std::shared_ptr<IListeningPort> listenUNIX(std::string_view address,
                                                     std::shared_ptr<Factory> factory,
                                                     int backlog = 50, int mode = 0666,
                                                     bool wantPID = false) = 0;

  /// Connects to the Unix socket `address`; the factory hears how it went as
  /// for connectTCP (ConnectionRefusedError if nobody listens, ConnectError
  /// naming the reason for a bad path, TimeoutError after `timeout`
  /// seconds). With `checkPID`, fails with error::BadFileError unless a live
  /// process holds `address + ".lock"`. Mirrors IReactorUNIX.connectUNIX.
  virtual std::shared_ptr<IConnector> connectUNIX(std::string_view address,
                                                  std::shared_ptr<ClientFactory> factory,
                                                  double timeout = 30, bool checkPID = false) = 0;
};

}  // namespace twisted::internet
