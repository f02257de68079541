// IReactorUNIXDatagram (listenUNIXDatagram, connectUNIXDatagram) and
// IReactorSocket.adoptDatagramPort: entry points onto the one datagram port
// (src/internet/udp/port.*), here with AF_UNIX or an adopted socket.
#include <sys/socket.h>

#include <string>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/unix.h>

#include "internet/stream/sockets.h"
#include "internet/udp/port.h"

namespace twisted::internet::unix_ {

std::shared_ptr<IUDPPort> listenUNIXDatagram(ReactorBase& reactor, std::string_view address,
                                             std::shared_ptr<DatagramProtocol> protocol,
                                             int maxPacketSize, int mode) {
  if (address.empty())
    throw error::CannotListenError::forPath("", "listenUNIXDatagram needs a path");
  auto p = std::make_shared<udp::detail::Port>(
      reactor, udp::detail::Port::UnixSpec{std::string(address), mode, false, {}},
      std::move(protocol), maxPacketSize);
  p->startListening();
  return p;
}

std::shared_ptr<IUDPPort> connectUNIXDatagram(ReactorBase& reactor, std::string_view address,
                                              std::shared_ptr<ConnectedDatagramProtocol> protocol,
                                              int maxPacketSize, int mode,
                                              std::string_view bindAddress) {
  auto p = std::make_shared<udp::detail::Port>(
      reactor,
      udp::detail::Port::UnixSpec{std::string(bindAddress), mode, true, std::string(address)},
      std::move(protocol), maxPacketSize);
  p->startListening();
  return p;
}

}  // namespace twisted::internet::unix_

namespace twisted::internet {

std::shared_ptr<IUDPPort> ReactorBase::listenUNIXDatagram(
    std::string_view address, std::shared_ptr<DatagramProtocol> protocol, int maxPacketSize,
    int mode) {
  return unix_::listenUNIXDatagram(*this, address, std::move(protocol), maxPacketSize, mode);
}

std::shared_ptr<IUDPPort> ReactorBase::connectUNIXDatagram(
    std::string_view address, std::shared_ptr<ConnectedDatagramProtocol> protocol,
    int maxPacketSize, int mode, std::string_view bindAddress) {
  return unix_::connectUNIXDatagram(*this, address, std::move(protocol), maxPacketSize, mode,
                                    bindAddress);
}

std::shared_ptr<IUDPPort> ReactorBase::adoptDatagramPort(int fileDescriptor, int addressFamily,
                                                         std::shared_ptr<DatagramProtocol> protocol,
                                                         int maxPacketSize) {
  auto refuse = [](const std::string& why) {
    throw error::CannotListenError("", 0, "adoptDatagramPort: " + why);
  };
  std::string why = stream::detail::checkAdoptable(fileDescriptor, addressFamily, SOCK_DGRAM);
  if (!why.empty()) refuse(why);
  stream::detail::AdoptedFd copy{stream::detail::duplicateForAdoption(fileDescriptor, &why)};
  if (copy.fd < 0) refuse(why);
  auto p = std::make_shared<udp::detail::Port>(*this, copy.release(), addressFamily,
                                               std::move(protocol), maxPacketSize);
  p->startListening();
  return p;
}

}  // namespace twisted::internet
