// UDP and multicast on any FD-set reactor. Mirrors twisted.internet.udp;
// ReactorBase's listenUDP (IReactorUDP) and listenMulticast
// (IReactorMulticast) call these.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/interfaces/ireactor_multicast.h>
#include <twisted/internet/interfaces/ireactor_udp.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::udp {

/// IReactorUDP.listenUDP on `reactor`.
/// @throws error::InvalidAddressError, error::CannotListenError
TWISTED_API std::shared_ptr<IUDPPort> listenUDP(ReactorBase& reactor, int port,
                                                std::shared_ptr<DatagramProtocol> protocol,
                                                std::string_view interface = "",
                                                int maxPacketSize = 8192);

/// IReactorMulticast.listenMulticast on `reactor`.
/// @throws error::InvalidAddressError, error::CannotListenError
TWISTED_API std::shared_ptr<IMulticastPort> listenMulticast(
    ReactorBase& reactor, int port, std::shared_ptr<DatagramProtocol> protocol,
    std::string_view interface = "", int maxPacketSize = 8192, bool listenMultiple = false);

}  // namespace twisted::internet::udp
