#include "internet/stream/connection.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <typeinfo>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor_receiver.h>
#include <twisted/internet/tls.h>
#include <twisted/python/log.h>

#include "internet/completion_io.h"
#include "internet/stream/connector.h"
#include "internet/stream/sockets.h"

namespace twisted::internet::stream::detail {

namespace log = python::log;
using python::Failure;

namespace {
// One read buffer per thread: a connection holds no read memory while idle,
// and what dataReceived gets is only valid during the call anyway.
constexpr std::size_t kReadSize = 64 * 1024;
thread_local char tReadBuffer[kReadSize];

constexpr int kMaxIov = 64;
// On a completion backend, writes of this size or more are sent at once
// with a system call, smaller ones become send requests (Connection::sendRequest).
constexpr std::size_t kDirectSendMin = 16 * 1024;
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

// writev(2) to a pipe without SIGPIPE: a pipe has no MSG_NOSIGNAL, so the
// signal is blocked in this thread around the call and the one the write
// raised (a closed reader: EPIPE) is taken back, unless one was pending.
ssize_t writePipe(int fd, const iovec* iov, int count) {
  sigset_t pipeSet, old, pending;
  sigemptyset(&pipeSet);
  sigaddset(&pipeSet, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipeSet, &old);
  sigpending(&pending);
  const bool wasPending = sigismember(&pending, SIGPIPE) == 1;
  ssize_t n = count == 1 ? ::write(fd, iov[0].iov_base, iov[0].iov_len) : ::writev(fd, iov, count);
  const int err = errno;
  if (n < 0 && err == EPIPE && !wasPending) {
    timespec zero{};
    while (::sigtimedwait(&pipeSet, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return n;
}

// Calls `piece` with what iov[0..count) holds after its first `skip` bytes,
// in order (the part of a write the kernel did not take).
template <class F>
void forEachUnsent(const iovec* iov, int count, std::size_t skip, F&& piece) {
  for (int i = 0; i < count; ++i) {
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    piece(
        std::string_view(static_cast<const char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip));
    skip = 0;
  }
}

Failure lostFailure(int err) {
  if (err == ECONNRESET || err == EPIPE) return main::CONNECTION_LOST();
  return Failure(
      error::ConnectionLost("Connection to the other side was lost in a non-clean "
                            "fashion: " +
                            errnoText(err) + "."));
}
}  // namespace

namespace {
// The IPv4Address for an address in network order and a port in host order.
Address inet4Address(std::uint32_t sAddr, std::uint16_t port) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  v4.sin_addr.s_addr = sAddr;
  return toAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
}

// An IPv4/IPv6 address or a Unix path kept compactly (not a sockaddr_storage;
// a Unix path on the heap), so getPeer(), getHost() and the log prefix still
// work once the socket is gone (after abortConnection).
struct CompactAddress {
  std::uint8_t family = 0;  // 0: unknown
  std::uint16_t port = 0;   // host order
  std::uint32_t scope = 0;  // IPv6 scope id (link-local)
  std::array<unsigned char, 16> ip{};
  std::unique_ptr<std::string> path;  // AF_UNIX: the name ("" if unbound)

  void set(const sockaddr* sa, socklen_t length) {
    if (sa && sa->sa_family == AF_UNIX) {
      family = AF_UNIX;
      path = std::make_unique<std::string>(std::get<UNIXAddress>(toAddress(sa, length)).name);
    } else if (sa && sa->sa_family == AF_INET) {
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

  std::optional<Address> get() const {
    if (family == AF_UNIX) return UNIXAddress{*path};
    if (family == AF_INET) {
      std::uint32_t sAddr;
      std::memcpy(&sAddr, ip.data(), 4);
      return inet4Address(sAddr, port);
    }
    SockAddr a;
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
};
}  // namespace

// What only some connections need, allocated on first use (see the class
// comment in connection.h).
struct Connection::Cold {
  explicit Cold(Connection& c) noexcept : writeSide(c) {}

  std::optional<Failure> writeFailure;   // failed_
  std::shared_ptr<Connector> connector;  // outgoing connections
  std::vector<int> fdQueue;              // sendFileDescriptor's duplicates, in order
  std::unique_ptr<TLSState> tls;         // after startTLS (hasTls_)
  CompactAddress peer;                   // when not IPv4 (!peerV4_)
  CompactAddress host;                   // on the first getHost() (or an abort)

  // Pipe mode: the write fd and the descriptor the reactor watches for it
  // (a descriptor has one fileno(); it forwards to this connection). A
  // write-only pipe end is also watched for reading, as Twisted's
  // ProcessWriter does: it can only turn readable (select) or report an
  // error (poll, epoll) when its reader closed, so the loss is noticed
  // without a write.
  class WriteSide final : public IReadDescriptor, public IWriteDescriptor {
   public:
    explicit WriteSide(Connection& c) noexcept : c_(c) {}
    int fileno() const override { return c_.pipeWriteFd(); }
    DescriptorResult doRead() override {
      // The pipe's reader is gone (nothing else makes a write-only end readable).
      return main::CONNECTION_LOST();
    }
    bool readsErrors() const noexcept override { return true; }
    DescriptorResult doWrite() override { return c_.doWrite(); }
    void connectionLost(const python::Failure& reason) override { c_.connectionLost(reason); }
    IHalfCloseableDescriptor* halfCloseable() noexcept override { return nullptr; }
    std::string logPrefix() const override { return c_.logPrefix(); }

   private:
    Connection& c_;
  };
  int writeFd = -1;
  int readFlags = -1;  // the pipe fds' file status flags before us
  int writeFlags = -1;
  bool ownsPipes = false;        // the fds are ours to close(2) (process pipes)
  bool watchesWriteEnd = false;  // writeSide is registered as a reader
  WriteSide writeSide;
};

// An idle connection's memory is measured (docs/tcp.md, "What a connection
// costs"): 152 bytes plus the 16-byte control block is a 176-byte malloc
// chunk. Growing this costs every idle connection a 16-byte step.
static_assert(sizeof(void*) != 8 || sizeof(Connection) <= 152,
              "Connection grew: move what only some connections use into Cold");

Connection::Cold& Connection::cold() {
  if (!cold_) cold_ = std::make_unique<Cold>(*this);
  return *cold_;
}

WriteBuffer& Connection::buffer() {
  if (!buffer_) buffer_ = std::make_unique<WriteBuffer>();
  return *buffer_;
}

int Connection::pipeWriteFd() const noexcept {
  return cold_ ? cold_->writeFd : -1;
}

Connector* Connection::connector() const noexcept {
  return cold_ ? cold_->connector.get() : nullptr;
}

Connection::Connection(ReactorBase& reactor, int fd, const sockaddr* peer, socklen_t peerLength,
                       std::shared_ptr<Factory> factory, int sessionno,
                       std::shared_ptr<Connector> connector)
    : reactor_(reactor), fd_(fd), sessionno_(sessionno), factory_(std::move(factory)) {
  isUnix_ = peer && peer->sa_family == AF_UNIX;
  if (peer && peer->sa_family == AF_INET && peerLength >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(peer);
    peerIp4_ = v4->sin_addr.s_addr;
    peerPort_ = ntohs(v4->sin_port);
    peerV4_ = true;
  } else if (peer) {
    cold().peer.set(peer, peerLength);
  }
  if (connector) cold().connector = std::move(connector);
}

Connection::Connection(ReactorBase& reactor, Pipes pipes)
    : reactor_(reactor), fd_(pipes.readFd), sessionno_(-1) {
  isPipe_ = true;
  Cold& c = cold();
  c.writeFd = pipes.writeFd;
  c.ownsPipes = pipes.owned;
  // Non-blocking, as Twisted's process.ProcessReader/ProcessWriter make them;
  // the flags are the open file's, shared with whoever else holds it (a
  // shell's terminal): they are put back when the transport closes the fd.
  for (auto [fd, flags] : {std::pair{fd_, &c.readFlags}, std::pair{c.writeFd, &c.writeFlags}}) {
    if (fd < 0) continue;
    *flags = ::fcntl(fd, F_GETFL);
    if (*flags < 0)
      throw std::system_error(errno, std::generic_category(),
                              "pipe transport: fd " + std::to_string(fd) + " is not open");
    if (!(*flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, *flags | O_NONBLOCK);
  }
}

Connection::~Connection() {
  // Still registered only when the reactor itself is being destroyed (it
  // drops its keep-alives): nothing to unregister from.
  if (cold_) cold_->watchesWriteEnd = false;
  if (isPipe_) {
    closeFd(fd_);
    closeFd(cold_->writeFd);
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  if (cold_)
    for (int fd : cold_->fdQueue)
      ::close(fd);
}

void Connection::start(std::shared_ptr<Connection> self, std::unique_ptr<Protocol> protocol) {
  Connection& c = *self;
  // Registered first: if the reactor cannot watch this socket (select: fd >=
  // FD_SETSIZE; epoll: ENOMEM, ENOSPC) this throws before anything happened,
  // and the socket closes with `self`.
  // Only a write-only end (a process's stdin pipe, StandardIO's stdout when
  // a pipe): a terminal's fd is also readable for its input.
  // Pipes only: a write-only regular file (stdout redirected to a file) has
  // no reader to lose and polls as always ready, which read as "gone".
  struct stat st {};
  if (c.isPipe_) {
    Cold& cold = *c.cold_;
    if (cold.writeFd >= 0 && (cold.writeFlags & O_ACCMODE) == O_WRONLY &&
        ::fstat(cold.writeFd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      c.reactor_.addReader(&cold.writeSide);
      cold.watchesWriteEnd = true;
    }
  }
  // A TCP socket on a completion backend (io_uring) reads and sends through
  // it; Unix sockets (descriptor passing) and pipes stay on readiness.
  if (!c.isPipe_ && !c.isUnix_)
    if (internet::detail::CompletionIO* io = c.reactor_.completionIO(); io && io->adopt(c.fd_))
      c.completion_ = true;
  try {
    c.startReading();
  } catch (...) {
    if (c.completion_) c.reactor_.descriptorClosing(c.fd_);
    if (c.isPipe_ && c.cold_->watchesWriteEnd) {
      c.reactor_.removeReader(&c.cold_->writeSide);
      c.cold_->watchesWriteEnd = false;
    }
    throw;
  }
  c.reactor_.holdKeepAlive(c.keepAlive_, std::move(self));
  c.protocol_ = std::move(protocol);
  log::LoggingContextScope scope(&c);
  try {
    c.protocol_->makeConnection(static_cast<ITCPTransport*>(&c));
  } catch (...) {
    // As Twisted: an exception in connectionMade is logged and the
    // connection dropped.
    log::err(std::current_exception(), "Unhandled error in connectionMade");
    c.abortConnection();
  }
}

// --- TLS (startTLS) ----------------------------------------------------------

// What the TLS layer writes to: this connection without the TLS routing.
struct Connection::TLSState final : ITCPTransport {
  explicit TLSState(Connection& c) noexcept : c_(c) {}
  void write(std::string_view data) override { c_.writeRaw(data); }
  void writeSequence(std::span<const std::string_view> data) override { c_.writeSequenceRaw(data); }
  void loseConnection() override { c_.loseConnectionRaw(); }
  void abortConnection() override { c_.abortConnectionRaw(); }
  bool disconnecting() const override { return c_.disconnecting_; }
  Address getPeer() const override { return c_.getPeer(); }
  Address getHost() const override { return c_.getHost(); }
  void registerProducer(IProducer* producer, bool streaming) override {
    c_.registerProducerRaw(producer, streaming);
  }
  void unregisterProducer() override { c_.unregisterProducerRaw(); }
  void pauseProducing() override { c_.pauseProducing(); }
  void resumeProducing() override { c_.resumeProducing(); }
  void stopProducing() override { c_.stopProducing(); }
  void loseWriteConnection() override { c_.loseWriteConnection(); }
  bool getTcpNoDelay() const override { return c_.getTcpNoDelay(); }
  void setTcpNoDelay(bool enabled) override { c_.setTcpNoDelay(enabled); }
  bool getTcpKeepAlive() const override { return c_.getTcpKeepAlive(); }
  void setTcpKeepAlive(bool enabled) override { c_.setTcpKeepAlive(enabled); }
  std::string logPrefix() const override { return c_.logPrefix(); }

  Connection& c_;
  tls::TLSMemoryBIOProtocol* protocol = nullptr;  // owned by protocol_
};

void Connection::startTLS(const ssl::CertificateOptions& options, bool normal) {
  if (hasTls_) throw std::logic_error("startTLS: TLS was already started on this connection");
  if (disconnecting_ || disconnected_)
    throw std::logic_error("startTLS: the connection is closing");
  // Twisted's rule: the side that connected is the client.
  const bool client = (connector() != nullptr) == normal;
  // The layer takes the protocol only once it is made: a refusal (client
  // options without a hostname) leaves the connection as it was.
  auto state = std::make_unique<TLSState>(*this);
  auto layer = std::make_unique<tls::TLSMemoryBIOProtocol>(options, client, std::move(protocol_),
                                                           /*connectWrapped=*/false);
  state->protocol = layer.get();
  protocol_ = std::move(layer);
  TLSState& tls = *(cold().tls = std::move(state));
  hasTls_ = true;
  log::LoggingContextScope scope(this);
  tls.protocol->makeConnection(&tls);
}

bool Connection::disconnecting() const {
  if (hasTls_) [[unlikely]]
    return cold_->tls->protocol->disconnecting();
  return disconnecting_;
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
  if (completion_) return readCompleted();
  // A read that fills the whole buffer suggests more is queued: read again
  // (bounded, for fairness) instead of paying another poll round, as libuv's
  // uv__read does. Stop as soon as the protocol paused or closed us, or a
  // write had to wait (the kernel is full: reading more would only buffer).
  for (int round = 0; round < kMaxReadRounds; ++round) {
    ssize_t n = isUnix_   ? receive()
                : isPipe_ ? ::read(fd_, tReadBuffer, kReadSize)
                          : ::recv(fd_, tReadBuffer, kReadSize, 0);
    if (n > 0) {
      protocol_->dataReceived(std::string_view(tReadBuffer, static_cast<std::size_t>(n)));
      if (static_cast<std::size_t>(n) < kReadSize || !reading_ || disconnecting_ || fd_ < 0 ||
          buffered() || failed_)
        return std::nullopt;
      continue;
    }
    if (n == 0) return main::CONNECTION_DONE();
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
    // A pseudo-terminal's master reads EIO, not 0, once its slave is closed.
    if (err == EIO && isPipe_) return main::CONNECTION_DONE();
    return lostFailure(err);
  }
  return std::nullopt;
}

DescriptorResult Connection::readCompleted() {
  // Everything queued was read from the socket already: deliver it all,
  // unless the protocol paused or closed us (what stays queued is held for
  // a resume, or dropped with the socket).
  internet::detail::CompletionIO& io = *reactor_.completionIO();
  internet::detail::CompletionIO::Received r;
  while (reading_ && !disconnecting_ && !failed_ && fd_ >= 0 && io.next(fd_, r)) {
    if (r.end) return r.error == 0 ? main::CONNECTION_DONE() : lostFailure(r.error);
    // The chunk's memory goes back after the call, also if it throws.
    struct Recycle {
      internet::detail::CompletionIO& io;
      std::uint32_t token;
      ~Recycle() { io.recycle(token); }
    } recycle{io, r.token};
    protocol_->dataReceived(r.data);
  }
  return std::nullopt;
}

// At most this many descriptors per recvmsg (Linux's SCM_MAX_FD is 253; a
// message carries one sender's batch). More are closed by the kernel, never
// installed in this process.
constexpr std::size_t kMaxReceivedFds = 64;

ssize_t Connection::receive() {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxReceivedFds)];
  iovec iov{tReadBuffer, kReadSize};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC);
  if (n >= 0 && msg.msg_controllen > 0) deliverDescriptors(msg);
  return n;
}

void Connection::deliverDescriptors(const msghdr& msg) {
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&msg)); c;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        fds.push_back(fd);
      }
    } else {
      log::msg(protocol_->logPrefix() + " (on " + toString(getHost()) +
               ") received unsupported ancillary data (level=" + std::to_string(c->cmsg_level) +
               ", type=" + std::to_string(c->cmsg_type) + ") from " + toString(getPeer()) + ".");
    }
  }
  if (msg.msg_flags & MSG_CTRUNC)
    log::msg(protocol_->logPrefix() + ": more than " + std::to_string(kMaxReceivedFds) +
             " file descriptors in one message; the kernel closed the rest");
  if (fds.empty()) return;
  auto* receiver = dynamic_cast<IFileDescriptorReceiver*>(protocol_.get());
  if (!receiver) {
    log::msg(protocol_->logPrefix() + " (on " + toString(getHost()) +
             ") does not provide IFileDescriptorReceiver; closing file descriptor received "
             "(from " +
             toString(getPeer()) + ").");
    for (int fd : fds)
      ::close(fd);
    return;
  }
  // Each one is the protocol's once handed over; if it throws, the rest are
  // closed here (never leaked) and the exception disconnects as any other.
  std::size_t given = 0;
  try {
    for (; given < fds.size(); ++given)
      receiver->fileDescriptorReceived(fds[given]);
  } catch (...) {
    for (std::size_t i = given + 1; i < fds.size(); ++i)
      ::close(fds[i]);
    throw;
  }
}

// --- writing ---------------------------------------------------------------

void Connection::queueFileDescriptor(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    int err = errno;
    throw std::system_error(err, std::generic_category(),
                            "sendFileDescriptor(" + std::to_string(fd) + ")");
  }
  if (disconnected_ || aborted_ || writeDisconnected_ || failed_) {
    ::close(copy);  // it could never be sent
    return;
  }
  cold().fdQueue.push_back(copy);
  fdsQueued_ = true;
  // Sent by doWrite, with the next buffered byte (write() buffers meanwhile).
  startWriting();
}

DescriptorResult Connection::sendQueuedDescriptors() {
  // Twisted: more descriptors than bytes to carry them is a programming error.
  std::vector<int>& fdQueue = cold_->fdQueue;
  if (fdQueue.size() > bufferedBytes()) {
    dropBuffer();
    return Failure(error::FileDescriptorOverrun());
  }
  std::size_t sent = 0;
  DescriptorResult result;
  while (sent < fdQueue.size()) {
    iovec iov;
    buffer_->fill(&iov, 1);
    iov.iov_len = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fdQueue[sent], sizeof(int));
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS) {
        dropBuffer();
        result = lostFailure(err);
      }
      break;
    }
    ::close(fdQueue[sent]);  // the peer has its own now
    buffer_->consume(1);
    ++sent;
  }
  fdQueue.erase(fdQueue.begin(), fdQueue.begin() + static_cast<std::ptrdiff_t>(sent));
  fdsQueued_ = !fdQueue.empty();
  return result;
}

void Connection::startWriting() {
  if (!writing_ && !disconnected_ && writeFd() >= 0) {
    reactor_.addWriter(writer());
    writing_ = true;
  }
}

void Connection::stopWriting() {
  if (writing_) {
    reactor_.removeWriter(writer());
    writing_ = false;
  }
}

IWriteDescriptor* Connection::writer() noexcept {
  if (isPipe_) return &cold_->writeSide;
  return this;
}

void Connection::closeFd(int& fd) noexcept {
  if (fd < 0) return;
  if (cold_ && &fd == &cold_->writeFd && cold_->watchesWriteEnd) {
    reactor_.removeReader(&cold_->writeSide);
    cold_->watchesWriteEnd = false;
  }
  reactor_.descriptorClosing(fd);
  if (!isPipe_ || cold_->ownsPipes) {
    ::close(fd);
  } else {
    // Not the caller's to close (fd 0 and 1 by default), and an fd number
    // left free would be reused by the next open(): a printf would then
    // write into someone's socket. /dev/null takes its place, so the peer
    // still sees the pipe close.
    int flags = &fd == &fd_ ? cold_->readFlags : cold_->writeFlags;
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, fd);
      ::close(null);
    } else {
      ::close(fd);
    }
  }
  fd = -1;
}

void Connection::finishWithoutWriter() {
  stopReading();
  reactor_.callLater(0, [this, keep = reactor_.releaseKeepAlive(keepAlive_)] {
    connectionLost(main::CONNECTION_DONE());
  });
}

void Connection::write(std::string_view data) {
  if (hasTls_) [[unlikely]]
    return cold_->tls->protocol->write(data);
  writeRaw(data);
}

void Connection::writeRaw(std::string_view data) {
  if (data.empty() || disconnected_ || aborted_ || writeDisconnected_ || failed_) return;
  if (!buffered() && !writing_ && !fdsQueued_) {
    // Nothing queued: straight to the socket (one syscall, as libuv does).
    iovec iov{const_cast<char*>(data.data()), data.size()};
    sendNow(&iov, 1, data.size());
    return;
  }
  buffer().append(data);
  afterBuffered();
}

void Connection::writeSequence(std::span<const std::string_view> data) {
  if (hasTls_) [[unlikely]]
    return cold_->tls->protocol->writeSequence(data);
  writeSequenceRaw(data);
}

void Connection::writeSequenceRaw(std::span<const std::string_view> data) {
  if (disconnected_ || aborted_ || writeDisconnected_ || failed_) return;
  if (!buffered() && !writing_ && !fdsQueued_ && data.size() <= static_cast<std::size_t>(kMaxIov)) {
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
  WriteBuffer& buf = buffer();
  for (std::string_view d : data)
    buf.append(d);
  afterBuffered();
}

bool Connection::writeNow(const iovec* iov, int count, std::size_t& sent) {
  ssize_t n;
  if (isPipe_) {
    n = writePipe(cold_->writeFd, iov, count);
  } else if (count == 1) {
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
  sent = static_cast<std::size_t>(n);
  return true;
}

bool Connection::sendNow(const iovec* iov, int count, std::size_t total) {
  if (completion_) return sendRequest(iov, count, total);
  std::size_t n = 0;
  if (!writeNow(iov, count, n)) return false;
  if (n == total) {
    // All sent at once. A pull producer is asked for more each time the
    // buffer is empty: let doWrite (next iteration) do that, as Twisted.
    if (producers_.producer() && !producers_.streaming()) startWriting();
    return true;
  }
  // Queue the rest, in order.
  WriteBuffer& buf = buffer();
  forEachUnsent(iov, count, n, [&](std::string_view rest) { buf.append(rest); });
  afterBuffered();
  return true;
}

void Connection::afterBuffered() {
  startWriting();
  producers_.bufferGrew(bufferedBytes(), kBufferSize);
}

void Connection::failWrite(int err) {
  // Reported from doWrite, so connectionLost never runs inside write().
  cold().writeFailure = lostFailure(err);
  failed_ = true;
  dropBuffer();
  startWriting();
}

DescriptorResult Connection::doWrite() {
  if (failed_) return cold_->writeFailure;
  if (completion_) return writeCompleted();
  if (fdsQueued_ && buffered()) {
    if (DescriptorResult lost = sendQueuedDescriptors()) return lost;
    if (fdsQueued_) return std::nullopt;  // the kernel is full
  }
  while (buffered()) {
    iovec iov[kMaxIov];
    int count = buffer_->fill(iov, kMaxIov);
    ssize_t n;
    if (isPipe_) {
      n = writePipe(cold_->writeFd, iov, count);
    } else {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(count);
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    }
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
      dropBuffer();
      return lostFailure(err);
    }
    std::size_t offered = 0;
    for (int i = 0; i < count; ++i)
      offered += iov[i].iov_len;
    buffer_->consume(static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < offered) return std::nullopt;  // kernel is full
  }
  return bufferDrained();
}

bool Connection::sendRequest(const iovec* iov, int count, std::size_t total) {
  // Large writes go to the socket at once, as on readiness: copying them
  // for a request would cost more than the system call saves. The rest, or
  // a small write, becomes a send request submitted with the next wait;
  // doWrite hears how it went.
  std::size_t skip = 0;
  if (total >= kDirectSendMin) {
    if (!writeNow(iov, count, skip)) return false;
    if (skip == total) {
      if (producers_.producer() && !producers_.streaming()) startWriting();
      return true;
    }
  }
  // Null only while the reactor is being destroyed (a protocol's
  // destructor writing): nothing can be sent any more.
  internet::detail::CompletionIO* io = reactor_.completionIO();
  if (!io) return false;
  std::string bytes;
  bytes.reserve(total - skip);
  forEachUnsent(iov, count, skip, [&](std::string_view rest) { bytes.append(rest); });
  io->send(fd_, std::move(bytes));
  startWriting();
  return true;
}

DescriptorResult Connection::writeCompleted() {
  internet::detail::CompletionIO& io = *reactor_.completionIO();
  if (int err = io.takeSendError(fd_)) {
    dropBuffer();
    return lostFailure(err);
  }
  if (io.sending(fd_)) return std::nullopt;
  if (buffered()) {
    // Everything written since the last send goes, as one request.
    std::size_t firstOffset = 0;
    std::vector<std::string> chunks = buffer_->takeChunks(firstOffset);
    if (chunks.size() == 1 && firstOffset == 0)
      io.send(fd_, std::move(chunks.front()));
    else
      io.send(fd_, std::move(chunks), firstOffset);
    return std::nullopt;
  }
  return bufferDrained();
}

DescriptorResult Connection::bufferDrained() {
  stopWriting();
  dropBuffer();  // an idle connection holds no write buffer
  if (producers_.producer()) {
    // Twisted's doWrite: a pull producer is asked for more each time the
    // buffer empties, and a close waits until it unregisters; a paused push
    // producer is resumed. A push producer does not hold a close: once what
    // it wrote is sent (here, or after it resumed and wrote nothing), the
    // connection closes or half-closes as it would without it.
    producers_.bufferDrained();
    // What the producer wrote just now may be a send request still in
    // flight (completion backend): the close waits for it too.
    internet::detail::CompletionIO* io =
        completion_ && fd_ >= 0 ? reactor_.completionIO() : nullptr;
    const bool sending = io && io->sending(fd_);
    if (buffered() || sending || (producers_.producer() && !producers_.streaming()))
      return std::nullopt;
  }
  if (disconnecting_) return main::CONNECTION_DONE();
  if (writeDisconnecting_ && !writeDisconnected_) {
    writeDisconnected_ = true;
    if (isPipe_)
      closeFd(cold_->writeFd);  // the reader sees EOF (stopWriting above unregistered it)
    else
      ::shutdown(fd_, SHUT_WR);
    if (auto* half = asHalfCloseable(protocol_.get())) {
      half->writeConnectionLost();
    }
  }
  return std::nullopt;
}

// --- closing ---------------------------------------------------------------

void Connection::loseConnection() {
  if (hasTls_) return cold_->tls->protocol->loseConnection();
  loseConnectionRaw();
}

void Connection::loseConnectionRaw() {
  if (disconnected_ || disconnecting_) return;
  disconnecting_ = true;
  if (isPipe_ && cold_->writeFd < 0) {
    finishWithoutWriter();  // nothing left to flush (loseWriteConnection closed it)
    return;
  }
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
  if (hasTls_) return cold_->tls->protocol->abortConnection();
  abortConnectionRaw();
}

void Connection::abortConnectionRaw() {
  if (disconnected_ || aborted_) return;
  aborted_ = true;
  disconnecting_ = true;
  stopReading();
  stopWriting();
  dropBuffer();
  if (IProducer* p = producers_.release()) p->stopProducing();
  // RST now; connectionLost(ConnectionAborted) on the next iteration, as
  // Twisted does it. The self-reference moves into the call: if the reactor
  // never runs it, the connection is still freed. getHost() must still work
  // in connectionLost: remember it while the socket exists.
  getHost();
  if (isPipe_) {
    closeFd(fd_);
    closeFd(cold_->writeFd);
  } else {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    closeFd(fd_);
  }
  reactor_.callLater(0, [this, keep = reactor_.releaseKeepAlive(keepAlive_)] {
    connectionLost(Failure(error::ConnectionAborted()));
  });
}

void Connection::connectionLost(const Failure& given) {
  if (disconnected_) return;
  // Both sides closed cleanly (the peer's EOF seen, everything of ours sent):
  // a hang-up report for that is a clean close, whatever the backend says.
  // Under startTLS the TLS layer stops reading once it has the peer's
  // close_notify, so the EOF is not seen: the TLS close stands for it (the
  // protocol is told ConnectionDone; the connector must hear the same).
  const bool peerDone = readDisconnected_ || (hasTls_ && cold_->tls->protocol->closedCleanly());
  const bool clean = peerDone && disconnecting_ && !aborted_ && !failed_ && !buffered() &&
                     given.check<error::ConnectionLost>();
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
  closeFd(fd_);
  if (isPipe_) closeFd(cold_->writeFd);
  if (Connector* c = connector()) c->transportLost(reason);
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
  if (isPipe_) {
    // Deliberately unlike Twisted's StandardIO, which drops what is still
    // buffered for stdout when stdin ends: flush it, then ConnectionDone.
    loseConnection();
    return;
  }
  connectionLost(reason);
}

void Connection::writeConnectionLost(const Failure&) {
  if (auto* half = asHalfCloseable(protocol_.get())) half->writeConnectionLost();
}

// --- producer / consumer ---------------------------------------------------

void Connection::registerProducer(IProducer* producer, bool streaming) {
  if (hasTls_) return cold_->tls->protocol->registerProducer(producer, streaming);
  registerProducerRaw(producer, streaming);
}

void Connection::registerProducerRaw(IProducer* producer, bool streaming) {
  producers_.add(producer, streaming, disconnected_, bufferedBytes(), kBufferSize, this);
}

void Connection::unregisterProducer() {
  if (hasTls_) return cold_->tls->protocol->unregisterProducer();
  unregisterProducerRaw();
}

void Connection::unregisterProducerRaw() {
  producers_.remove();
  // A close waiting for the producer can go on now.
  if ((disconnecting_ || writeDisconnecting_) && !disconnected_ && !aborted_) startWriting();
}

void Connection::pauseProducing() {
  stopReading();
}

void Connection::resumeProducing() {
  if (!disconnecting_ && !disconnected_) startReading();
}

void Connection::stopProducing() {
  loseConnection();
}

// --- addresses, options, logging ----------------------------------------------

Address Connection::getPeer() const {
  if (isPipe_) return PipeAddress{};
  // From the address accept()/connect gave us: no system call, and still
  // right once the socket is closed (after abortConnection).
  if (peerV4_) return inet4Address(peerIp4_, peerPort_);
  if (cold_)
    if (std::optional<Address> a = cold_->peer.get()) return *a;
  return peerAddress(fd_);
}

Address Connection::getHost() const {
  if (isPipe_) return PipeAddress{};
  // Asked once (a connected socket's local address never changes) and kept,
  // so it is still right once the socket is closed (after abortConnection).
  if (cold_)
    if (std::optional<Address> a = cold_->host.get()) return *a;
  SockAddr local;
  local.length = sizeof local.storage;
  if (fd_ < 0 || ::getsockname(fd_, local.get(), &local.length) != 0) return localAddress(-1);
  const_cast<Connection*>(this)->cold().host.set(local.get(), local.length);
  return toAddress(local.get(), local.length);
}

bool Connection::getTcpNoDelay() const {
  int v = 0;
  socklen_t len = sizeof v;
  return fd_ >= 0 && ::getsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0;
}

void Connection::setTcpNoDelay(bool enabled) {
  // Twisted's unix transports inherit it and setsockopt raises: so do we.
  if (isUnix_ || isPipe_)
    throw std::system_error(EOPNOTSUPP, std::generic_category(),
                            isPipe_ ? "setTcpNoDelay on a pipe" : "setTcpNoDelay on a Unix socket");
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

std::optional<PeerCredentials> Connection::peerCredentials() const {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (!isUnix_ || fd_ < 0 || ::getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return std::nullopt;
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

std::string Connection::logPrefix() const {
  std::string proto = protocol_ ? protocol_->logPrefix() : "Uninitialized";
  if (isPipe_) return proto;
  if (connector()) return proto + ",client";
  return proto + "," + std::to_string(sessionno_) + "," + hostOf(getPeer());
}

}  // namespace twisted::internet::stream::detail
