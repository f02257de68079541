#include "internet/tcp/port.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "internet/tcp/connection.h"
#include "internet/tcp/sockets.h"

namespace twisted::internet::tcp::detail {

namespace log = python::log;
using python::Failure;

Port::Port(ReactorBase& reactor, int port, std::shared_ptr<Factory> factory, int backlog,
           std::string interface)
    : reactor_(reactor),
      requestedPort_(port),
      factory_(std::move(factory)),
      backlog_(backlog),
      interface_(std::move(interface)) {}

Port::~Port() {
  if (fd_ >= 0) ::close(fd_);
  if (reservedFd_ >= 0) ::close(reservedFd_);
}

void Port::startListening() {
  if (listening_) return;
  if (requestedPort_ < 0 || requestedPort_ > 65535)
    throw error::CannotListenError(interface_, requestedPort_, "port out of range 0-65535");
  std::optional<SockAddr> addr =
      parseLiteral(interface_.empty() ? std::string_view("0.0.0.0") : interface_, requestedPort_);
  if (!addr) {
    throw error::CannotListenError(interface_, requestedPort_,
                                   "the interface must be an IPv4 or IPv6 address literal");
  }
  int fd = ::socket(addr->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw error::CannotListenError(interface_, requestedPort_, errnoText(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, addr->get(), addr->length) != 0 || ::listen(fd, backlog_) != 0) {
    int err = errno;
    ::close(fd);
    throw error::CannotListenError(interface_, requestedPort_, errnoText(err));
  }
  fd_ = fd;
  host_ = localAddress(fd_);
  // Twisted's order: "X starting on N", then the factory starts. If
  // startFactory() throws, listenTCP does, and nothing stays open or held.
  log::msg(factory_->logPrefix() + " starting on " + std::to_string(portOf(getHost())));
  try {
    factory_->doStart();
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  if (reservedFd_ < 0) reservedFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  listening_ = true;
  reactor_.holdKeepAlive(keepAlive_, shared_from_this());
  try {
    reactor_.addReader(this);
  } catch (const std::exception& e) {
    // The reactor cannot watch the socket (select: fd >= FD_SETSIZE).
    listening_ = false;
    std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
    ::close(fd_);
    fd_ = -1;
    factory_->doStop();
    throw error::CannotListenError(interface_, requestedPort_, e.what());
  }
}

DescriptorResult Port::doRead() {
  for (int i = 0; i < numberAccepts && listening_; ++i) {
    SockAddr peer;
    peer.length = sizeof peer.storage;
    int fd = ::accept4(fd_, peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      acceptOne(fd, peer.get());
      continue;
    }
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM) continue;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      // Out of descriptors: shed the waiting connection rather than spin on
      // a readable socket we cannot accept from, and keep serving.
      if (!handleFdExhaustion()) break;
      continue;
    }
    log::msg("Could not accept new connection (" + errnoText(err) + ")");
    break;
  }
  return std::nullopt;
}

bool Port::handleFdExhaustion() {
  log::msg("Could not accept new connection (EMFILE/ENFILE): closing it");
  if (reservedFd_ < 0) return false;
  ::close(reservedFd_);
  reservedFd_ = -1;
  int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  reservedFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0;
}

void Port::acceptOne(int fd, const sockaddr* peer) {
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(toAddress(peer));
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in buildProtocol");
  }
  if (!protocol) {
    ::close(fd);  // refused: closed at once
    return;
  }
  int session = sessionno_++;
  auto connection = std::make_shared<Connection>(reactor_, fd, peer, factory_, session, nullptr);
  try {
    Connection::start(std::move(connection), std::move(protocol));
  } catch (const std::exception& e) {
    // The reactor cannot watch this socket (select: fd >= FD_SETSIZE; epoll:
    // ENOMEM, ENOSPC): refuse this connection only (start() closed it) and
    // keep accepting. Said once per port: under load it repeats.
    if (!refusalLogged_) {
      refusalLogged_ = true;
      log::msg("Refusing a connection from " + toString(toAddress(peer)) +
               ": the reactor cannot watch its socket (" + e.what() +
               "); further connections refused for this reason are not logged");
    }
  }
}

void Port::closeSocket() {
  if (fd_ >= 0) {
    reactor_.removeReader(this);
    ::close(fd_);
    fd_ = -1;
  }
}

defer::Deferred<void> Port::stopListening() {
  defer::Deferred<void> d;
  if (!listening_) {
    d.callback();
    return d;
  }
  listening_ = false;
  reactor_.removeReader(this);  // stop accepting now; close on the next iteration
  reactor_.callLater(0, [this, keep = reactor_.releaseKeepAlive(keepAlive_), d]() mutable {
    int port = portOf(getHost());
    closeSocket();
    log::msg("(TCP Port " + std::to_string(port) + " Closed)");
    factory_->doStop();
    d.callback();
  });
  return d;
}

void Port::connectionLost(const Failure&) {
  // Reactor shutdown: close and stop the factory.
  std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
  if (listening_) {
    listening_ = false;
    int port = portOf(getHost());
    closeSocket();
    log::msg("(TCP Port " + std::to_string(port) + " Closed)");
    factory_->doStop();
  }
  // The caller's logging context is this port: leave it before the last
  // reference may go, so a factory destructor that logs does not reach a
  // half-destroyed Port (Connection::connectionLost does the same).
  log::LoggingContextScope noContext(nullptr);
  keep.reset();
}

Address Port::getHost() const {
  return host_;
}

std::string Port::logPrefix() const {
  return factory_->logPrefix() + " (TCP)";
}

}  // namespace twisted::internet::tcp::detail
