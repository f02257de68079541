#include "internet/stream/connector.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/iresolver_simple.h>
#include <twisted/python/log.h>

#include "internet/stream/connection.h"
#include "internet/unix/connection.h"
#include "internet/unix/lockfile.h"

namespace twisted::internet::stream::detail {

namespace log = python::log;
using python::Failure;

namespace {
// The reactor refused to watch the socket (select: fd >= FD_SETSIZE; epoll:
// ENOMEM, ENOSPC): this attempt fails, the reactor goes on.
Failure unwatchable(const std::exception& e) {
  return Failure(error::ConnectError(
      "", std::string("the reactor cannot watch the socket (") + e.what() + ")"));
}
}  // namespace

Connector::Connector(ReactorBase& reactor, std::string host, int port,
                     std::shared_ptr<ClientFactory> factory, double timeout,
                     std::optional<std::pair<std::string, int>> bindAddress)
    : reactor_(reactor),
      host_(std::move(host)),
      port_(port),
      factory_(std::move(factory)),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)) {}

Connector::Connector(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<ClientFactory> factory,
                     double timeout)
    : reactor_(reactor),
      port_(0),
      factory_(std::move(factory)),
      timeout_(timeout),
      unixSpec_(std::move(spec)) {}

Connector::~Connector() {
  if (timeoutCall_.active()) timeoutCall_.cancel();
  if (fd_ >= 0) ::close(fd_);
}

void Connector::connect() {
  if (state_ != State::kDisconnected) throw std::runtime_error("can't connect in this state");
  state_ = State::kConnecting;
  reactor_.holdKeepAlive(keepAlive_, shared_from_this());
  if (!factoryStarted_) {
    factory_->doStart();
    factoryStarted_ = true;
  }
  std::uint64_t attempt = ++attempt_;
  if (timeout_ > 0) {
    std::weak_ptr<Connector> weak = weak_from_this();
    timeoutCall_ = reactor_.callLater(timeout_, [weak, attempt] {
      auto self = weak.lock();
      if (self && attempt == self->attempt_ && self->state_ == State::kConnecting)
        self->failIfNotConnected(Failure(error::TimeoutError()));
    });
  }
  factory_->startedConnecting(*this);
  if (state_ != State::kConnecting || attempt != attempt_) return;  // stopped from the callback

  if (unixSpec_) {
    // As Twisted's unix.Client: the connect (or its failure) happens on the
    // next iteration, never inside connectUNIX().
    std::weak_ptr<Connector> weak = weak_from_this();
    reactor_.callLater(0, [weak, attempt] {
      if (auto self = weak.lock()) self->connectUnix(attempt);
    });
    return;
  }
  if (std::optional<SockAddr> literal = parseLiteral(host_, port_)) {
    startConnect(*literal);
    return;
  }
  // A name: ask the reactor's resolver (IReactorPluggableResolver; by default
  // getaddrinfo on the thread pool). Twisted's lookup timeout is its own 60
  // s; ours is the connect timeout, so the lookup never outlives the attempt
  // (the attempt's timer, scheduled first, still fails it with TimeoutError).
  // The callbacks hold a weak reference: a dropped connector is freed meanwhile.
  const double lookupTimeout = timeout_ > 0 ? timeout_ : kDefaultResolveTimeout;
  defer::Deferred<std::string> lookup = defer::maybeDeferred(
      [&] { return reactor_.resolver()->getHostByName(host_, lookupTimeout); });
  lookup_ = lookup;
  std::weak_ptr<Connector> weak = weak_from_this();
  lookup.addCallbacks(
      [weak, attempt](std::string address) {
        if (auto self = weak.lock()) self->resolved(attempt, address);
      },
      [weak, attempt](Failure reason) {
        if (auto self = weak.lock()) self->resolutionFailed(attempt, reason);
      });
}

namespace {
// The resolver's answer (a numeric address, maybe with an IPv6 scope) and
// `port` as a socket address. AI_NUMERICHOST: never a network lookup.
std::optional<SockAddr> numericAddress(const std::string& address, int port) {
  if (std::optional<SockAddr> literal = parseLiteral(address, port)) return literal;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(address.c_str(), service.c_str(), &hints, &res) != 0 || !res) {
    if (res) ::freeaddrinfo(res);
    return std::nullopt;
  }
  SockAddr a;
  std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
  a.length = res->ai_addrlen;
  ::freeaddrinfo(res);
  return a;
}
}  // namespace

void Connector::connectUnix(std::uint64_t attempt) {
  if (attempt != attempt_ || state_ != State::kConnecting) return;
  const std::string& path = unixSpec_->path;
  if (unixSpec_->checkPID) {
    bool locked = false;
    try {
      locked = unix_::detail::isLocked(path + ".lock");
    } catch (const std::system_error& e) {
      failIfNotConnected(Failure(error::BadFileError(path, e.what())));
      return;
    }
    if (!locked) {
      failIfNotConnected(
          Failure(error::BadFileError(path, "no live process holds " + path + ".lock")));
      return;
    }
  }
  std::string why;
  std::optional<SockAddr> addr = unixAddress(path, &why);
  if (!addr) {
    failIfNotConnected(Failure(error::ConnectError(why)));
    return;
  }
  startConnect(*addr);
}

void Connector::resolved(std::uint64_t attempt, const std::string& address) {
  if (attempt != attempt_ || state_ != State::kConnecting) return;
  lookup_.reset();
  std::optional<SockAddr> addr = numericAddress(address, port_);
  if (!addr) {
    failIfNotConnected(Failure(error::DNSLookupError("address '" + host_ + "' resolved to '" +
                                                     address + "', not an IP address")));
    return;
  }
  startConnect(*addr);
}

void Connector::resolutionFailed(std::uint64_t attempt, const Failure& reason) {
  if (attempt != attempt_ || state_ != State::kConnecting) return;
  lookup_.reset();
  failIfNotConnected(reason);
}

void Connector::startConnect(const SockAddr& addr) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    failIfNotConnected(Failure(error::ConnectError(errnoText(errno))));
    return;
  }
  fd_ = fd;
  if (bindAddress_) {
    std::optional<SockAddr> local = parseLiteral(bindAddress_->first, bindAddress_->second);
    if (!local || ::bind(fd_, local->get(), local->length) != 0) {
      std::string why = local ? errnoText(errno) : "bind address must be an IP literal";
      failIfNotConnected(Failure(error::ConnectBindError(why)));
      return;
    }
  }
  if (::connect(fd_, addr.get(), addr.length) == 0) {
    connected();
    return;
  }
  int err = errno;
  if (err == EAGAIN && addr.family() == AF_UNIX) {
    // The server's backlog is full (Linux refuses a non-blocking Unix
    // connect then, and writability would not say when to retry): try again
    // shortly, within the attempt's timeout.
    closeSocket();
    std::weak_ptr<Connector> weak = weak_from_this();
    std::uint64_t attempt = attempt_;
    reactor_.callLater(0.01, [weak, attempt] {
      if (auto self = weak.lock()) self->connectUnix(attempt);
    });
    return;
  }
  if (err != EINPROGRESS && err != EINTR) {
    failIfNotConnected(connectFailure(err));
    return;
  }
  try {
    reactor_.addWriter(this);
  } catch (const std::exception& e) {
    failIfNotConnected(unwatchable(e));
    return;
  }
  writing_ = true;
}

DescriptorResult Connector::doWrite() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS || err == EALREADY) return std::nullopt;
  if (err != 0) {
    failIfNotConnected(connectFailure(err));
  } else {
    connected();
  }
  return std::nullopt;
}

void Connector::connected() {
  if (writing_) {
    reactor_.removeWriter(this);
    writing_ = false;
  }
  if (timeoutCall_.active()) timeoutCall_.cancel();
  timeoutCall_ = {};
  int fd = std::exchange(fd_, -1);
  SockAddr peer;  // family 0 (an unknown peer) if getpeername fails
  peer.length = sizeof peer.storage;
  if (::getpeername(fd, peer.get(), &peer.length) != 0) peer = {};
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(toAddress(peer.get(), peer.length));
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in buildProtocol");
  }
  if (!protocol) {
    fd_ = fd;
    failIfNotConnected(Failure(error::ConnectError("", "buildProtocol returned no protocol")));
    return;
  }
  std::shared_ptr<Connection> connection;
  if (unixSpec_) {
    connection = std::make_shared<unix_::detail::UNIXConnection>(
        reactor_, fd, peer.get(), peer.length, factory_, -1, shared_from_this());
  } else {
    connection = std::make_shared<Connection>(reactor_, fd, peer.get(), peer.length, factory_, -1,
                                              shared_from_this());
  }
  try {
    state_ = State::kConnected;
    transport_ = connection;
    Connection::start(std::move(connection), std::move(protocol));
  } catch (const std::exception& e) {
    // Nothing started, and the socket is closed: fail this attempt.
    state_ = State::kConnecting;
    transport_.reset();
    failIfNotConnected(unwatchable(e));
    return;
  }
  // The connection holds us from now on.
  std::shared_ptr<void> held = reactor_.releaseKeepAlive(keepAlive_);
}

void Connector::closeSocket() {
  if (writing_) {
    reactor_.removeWriter(this);
    writing_ = false;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void Connector::failIfNotConnected(const Failure& reason) {
  if (state_ != State::kConnecting) return;
  std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
  if (timeoutCall_.active()) timeoutCall_.cancel();
  timeoutCall_ = {};
  ++attempt_;
  if (lookup_) {
    // Abandon the lookup; our callbacks see the new attempt and ignore it.
    defer::Deferred<std::string> lookup = std::move(*lookup_);
    lookup_.reset();
    try {
      lookup.cancel();
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error cancelling a name lookup");
    }
  }
  closeSocket();
  state_ = State::kDisconnected;
  try {
    factory_->clientConnectionFailed(*this, reason);
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in clientConnectionFailed");
  }
  // connect() from inside clientConnectionFailed retries: keep the factory.
  if (state_ == State::kDisconnected && factoryStarted_) {
    factoryStarted_ = false;
    factory_->doStop();
  }
}

void Connector::stopConnecting() {
  if (state_ != State::kConnecting) throw error::NotConnectingError();
  failIfNotConnected(Failure(error::UserError()));
}

void Connector::disconnect() {
  if (state_ == State::kConnecting) {
    stopConnecting();
  } else if (state_ == State::kConnected) {
    if (auto t = transport_.lock()) t->loseConnection();
  }
}

void Connector::transportLost(const Failure& reason) {
  state_ = State::kDisconnected;
  transport_.reset();
  std::shared_ptr<Connector> keep = shared_from_this();
  try {
    factory_->clientConnectionLost(*this, reason);
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in clientConnectionLost");
  }
  if (state_ == State::kDisconnected && factoryStarted_) {
    factoryStarted_ = false;
    factory_->doStop();
  }
}

void Connector::connectionLost(const Failure& reason) {
  // The reactor dropped our connecting socket: a hang-up while connecting
  // (epoll/poll report a refused connect that way: the socket says why) or
  // reactor shutdown.
  writing_ = false;
  int err = 0;
  socklen_t len = sizeof err;
  if (fd_ >= 0 && ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
    failIfNotConnected(connectFailure(err));
    return;
  }
  failIfNotConnected(reason);
}

Address Connector::getDestination() const {
  if (unixSpec_) return UNIXAddress{unixSpec_->path};
  if (auto literal = parseLiteral(host_, port_)) return toAddress(literal->get());
  return IPv4Address{"TCP", host_, port_};
}

}  // namespace twisted::internet::stream::detail
