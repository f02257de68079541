// IReactorMulticast: UDP ports that join multicast groups.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/interfaces/imulticast_transport.h>
#include <twisted/internet/interfaces/ireactor_udp.h>

namespace twisted::internet {

/// What listenMulticast returns: a UDP port with the multicast options.
/// Mirrors: twisted.internet.udp.MulticastPort.
class TWISTED_API IMulticastPort : public IUDPPort, public IMulticastTransport {};

/// Mirrors: twisted.internet.interfaces.IReactorMulticast.
class TWISTED_API IReactorMulticast {
 public:
  virtual ~IReactorMulticast() = default;

  /// listenUDP, on a port whose transport is also an IMulticastTransport
  /// (transport->multicast()). `listenMultiple` sets SO_REUSEADDR and
  /// SO_REUSEPORT, so several sockets (processes) can bind the same port and
  /// each receive the group's datagrams.
  /// Mirrors IReactorMulticast.listenMulticast.
  /// @throws error::InvalidAddressError, error::CannotListenError
  virtual std::shared_ptr<IMulticastPort> listenMulticast(
      int port, std::shared_ptr<DatagramProtocol> protocol, std::string_view interface = "",
      int maxPacketSize = 8192, bool listenMultiple = false) = 0;
};

}  // namespace twisted::internet
