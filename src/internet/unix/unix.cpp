// IReactorUNIX (listenUNIX, connectUNIX) and IReactorSocket (adoptStreamPort,
// adoptStreamConnection): entry points onto the shared stream port,
// connector and connection (src/internet/stream/).
#include <twisted/internet/unix.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "internet/stream/connector.h"
#include "internet/stream/port.h"
#include "internet/stream/sockets.h"
#include "internet/unix/connection.h"

namespace twisted::internet::unix_ {

std::shared_ptr<IListeningPort> listenUNIX(ReactorBase& reactor, std::string_view address,
                                           std::shared_ptr<Factory> factory, int backlog, int mode,
                                           bool wantPID) {
  auto p = std::make_shared<stream::detail::Port>(
      reactor, stream::detail::Port::UnixSpec{std::string(address), mode, wantPID},
      std::move(factory), backlog);
  p->startListening();
  return p;
}

std::shared_ptr<IConnector> connectUNIX(ReactorBase& reactor, std::string_view address,
                                        std::shared_ptr<ClientFactory> factory, double timeout,
                                        bool checkPID) {
  auto c = std::make_shared<stream::detail::Connector>(
      reactor, stream::detail::Connector::UnixSpec{std::string(address), checkPID},
      std::move(factory), timeout);
  c->connect();
  return c;
}

}  // namespace twisted::internet::unix_

namespace twisted::internet {

namespace {

using stream::detail::AdoptedFd;

}  // namespace

std::shared_ptr<IListeningPort> ReactorBase::listenUNIX(std::string_view address,
                                                        std::shared_ptr<Factory> factory,
                                                        int backlog, int mode, bool wantPID) {
  return unix_::listenUNIX(*this, address, std::move(factory), backlog, mode, wantPID);
}

std::shared_ptr<IConnector> ReactorBase::connectUNIX(std::string_view address,
                                                     std::shared_ptr<ClientFactory> factory,
                                                     double timeout, bool checkPID) {
  return unix_::connectUNIX(*this, address, std::move(factory), timeout, checkPID);
}

std::shared_ptr<IListeningPort> ReactorBase::adoptStreamPort(int fileDescriptor, int addressFamily,
                                                             std::shared_ptr<Factory> factory) {
  auto refuse = [&](const std::string& why) {
    throw error::CannotListenError("", 0, "adoptStreamPort: " + why);
  };
  std::string why = stream::detail::checkAdoptable(fileDescriptor, addressFamily, SOCK_STREAM);
  if (!why.empty()) refuse(why);
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fileDescriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
    refuse("fd " + std::to_string(fileDescriptor) + " is not a listening socket");
  AdoptedFd copy{stream::detail::duplicateForAdoption(fileDescriptor, &why)};
  if (copy.fd < 0) refuse(why);
  auto p = std::make_shared<stream::detail::Port>(*this, copy.release(), addressFamily,
                                                  std::move(factory));
  p->startListening();
  return p;
}

void ReactorBase::adoptStreamConnection(int fileDescriptor, int addressFamily,
                                        std::shared_ptr<Factory> factory) {
  std::string why = stream::detail::checkAdoptable(fileDescriptor, addressFamily, SOCK_STREAM);
  if (!why.empty()) throw std::invalid_argument("adoptStreamConnection: " + why);
  stream::detail::SockAddr peer;
  peer.length = sizeof peer.storage;
  if (::getpeername(fileDescriptor, peer.get(), &peer.length) != 0)
    throw std::invalid_argument("adoptStreamConnection: fd " + std::to_string(fileDescriptor) +
                                " is not connected (" + stream::detail::errnoText(errno) + ")");
  AdoptedFd copy{stream::detail::duplicateForAdoption(fileDescriptor, &why)};
  if (copy.fd < 0)
    throw std::system_error(errno, std::generic_category(), "adoptStreamConnection: " + why);
  std::unique_ptr<Protocol> protocol =
      factory->buildProtocol(stream::detail::toAddress(peer.get(), peer.length));
  if (!protocol) return;  // refused: the duplicate closes
  std::shared_ptr<stream::detail::Connection> connection;
  if (addressFamily == AF_UNIX) {
    connection = std::make_shared<unix_::detail::UNIXConnection>(
        *this, copy.release(), peer.get(), peer.length, std::move(factory), 0, nullptr);
  } else {
    connection = std::make_shared<stream::detail::Connection>(
        *this, copy.release(), peer.get(), peer.length, std::move(factory), 0, nullptr);
  }
  stream::detail::Connection::start(std::move(connection), std::move(protocol));
}

}  // namespace twisted::internet
