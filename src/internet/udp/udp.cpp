#include <twisted/internet/udp.h>

#include "internet/udp/port.h"

namespace twisted::internet::udp {

std::shared_ptr<IUDPPort> listenUDP(ReactorBase& reactor, int port,
                                    std::shared_ptr<DatagramProtocol> protocol,
                                    std::string_view interface, int maxPacketSize) {
  auto p = std::make_shared<detail::Port>(reactor, port, std::move(protocol),
                                          std::string(interface), maxPacketSize, false, false);
  p->startListening();
  return p;
}

std::shared_ptr<IMulticastPort> listenMulticast(ReactorBase& reactor, int port,
                                                std::shared_ptr<DatagramProtocol> protocol,
                                                std::string_view interface, int maxPacketSize,
                                                bool listenMultiple) {
  auto p =
      std::make_shared<detail::Port>(reactor, port, std::move(protocol), std::string(interface),
                                     maxPacketSize, true, listenMultiple);
  p->startListening();
  return p;
}

}  // namespace twisted::internet::udp

namespace twisted::internet {

std::shared_ptr<IUDPPort> ReactorBase::listenUDP(int port,
                                                 std::shared_ptr<DatagramProtocol> protocol,
                                                 std::string_view interface, int maxPacketSize) {
  return udp::listenUDP(*this, port, std::move(protocol), interface, maxPacketSize);
}

std::shared_ptr<IMulticastPort> ReactorBase::listenMulticast(
    int port, std::shared_ptr<DatagramProtocol> protocol, std::string_view interface,
    int maxPacketSize, bool listenMultiple) {
  return udp::listenMulticast(*this, port, std::move(protocol), interface, maxPacketSize,
                              listenMultiple);
}

}  // namespace twisted::internet
