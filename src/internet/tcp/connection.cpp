#include "internet/tcp/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <typeinfo>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "internet/tcp/connector.h"
#include "internet/tcp/sockets.h"

namespace twisted::internet::tcp::detail {

namespace log = python::log;
using python::Failure;

namespace {
// One read buffer per thread: a connection holds no read memory while idle,
// and what dataReceived gets is only valid during the call anyway.
constexpr std::size_t kReadSize = 64 * 1024;
thread_local char tReadBuffer[kReadSize];

constexpr int kMaxIov = 64;
// Reads per readiness while each one fills the buffer (1 MiB at most).
constexpr int kMaxReadRounds = 16;

// Twisted asks IHalfCloseableProtocol.providedBy(protocol) at every EOF; the
// cross-cast that answers it costs ~100 ns, once per connection. The answer
// depends only on the protocol's dynamic type, so remember the last type
// that said no (the common case: one server's protocol type, never
// half-closeable); a yes still takes the cast, which gives the pointer.
IHalfCloseableProtocol* asHalfCloseable(Protocol* p) {
  thread_local const std::type_info* notHalfCloseable = nullptr;
  const std::type_info& type = typeid(*p);
  if (&type == notHalfCloseable) return nullptr;
  auto* half = dynamic_cast<IHalfCloseableProtocol*>(p);
  if (!half) notHalfCloseable = &type;
  return half;
}

Failure lostFailure(int err) {
  if (err == ECONNRESET || err == EPIPE) return main::CONNECTION_LOST();
  return Failure(
      error::ConnectionLost("Connection to the other side was lost in a non-clean "
                            "fashion: " +
                            errnoText(err) + "."));
}
}  // namespace

void Connection::CompactAddress::set(const sockaddr* sa) noexcept {
  if (sa && sa->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    family = AF_INET;
    port = ntohs(v4->sin_port);
    std::memcpy(ip.data(), &v4->sin_addr, 4);
  } else if (sa && sa->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    family = AF_INET6;
    port = ntohs(v6->sin6_port);
    scope = v6->sin6_scope_id;
    std::memcpy(ip.data(), &v6->sin6_addr, 16);
  }
}

std::optional<Address> Connection::CompactAddress::get() const {
  SockAddr a;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    std::memcpy(&v4->sin_addr, ip.data(), 4);
    return toAddress(a.get());
  }
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    v6->sin6_scope_id = scope;
    std::memcpy(&v6->sin6_addr, ip.data(), 16);
    return toAddress(a.get());
  }
  return std::nullopt;
}

Connection::Connection(ReactorBase& reactor, int fd, const sockaddr* peer,
                       std::shared_ptr<Factory> factory, int sessionno,
                       std::shared_ptr<Connector> connector)
    : reactor_(reactor),
      fd_(fd),
      factory_(std::move(factory)),
      sessionno_(sessionno),
      connector_(std::move(connector)) {
  peer_.set(peer);
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::start(std::shared_ptr<Connection> self, std::unique_ptr<Protocol> protocol) {
  Connection& c = *self;
  // Registered first: if the reactor cannot watch this socket (select: fd >=
  // FD_SETSIZE; epoll: ENOMEM, ENOSPC) this throws before anything happened,
  // and the socket closes with `self`.
  c.startReading();
  c.reactor_.holdKeepAlive(c.keepAlive_, std::move(self));
  c.protocol_ = std::move(protocol);
  log::LoggingContextScope scope(&c);
  try {
    c.protocol_->makeConnection(&c);
  } catch (...) {
    // As Twisted: an exception in connectionMade is logged and the
    // connection dropped.
    log::err(std::current_exception(), "Unhandled error in connectionMade");
    c.abortConnection();
  }
}

// --- reading ---------------------------------------------------------------

void Connection::startReading() {
  if (!reading_ && !disconnected_ && fd_ >= 0) {
    reactor_.addReader(this);
    reading_ = true;
  }
}

void Connection::stopReading() {
  if (reading_) {
    reactor_.removeReader(this);
    reading_ = false;
  }
}

DescriptorResult Connection::doRead() {
  // A read that fills the whole buffer suggests more is queued: read again
  // (bounded, for fairness) instead of paying another poll round, as libuv's
  // uv__read does. Stop as soon as the protocol paused or closed us, or a
  // write had to wait (the kernel is full: reading more would only buffer).
  for (int round = 0; round < kMaxReadRounds; ++round) {
    ssize_t n = ::recv(fd_, tReadBuffer, kReadSize, 0);
    if (n > 0) {
      protocol_->dataReceived(std::string_view(tReadBuffer, static_cast<std::size_t>(n)));
      if (static_cast<std::size_t>(n) < kReadSize || !reading_ || disconnecting_ || fd_ < 0 ||
          !buffer_.empty() || writeFailure_)
        return std::nullopt;
      continue;
    }
    if (n == 0) return main::CONNECTION_DONE();
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
    return lostFailure(err);
  }
  return std::nullopt;
}

// --- writing ---------------------------------------------------------------

void Connection::startWriting() {
  if (!writing_ && !disconnected_ && fd_ >= 0) {
    reactor_.addWriter(this);
    writing_ = true;
  }
}

void Connection::stopWriting() {
  if (writing_) {
    reactor_.removeWriter(this);
    writing_ = false;
  }
}

void Connection::write(std::string_view data) {
  if (data.empty() || disconnected_ || aborted_ || writeDisconnected_ || writeFailure_) return;
  if (buffer_.empty() && !writing_) {
    // Nothing queued: straight to the socket (one syscall, as libuv does).
    iovec iov{const_cast<char*>(data.data()), data.size()};
    sendNow(&iov, 1, data.size());
    return;
  }
  buffer_.append(data);
  afterBuffered();
}

void Connection::writeSequence(std::span<const std::string_view> data) {
  if (disconnected_ || aborted_ || writeDisconnected_ || writeFailure_) return;
  if (buffer_.empty() && !writing_ && data.size() <= static_cast<std::size_t>(kMaxIov)) {
    iovec iov[kMaxIov];
    int count = 0;
    std::size_t total = 0;
    for (std::string_view d : data) {
      if (d.empty()) continue;
      iov[count++] = iovec{const_cast<char*>(d.data()), d.size()};
      total += d.size();
    }
    if (total > 0) sendNow(iov, count, total);
    return;
  }
  for (std::string_view d : data)
    buffer_.append(d);
  afterBuffered();
}

bool Connection::sendNow(const iovec* iov, int count, std::size_t total) {
  ssize_t n;
  if (count == 1) {
    n = ::send(fd_, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
  } else {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<std::size_t>(count);
    n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  }
  if (n < 0) {
    int err = errno;
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
      failWrite(err);
      return false;
    }
    n = 0;
  }
  if (static_cast<std::size_t>(n) == total) {
    // All sent at once. A pull producer is asked for more each time the
    // buffer is empty: let doWrite (next iteration) do that, as Twisted.
    if (producers_.producer() && !producers_.streaming()) startWriting();
    return true;
  }
  // Queue the rest, in order.
  std::size_t skip = static_cast<std::size_t>(n);
  for (int i = 0; i < count; ++i) {
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    buffer_.append(
        std::string_view(static_cast<const char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip));
    skip = 0;
  }
  afterBuffered();
  return true;
}

void Connection::afterBuffered() {
  startWriting();
  producers_.bufferGrew(buffer_.size(), kBufferSize);
}

void Connection::failWrite(int err) {
  // Reported from doWrite, so connectionLost never runs inside write().
  writeFailure_ = lostFailure(err);
  buffer_.clear();
  startWriting();
}

DescriptorResult Connection::doWrite() {
  if (writeFailure_) return writeFailure_;
  while (!buffer_.empty()) {
    iovec iov[kMaxIov];
    int count = buffer_.fill(iov, kMaxIov);
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
      buffer_.clear();
      return lostFailure(err);
    }
    std::size_t offered = 0;
    for (int i = 0; i < count; ++i)
      offered += iov[i].iov_len;
    buffer_.consume(static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < offered) return std::nullopt;  // kernel is full
  }
  return bufferDrained();
}

DescriptorResult Connection::bufferDrained() {
  stopWriting();
  if (producers_.producer()) {
    // Twisted's doWrite: a pull producer is asked for more each time the
    // buffer empties, and a close waits until it unregisters; a paused push
    // producer is resumed. A push producer does not hold a close: once what
    // it wrote is sent (here, or after it resumed and wrote nothing), the
    // connection closes or half-closes as it would without it.
    producers_.bufferDrained();
    if (!buffer_.empty() || (producers_.producer() && !producers_.streaming())) return std::nullopt;
  }
  if (disconnecting_) return main::CONNECTION_DONE();
  if (writeDisconnecting_ && !writeDisconnected_) {
    writeDisconnected_ = true;
    ::shutdown(fd_, SHUT_WR);
    if (auto* half = asHalfCloseable(protocol_.get())) {
      half->writeConnectionLost();
    }
  }
  return std::nullopt;
}

// --- closing ---------------------------------------------------------------

void Connection::loseConnection() {
  if (disconnected_ || disconnecting_) return;
  disconnecting_ = true;
  stopReading();
  // doWrite sends what is buffered, then reports CONNECTION_DONE, so
  // connectionLost runs from the reactor, not inside this call.
  startWriting();
}

void Connection::loseWriteConnection() {
  if (disconnected_ || writeDisconnecting_) return;
  writeDisconnecting_ = true;
  startWriting();
}

void Connection::abortConnection() {
  if (disconnected_ || aborted_) return;
  aborted_ = true;
  disconnecting_ = true;
  stopReading();
  stopWriting();
  buffer_.clear();
  if (IProducer* p = producers_.release()) p->stopProducing();
  // RST now; connectionLost(ConnectionAborted) on the next iteration, as
  // Twisted does it. The self-reference moves into the call: if the reactor
  // never runs it, the connection is still freed. getHost() must still work
  // in connectionLost: remember it while the socket exists.
  getHost();
  linger lg{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  reactor_.descriptorClosing(fd_);
  ::close(fd_);
  fd_ = -1;
  reactor_.callLater(0, [this, keep = reactor_.releaseKeepAlive(keepAlive_)] {
    connectionLost(Failure(error::ConnectionAborted()));
  });
}

void Connection::connectionLost(const Failure& given) {
  if (disconnected_) return;
  // Both sides closed cleanly (the peer's EOF seen, everything of ours sent):
  // a hang-up report for that is a clean close, whatever the backend says.
  const bool clean = readDisconnected_ && disconnecting_ && !aborted_ && !writeFailure_ &&
                     buffer_.empty() && given.check<error::ConnectionLost>();
  const Failure& reason = clean ? main::CONNECTION_DONE() : given;
  // Keep ourselves (and the protocol) alive until this function returns
  // (after an abort, the pending call holds the last reference instead).
  std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
  disconnected_ = true;
  disconnecting_ = true;
  // The reactor removed us already when it reports the loss; make sure of it.
  stopReading();
  stopWriting();
  if (IProducer* p = producers_.release()) {
    try {
      p->stopProducing();
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in stopProducing");
    }
  }
  {
    log::LoggingContextScope scope(this);
    try {
      protocol_->connected = false;
      protocol_->connectionLost(reason);
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in connectionLost");
    }
  }
  // Close after the protocol ran, so getPeer()/getHost() still work inside
  // its connectionLost.
  if (fd_ >= 0) {
    reactor_.descriptorClosing(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  if (connector_) connector_->transportLost(reason);
  // Our caller's logging context is usually this connection. Leave it before
  // the last reference goes: a protocol destructor that logs would otherwise
  // ask a half-destroyed Connection (its connector_ already gone) for its
  // logPrefix().
  log::LoggingContextScope noContext(nullptr);
  keep.reset();
}

void Connection::readConnectionLost(const Failure& reason) {
  // The reactor saw EOF and removed us as a reader.
  reading_ = false;
  readDisconnected_ = true;
  if (auto* half = asHalfCloseable(protocol_.get())) {
    try {
      half->readConnectionLost();
    } catch (...) {
      Failure f(std::current_exception());
      log::err(f, "Unhandled error in readConnectionLost");
      connectionLost(f);
    }
    return;
  }
  connectionLost(reason);
}

void Connection::writeConnectionLost(const Failure&) {
  if (auto* half = asHalfCloseable(protocol_.get())) half->writeConnectionLost();
}

// --- producer / consumer ---------------------------------------------------

void Connection::registerProducer(IProducer* producer, bool streaming) {
  producers_.add(producer, streaming, disconnected_, buffer_.size(), kBufferSize, this);
}

void Connection::unregisterProducer() {
  producers_.remove();
  // A close waiting for the producer can go on now.
  if ((disconnecting_ || writeDisconnecting_) && !disconnected_ && !aborted_) startWriting();
}

void Connection::pauseProducing() {
  readPaused_ = true;
  stopReading();
}

void Connection::resumeProducing() {
  readPaused_ = false;
  if (!disconnecting_ && !disconnected_) startReading();
}

void Connection::stopProducing() {
  loseConnection();
}

// --- addresses, options, logging ----------------------------------------------

Address Connection::getPeer() const {
  // From the address accept()/connect gave us: no system call, and still
  // right once the socket is closed (after abortConnection).
  if (std::optional<Address> a = peer_.get()) return *a;
  return peerAddress(fd_);
}

Address Connection::getHost() const {
  // Asked once (a connected socket's local address never changes) and kept,
  // so it is still right once the socket is closed (after abortConnection).
  if (std::optional<Address> a = host_.get()) return *a;
  SockAddr local;
  local.length = sizeof local.storage;
  if (fd_ < 0 || ::getsockname(fd_, local.get(), &local.length) != 0) return localAddress(-1);
  host_.set(local.get());
  return toAddress(local.get());
}

bool Connection::getTcpNoDelay() const {
  int v = 0;
  socklen_t len = sizeof v;
  return fd_ >= 0 && ::getsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0;
}

void Connection::setTcpNoDelay(bool enabled) {
  int v = enabled ? 1 : 0;
  if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
}

bool Connection::getTcpKeepAlive() const {
  int v = 0;
  socklen_t len = sizeof v;
  return fd_ >= 0 && ::getsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v != 0;
}

void Connection::setTcpKeepAlive(bool enabled) {
  int v = enabled ? 1 : 0;
  if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
}

std::string Connection::logPrefix() const {
  std::string proto = protocol_ ? protocol_->logPrefix() : "Uninitialized";
  if (connector_) return proto + ",client";
  return proto + "," + std::to_string(sessionno_) + "," + hostOf(getPeer());
}

}  // namespace twisted::internet::tcp::detail
