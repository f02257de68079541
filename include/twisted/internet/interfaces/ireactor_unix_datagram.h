// IReactorUNIXDatagram: Unix datagram sockets.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/interfaces/ireactor_udp.h>

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorUNIXDatagram. The ports are
/// the UDP ports' class with AF_UNIX: write(datagram, UNIXAddress{path}),
/// datagramReceived(data, UNIXAddress{sender path}, "" if the sender is
/// unbound). A path starting with a NUL byte is in Linux's abstract
/// namespace. Unlike Twisted, a port removes the socket file it made when it
/// stops (a file left by a crash still makes listening fail, as in Twisted).
class TWISTED_API IReactorUNIXDatagram {
 public:
  virtual ~IReactorUNIXDatagram() = default;

  /// Binds a Unix datagram socket to `address` (its file gets `mode`),
  /// connects `protocol` to it and starts reading; datagrams longer than
  /// `maxPacketSize` are truncated. Mirrors IReactorUNIXDatagram.listenUNIXDatagram.
  /// @throws error::CannotListenError naming the path and the reason (in
  ///         use, too long for sun_path, ...).
  virtual std::shared_ptr<IUDPPort> listenUNIXDatagram(std::string_view address,
                                                       std::shared_ptr<DatagramProtocol> protocol,
                                                       int maxPacketSize = 8192,
                                                       int mode = 0666) = 0;

  /// A datagram socket connected to `address`, bound to `bindAddress` if not
  /// empty (so the peer can answer): write(datagram) sends to the peer, and
  /// only its datagrams arrive. If binding or connecting fails, nothing is
  /// thrown: the protocol's connectionFailed() hears why (Twisted's
  /// ConnectedDatagramPort), and the port returned is not listening.
  /// Mirrors IReactorUNIXDatagram.connectUNIXDatagram.
  virtual std::shared_ptr<IUDPPort> connectUNIXDatagram(
      std::string_view address, std::shared_ptr<ConnectedDatagramProtocol> protocol,
      int maxPacketSize = 8192, int mode = 0666, std::string_view bindAddress = "") = 0;
};

}  // namespace twisted::internet
