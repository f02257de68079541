#include "internet/tcp/connector.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "internet/tcp/connection.h"

namespace twisted::internet::tcp::detail {

namespace log = python::log;
using python::Failure;

Connector::Connector(ReactorBase& reactor, std::string host, int port,
                     std::shared_ptr<ClientFactory> factory, double timeout,
                     std::optional<std::pair<std::string, int>> bindAddress)
    : reactor_(reactor),
      host_(std::move(host)),
      port_(port),
      factory_(std::move(factory)),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)) {}

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

  if (std::optional<SockAddr> literal = parseLiteral(host_, port_)) {
    startConnect(*literal);
    return;
  }
  // A name: getaddrinfo on the thread pool, the answer back on the reactor
  // thread. The weak reference lets a dropped connector be freed meanwhile.
  std::weak_ptr<Connector> weak = weak_from_this();
  ReactorBase* reactor = &reactor_;
  reactor_.callInThread([reactor, weak, attempt, host = host_, port = port_] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
    std::optional<SockAddr> addr;
    std::string error;
    if (rc != 0 || !res) {
      error = "address '" + host + "' not found: " + ::gai_strerror(rc);
    } else {
      SockAddr a;
      std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
      a.length = res->ai_addrlen;
      if (a.family() == AF_INET)
        reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(static_cast<uint16_t>(port));
      else
        reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(static_cast<uint16_t>(port));
      addr = a;
    }
    if (res) ::freeaddrinfo(res);
    reactor->callFromThread([weak, attempt, addr, error] {
      if (auto self = weak.lock()) self->resolved(attempt, addr, error);
    });
  });
}

void Connector::resolved(std::uint64_t attempt, std::optional<SockAddr> addr, std::string error) {
  if (attempt != attempt_ || state_ != State::kConnecting) return;
  if (!addr) {
    failIfNotConnected(Failure(error::DNSLookupError(error)));
    return;
  }
  startConnect(*addr);
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
  if (err != EINPROGRESS && err != EINTR) {
    failIfNotConnected(connectFailure(err));
    return;
  }
  reactor_.addWriter(this);
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
  SockAddr peer;
  peer.length = sizeof peer.storage;
  const sockaddr* peerPtr = ::getpeername(fd, peer.get(), &peer.length) == 0 ? peer.get() : nullptr;
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(peerPtr ? toAddress(peerPtr) : peerAddress(fd));
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in buildProtocol");
  }
  if (!protocol) {
    fd_ = fd;
    failIfNotConnected(Failure(error::ConnectError("", "buildProtocol returned no protocol")));
    return;
  }
  state_ = State::kConnected;
  // The connection holds us from now on.
  std::shared_ptr<void> held = reactor_.releaseKeepAlive(keepAlive_);
  auto connection =
      std::make_shared<Connection>(reactor_, fd, peerPtr, factory_, -1, shared_from_this());
  transport_ = connection;
  Connection::start(std::move(connection), std::move(protocol));
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
  if (auto literal = parseLiteral(host_, port_)) return toAddress(literal->get());
  return IPv4Address{"TCP", host_, port_};
}

}  // namespace twisted::internet::tcp::detail
