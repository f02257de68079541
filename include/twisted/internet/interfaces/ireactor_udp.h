// IReactorUDP: listening on UDP ports.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/iudp_transport.h>

namespace twisted::internet {

/// What listenUDP returns: the listening port, which is also the protocol's
/// transport. Mirrors: twisted.internet.udp.Port (IListeningPort + IUDPTransport).
class TWISTED_API IUDPPort : public IListeningPort, public IUDPTransport {
 public:
  /// Mirrors udp.Port.stopListening (see IUDPTransport::stopListening).
  defer::Deferred<void> stopListening() override = 0;
  /// Mirrors udp.Port.getHost (see IUDPTransport::getHost).
  Address getHost() const override = 0;
};

/// Mirrors: twisted.internet.interfaces.IReactorUDP. The port is shared
/// between the reactor (while listening) and the caller; dropping the
/// returned pointer does not stop it.
class TWISTED_API IReactorUDP {
 public:
  virtual ~IReactorUDP() = default;

  /// Binds a UDP socket to `port` (0: any free port) of `interface` ("" =
  /// all IPv4 interfaces, "::" = all IPv6, or an address literal), connects
  /// `protocol` to it (makeConnection: startProtocol for its first port) and
  /// starts reading. Datagrams longer than `maxPacketSize` are truncated.
  /// Mirrors IReactorUDP.listenUDP.
  /// @throws error::InvalidAddressError if `interface` is not an IP literal;
  ///         error::CannotListenError naming the address and the OS reason.
  virtual std::shared_ptr<IUDPPort> listenUDP(int port, std::shared_ptr<DatagramProtocol> protocol,
                                              std::string_view interface = "",
                                              int maxPacketSize = 8192) = 0;
};

}  // namespace twisted::internet
