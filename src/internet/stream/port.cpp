#include "internet/stream/port.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <system_error>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "internet/stream/connection.h"
#include "internet/stream/sockets.h"
#include "internet/unix/connection.h"
#include "internet/unix/lockfile.h"

namespace twisted::internet::stream::detail {

namespace log = python::log;
using python::Failure;

Port::Port(ReactorBase& reactor, int port, std::shared_ptr<Factory> factory, int backlog,
           std::string interface)
    : reactor_(reactor),
      requestedPort_(port),
      factory_(std::move(factory)),
      backlog_(backlog),
      interface_(std::move(interface)) {}

Port::Port(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<Factory> factory, int backlog)
    : reactor_(reactor),
      requestedPort_(0),
      factory_(std::move(factory)),
      backlog_(backlog),
      family_(AF_UNIX),
      unixSpec_(std::move(spec)) {}

Port::Port(ReactorBase& reactor, int fd, int family, std::shared_ptr<Factory> factory)
    : reactor_(reactor),
      requestedPort_(0),
      factory_(std::move(factory)),
      backlog_(0),
      family_(family),
      adoptedFd_(fd) {}

Port::~Port() {
  if (fd_ >= 0) ::close(fd_);
  if (adoptedFd_ >= 0) ::close(adoptedFd_);
  if (reservedFd_ >= 0) ::close(reservedFd_);
  if (lockHeld_) unix_::detail::unlockFile(unixSpec_.path + ".lock");
}

void Port::cannotListen(const std::string& reason) const {
  if (family_ == AF_UNIX) throw error::CannotListenError::forPath(unixSpec_.path, reason);
  throw error::CannotListenError(interface_, requestedPort_, reason);
}

int Port::openInet() {
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
  family_ = addr->family();
  return fd;
}

namespace {
// A socket file nobody accepts on: connect() is refused at once (a live
// server with a full backlog says EAGAIN instead).
bool staleSocketFile(const SockAddr& addr, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  bool refused = ::connect(probe, addr.get(), addr.length) != 0 && errno == ECONNREFUSED;
  ::close(probe);
  return refused;
}
}  // namespace

int Port::openUnix() {
  const std::string& path = unixSpec_.path;
  std::string why;
  std::optional<SockAddr> addr = unixAddress(path, &why);
  if (!addr) cannotListen(why);
  const bool inFilesystem = path.front() != '\0';
  if (unixSpec_.wantPID && !lockHeld_) {
    bool clean = true;
    bool locked = false;
    try {
      locked = unix_::detail::lockFile(path + ".lock", &clean);
    } catch (const std::system_error& e) {
      cannotListen(e.what());
    }
    if (!locked) cannotListen("Cannot acquire lock");
    lockHeld_ = true;
    // Its owner died: best effort at removing the socket it left (bind
    // reports it if this fails).
    struct stat st {};
    if (!clean && inFilesystem && ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
      ::unlink(path.c_str());
  }
  auto fail = [&](int err) {
    if (lockHeld_) {
      unix_::detail::unlockFile(path + ".lock");
      lockHeld_ = false;
    }
    cannotListen(errnoText(err));
  };
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(errno);
  int rc = ::bind(fd, addr->get(), addr->length);
  if (rc != 0 && errno == EADDRINUSE && inFilesystem && staleSocketFile(*addr, path)) {
    // A dead server's socket file: nobody can be using it (see IReactorUNIX).
    ::unlink(path.c_str());
    rc = ::bind(fd, addr->get(), addr->length);
  }
  if (rc != 0 ||
      (inFilesystem && ::chmod(path.c_str(), static_cast<mode_t>(unixSpec_.mode)) != 0) ||
      ::listen(fd, backlog_) != 0) {
    int err = errno;
    if (rc == 0 && inFilesystem) ::unlink(path.c_str());  // bound by us: remove it
    ::close(fd);
    fail(err);
  }
  return fd;
}

std::string Port::describe() const {
  if (family_ == AF_UNIX) return hostOf(getHost());
  return std::to_string(portOf(getHost()));
}

void Port::startListening() {
  if (listening_) return;
  if (adoptedFd_ >= 0) {
    fd_ = std::exchange(adoptedFd_, -1);
  } else {
    fd_ = family_ == AF_UNIX ? openUnix() : openInet();
  }
  host_ = localAddress(fd_);
  // Twisted's order: "X starting on N", then the factory starts. If
  // startFactory() throws, listenTCP does, and nothing stays open or held.
  log::msg(factory_->logPrefix() + " starting on " + describe());
  try {
    factory_->doStart();
  } catch (...) {
    closeSocket();
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
    closeSocket();
    factory_->doStop();
    cannotListen(e.what());
  }
}

DescriptorResult Port::doRead() {
  for (int i = 0; i < numberAccepts && listening_; ++i) {
    SockAddr peer;
    peer.length = sizeof peer.storage;
    int fd = ::accept4(fd_, peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      acceptOne(fd, peer.get(), peer.length);
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

void Port::acceptOne(int fd, const sockaddr* peer, socklen_t peerLength) {
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(toAddress(peer, peerLength));
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in buildProtocol");
  }
  if (!protocol) {
    ::close(fd);  // refused: closed at once
    return;
  }
  int session = sessionno_++;
  std::shared_ptr<Connection> connection;
  if (peer->sa_family == AF_UNIX) {
    connection = std::make_shared<unix_::detail::UNIXConnection>(reactor_, fd, peer, peerLength,
                                                                 factory_, session, nullptr);
  } else {
    connection =
        std::make_shared<Connection>(reactor_, fd, peer, peerLength, factory_, session, nullptr);
  }
  try {
    Connection::start(std::move(connection), std::move(protocol));
  } catch (const std::exception& e) {
    // The reactor cannot watch this socket (select: fd >= FD_SETSIZE; epoll:
    // ENOMEM, ENOSPC): refuse this connection only (start() closed it) and
    // keep accepting. Said once per port: under load it repeats.
    if (!refusalLogged_) {
      refusalLogged_ = true;
      log::msg("Refusing a connection from " + toString(toAddress(peer, peerLength)) +
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
    // Twisted's unix.Port.connectionLost: the socket file goes, then the
    // lock. An adopted socket's file is its owner's business.
    if (family_ == AF_UNIX && !unixSpec_.path.empty() && unixSpec_.path.front() != '\0')
      ::unlink(unixSpec_.path.c_str());
  }
  if (lockHeld_) {
    unix_::detail::unlockFile(unixSpec_.path + ".lock");
    lockHeld_ = false;
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
    std::string port = describe();
    closeSocket();
    log::msg((family_ == AF_UNIX ? "(UNIX Port " : "(TCP Port ") + port + " Closed)");
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
    std::string port = describe();
    closeSocket();
    log::msg((family_ == AF_UNIX ? "(UNIX Port " : "(TCP Port ") + port + " Closed)");
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
  return factory_->logPrefix() + (family_ == AF_UNIX ? " (UNIX)" : " (TCP)");
}

}  // namespace twisted::internet::stream::detail
