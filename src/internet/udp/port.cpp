#include "internet/udp/port.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

namespace twisted::internet::udp::detail {

namespace log = python::log;
using python::Failure;
using stream::detail::errnoText;

namespace {
// recvmmsg batches: one per thread, like TCP's read buffer. A port holds no
// read memory while idle, and what datagramReceived gets is only valid
// during the call anyway.
constexpr int kMaxBatch = 64;
constexpr std::size_t kMaxReadBuffer = 1024 * 1024;
struct ReadBatch {
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  sockaddr_storage from[kMaxBatch];
  std::vector<char> data;
};
thread_local ReadBatch tBatch;

// Where write(datagram, addr) sends on a Unix datagram port.
SockAddr unixDestination(const Address& addr) {
  const auto* u = std::get_if<UNIXAddress>(&addr);
  if (!u)
    throw error::InvalidAddressError(hostOf(addr),
                                     "a Unix datagram port writes to UNIXAddress paths only");
  std::string why;
  std::optional<SockAddr> a = stream::detail::unixAddress(u->name, &why);
  if (!a) throw error::InvalidAddressError(u->name, why);
  return *a;
}

// A socket file nobody is bound to any more (a crashed process left it):
// a datagram sent there is refused. Removed, as listenUNIX does for stream
// sockets; a live socket or a file that is not a socket is left alone.
bool removeStaleSocketFile(const std::string& path, const SockAddr& addr) {
  struct stat st {};
  if (path.empty() || path[0] == '\0' || ::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
    return false;
  int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  const bool stale = ::connect(probe, addr.get(), addr.length) != 0 && errno == ECONNREFUSED;
  ::close(probe);
  return stale && ::unlink(path.c_str()) == 0;
}

[[noreturn]] void throwErrno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// An IPv6 interface: "" (any), an index ("2") or a name ("lo"); 0 if unknown.
bool interfaceIndex(const std::string& interface, unsigned* index) {
  if (interface.empty()) {
    *index = 0;
    return true;
  }
  unsigned v = 0;
  auto [end, ec] = std::from_chars(interface.data(), interface.data() + interface.size(), v);
  if (ec == std::errc() && end == interface.data() + interface.size()) {
    *index = v;
    return true;
  }
  *index = ::if_nametoindex(interface.c_str());
  return *index != 0;
}
}  // namespace

Port::Port(ReactorBase& reactor, int port, std::shared_ptr<DatagramProtocol> protocol,
           std::string interface, int maxPacketSize, bool multicast, bool listenMultiple)
    : reactor_(reactor),
      requestedPort_(port),
      protocol_(std::move(protocol)),
      interface_(std::move(interface)),
      maxPacketSize_(maxPacketSize),
      multicast_(multicast),
      listenMultiple_(listenMultiple),
      family_(familyOfInterface(interface_)) {
  if (!protocol_) throw std::invalid_argument("listenUDP: null protocol");
  if (maxPacketSize_ <= 0) throw std::invalid_argument("listenUDP: maxPacketSize must be > 0");
}

Port::Port(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<DatagramProtocol> protocol,
           int maxPacketSize)
    : reactor_(reactor),
      requestedPort_(0),
      protocol_(std::move(protocol)),
      maxPacketSize_(maxPacketSize),
      multicast_(false),
      listenMultiple_(false),
      family_(AF_UNIX),
      unix_(std::move(spec)) {
  if (!protocol_) throw std::invalid_argument("listenUNIXDatagram: null protocol");
  if (maxPacketSize_ <= 0)
    throw std::invalid_argument("listenUNIXDatagram: maxPacketSize must be > 0");
}

Port::Port(ReactorBase& reactor, int fd, int family, std::shared_ptr<DatagramProtocol> protocol,
           int maxPacketSize)
    : reactor_(reactor),
      requestedPort_(0),
      protocol_(std::move(protocol)),
      maxPacketSize_(maxPacketSize),
      multicast_(false),
      listenMultiple_(false),
      family_(family),
      adoptedFd_(fd) {
  if (!protocol_) throw std::invalid_argument("adoptDatagramPort: null protocol");
  if (maxPacketSize_ <= 0)
    throw std::invalid_argument("adoptDatagramPort: maxPacketSize must be > 0");
}

Port::~Port() {
  if (fd_ >= 0) ::close(fd_);
  if (adoptedFd_ >= 0) ::close(adoptedFd_);
}

std::string Port::where() const {
  if (family_ == AF_UNIX) return "'" + hostOf(host_) + "'";
  return std::to_string(portOf(host_));
}

Address Port::senderAddress(const sockaddr* from, socklen_t length) const {
  if (family_ == AF_UNIX) {
    // An unnamed sender (unbound, or a socketpair's end) comes with no address at all.
    if (length < sizeof(sa_family_t) || from->sa_family != AF_UNIX) return UNIXAddress{};
    return stream::detail::toAddress(from, length);
  }
  return toUDPAddress(from);
}

int Port::openSocket() {
  if (adoptedFd_ >= 0) return std::exchange(adoptedFd_, -1);
  if (family_ == AF_UNIX) {
    auto fail = [&](const std::string& why) -> int {
      throw error::CannotListenError::forPath(unix_.path, why);
    };
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errnoText(errno));
    if (!unix_.path.empty()) {
      std::string why;
      std::optional<SockAddr> addr = stream::detail::unixAddress(unix_.path, &why);
      int err = 0;
      if (addr && ::bind(fd, addr->get(), addr->length) != 0) {
        err = errno;
        // A socket file left by a crash: replaced, then bound again.
        if (err == EADDRINUSE && removeStaleSocketFile(unix_.path, *addr))
          err = ::bind(fd, addr->get(), addr->length) == 0 ? 0 : errno;
      }
      if (!addr || err != 0) {
        if (addr) why = errnoText(err);
        ::close(fd);
        return fail(why);
      }
      if (unix_.path[0] != '\0') {
        ownsPath_ = true;
        ::chmod(unix_.path.c_str(), static_cast<mode_t>(unix_.mode));
      }
    }
    return fd;
  }
  if (requestedPort_ < 0 || requestedPort_ > 65535)
    throw error::CannotListenError(interface_, requestedPort_, "port out of range 0-65535");
  SockAddr addr = bindAddress(interface_, requestedPort_);
  int fd = ::socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw error::CannotListenError(interface_, requestedPort_, errnoText(errno));
  if (listenMultiple_) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 && errno != ENOPROTOOPT) {
      int err = errno;
      ::close(fd);
      throw error::CannotListenError(interface_, requestedPort_, errnoText(err));
    }
  }
  if (::bind(fd, addr.get(), addr.length) != 0) {
    int err = errno;
    ::close(fd);
    throw error::CannotListenError(interface_, requestedPort_, errnoText(err));
  }
  return fd;
}

void Port::connectionFailed(const Failure& reason) {
  if (auto* connected = dynamic_cast<ConnectedDatagramProtocol*>(protocol_.get())) {
    log::LoggingContextScope scope(this);
    try {
      connected->connectionFailed(reason);
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in connectionFailed");
    }
  }
}

// --- listening ----------------------------------------------------------------

void Port::startListening() {
  if (listening_) return;
  int fd = openSocket();
  fd_ = fd;
  connected_ = false;  // a new socket (startListening after stopListening)
  lastDestination_.valid = false;
  SockAddr local;
  local.length = sizeof local.storage;
  ::getsockname(fd_, local.get(), &local.length);
  host_ = senderAddress(local.get(), local.length);
  if (unix_.connect) {
    // connectUNIXDatagram: Twisted reports a failure to the protocol
    // (connectionFailed) and raises nothing.
    std::string why;
    std::optional<Failure> failed;
    std::optional<SockAddr> peer = stream::detail::unixAddress(unix_.connectTo, &why);
    if (!peer)
      failed = Failure(error::ConnectError(why));
    else if (::connect(fd_, peer->get(), peer->length) != 0)
      failed = stream::detail::connectFailure(errno);  // ConnectionRefusedError, ...
    if (failed) {
      ::close(fd_);
      fd_ = -1;
      if (ownsPath_) ::unlink(unix_.path.c_str());
      ownsPath_ = false;
      connectionFailed(*failed);
      return;
    }
    peer_ = *peer;
    connected_ = true;
  }
  log::msg(protocol_->logPrefix() + " starting on " + where());
  listening_ = true;
  reactor_.holdKeepAlive(keepAlive_, shared_from_this());
  try {
    reactor_.addReader(this);
    reading_ = true;
  } catch (const std::exception& e) {
    // The reactor cannot watch the socket (select: fd >= FD_SETSIZE).
    listening_ = false;
    std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
    ::close(fd_);
    fd_ = -1;
    if (ownsPath_) ::unlink(unix_.path.c_str());
    ownsPath_ = false;
    if (family_ == AF_UNIX) throw error::CannotListenError::forPath(unix_.path, e.what());
    throw error::CannotListenError(interface_, requestedPort_, e.what());
  }
  // Twisted's order: makeConnection (startProtocol), then reading. If
  // startProtocol throws, listenUDP does, and nothing stays open or held.
  try {
    log::LoggingContextScope scope(this);
    protocol_->makeConnection(this);
  } catch (...) {
    listening_ = false;
    stopReading();
    std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
    reactor_.descriptorClosing(fd_);
    ::close(fd_);
    fd_ = -1;
    if (ownsPath_) ::unlink(unix_.path.c_str());
    ownsPath_ = false;
    if (protocol_->transport == this) protocol_->transport = nullptr;
    throw;
  }
}

void Port::stopReading() {
  if (reading_) {
    reactor_.removeReader(this);
    reading_ = false;
  }
}

defer::Deferred<void> Port::stopListening() {
  if (!listening_) return defer::succeed();
  listening_ = false;
  stopReading();  // stop reading now; close on the next iteration, as Twisted
  defer::Deferred<void> d;
  // The socket to close is this one: startListening() before the close ran
  // makes a new socket that must stay open.
  reactor_.callLater(0,
                     [this, fd = fd_, keep = reactor_.releaseKeepAlive(keepAlive_), d]() mutable {
                       closeAndStop(fd);
                       d.callback();
                     });
  return d;
}

void Port::closeAndStop(int fd) {
  log::msg((family_ == AF_UNIX ? "(Port " : "(UDP Port ") + where() + " Closed)");
  {
    log::LoggingContextScope scope(this);
    try {
      protocol_->doStop();
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in stopProtocol");
    }
  }
  if (fd >= 0) {
    reactor_.descriptorClosing(fd);
    ::close(fd);
    if (fd_ == fd) fd_ = -1;
  }
  // Unlike Twisted, the socket file this port made goes with it.
  if (ownsPath_) ::unlink(unix_.path.c_str());
  ownsPath_ = false;
}

void Port::connectionLost(const Failure& reason) {
  // Reactor shutdown, or doRead failed: close and stop the protocol.
  std::shared_ptr<void> keep = reactor_.releaseKeepAlive(keepAlive_);
  reading_ = false;
  if (listening_) {
    listening_ = false;
    if (!reason.check<error::ConnectionLost>() && !reason.check<error::ConnectionDone>())
      log::err(reason, "UDP port lost");
    closeAndStop(fd_);
  }
  // Leave our logging context before the last reference may go (see
  // stream::detail::Port::connectionLost).
  log::LoggingContextScope noContext(nullptr);
  keep.reset();
}

// --- reading ------------------------------------------------------------------

namespace {
// Writes a protocol makes while doRead delivers a batch are queued here and
// sent with one sendmmsg per batch (see "writing" below). One per thread,
// owned by the port whose doRead runs (a nested doRead does not batch).
struct WriteBatch {
  const Port* owner = nullptr;
  int count = 0;
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  sockaddr_storage to[kMaxBatch];
  std::size_t arenaOffset[kMaxBatch];
  bool inArena[kMaxBatch];
  std::string arena;  // copies of datagrams that are not in the read buffer
};
thread_local WriteBatch tWrites;

// The largest UDP payload the kernel takes (EMSGSIZE above): 65535 minus
// the IPv4 (20) and UDP (8) headers; IPv6's payload length excludes its
// header.
constexpr std::size_t kMaxDatagramV4 = 65507;
constexpr std::size_t kMaxDatagramV6 = 65527;
}  // namespace

DescriptorResult Port::doRead() {
  // Twisted reads until maxThroughput bytes; recvmmsg takes up to a batch
  // per system call. A short batch means the socket is drained.
  ReadBatch& b = tBatch;
  const std::size_t packet = static_cast<std::size_t>(maxPacketSize_);
  // Writes made while delivering are coalesced, unless another port's
  // doRead is batching on this thread (a nested iterate()).
  struct Batching {
    Port* port;
    bool on;
    explicit Batching(Port* p) : port(p), on(tWrites.owner == nullptr) {
      if (on) tWrites.owner = p;
    }
    ~Batching() {
      if (!on) return;
      port->flushWrites();
      tWrites.owner = nullptr;
    }
  } batching(this);
  std::size_t read = 0;
  while (read < kMaxThroughput && reading_) {
    // Up to 64 datagrams per call, in at most 1 MiB of buffer; the budget
    // is checked before each call (Twisted checks it before each datagram).
    const int batch =
        static_cast<int>(std::clamp<std::size_t>(kMaxReadBuffer / packet, 1, kMaxBatch));
    if (b.data.size() < packet * static_cast<std::size_t>(batch))
      b.data.resize(packet * static_cast<std::size_t>(batch));
    for (int i = 0; i < batch; ++i) {
      b.iov[i] = iovec{b.data.data() + packet * static_cast<std::size_t>(i), packet};
      msghdr& h = b.msgs[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &b.from[i];
      h.msg_namelen = sizeof b.from[i];
      h.msg_iov = &b.iov[i];
      h.msg_iovlen = 1;
    }
    int n = ::recvmmsg(fd_, b.msgs, static_cast<unsigned>(batch), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
      if (err == ECONNREFUSED) {
        // An ICMP error for an earlier datagram: in connected mode the
        // protocol hears of it; otherwise it means nothing (Twisted).
        if (connected_) {
          try {
            protocol_->connectionRefused();
          } catch (...) {
            log::err(std::current_exception(), "Unhandled error in connectionRefused");
          }
        }
        return std::nullopt;
      }
      return Failure(std::system_error(err, std::generic_category(), "recvmmsg"));
    }
    for (int i = 0; i < n && reading_; ++i) {
      const auto* from = reinterpret_cast<const sockaddr*>(&b.from[i]);
      const std::size_t len = b.msgs[i].msg_len;  // truncated to maxPacketSize
      read += len;
      // Queued before connect(): not from the peer, not delivered. (A
      // connected Unix socket receives only its peer's: the kernel checks.)
      if (connected_ && family_ != AF_UNIX && !sameEndpoint(from, peer_.get())) continue;
      const Address addr = senderAddress(from, b.msgs[i].msg_hdr.msg_namelen);
      deliveringFrom_ = &addr;
      deliveringSockAddr_ = from;
      deliveringLength_ = b.msgs[i].msg_hdr.msg_namelen;
      try {
        protocol_->datagramReceived(
            std::string_view(static_cast<const char*>(b.iov[i].iov_base), len), addr);
      } catch (...) {
        log::err(std::current_exception(), "Unhandled error in datagramReceived");
      }
      deliveringFrom_ = nullptr;
    }
    // Before the next recvmmsg reuses the buffer queued writes may point into.
    if (batching.on) flushWrites();
    if (n < batch) break;
  }
  return std::nullopt;
}

// --- writing ------------------------------------------------------------------
//
// Outside doRead, write() is one sendto. Inside it (a protocol answering the
// datagrams of a batch, like an echo server) writes are queued and sent with
// one sendmmsg when the batch has been delivered, before doRead returns:
// the same datagrams in the same order, a system call per batch instead of
// per datagram. What Twisted raises from write() is still raised from
// write(), synchronously: InvalidAddressError (the address is checked when
// queued) and MessageLengthError (the size is checked against the kernel's
// limit when queued). What the kernel reports only when sending comes later,
// within the same doRead: ECONNREFUSED in connected mode calls
// connectionRefused() then, a full buffer drops the rest of the batch (as
// it drops a single datagram), and any other error (EACCES for a broadcast
// without SO_BROADCAST, EMSGSIZE under a path MTU) is logged instead of
// raised. Every other transport method (connect, the socket options,
// writeSequence) sends what is queued first.

const SockAddr& Port::destinationFor(const Address& addr) {
  if (!lastDestination_.valid || !(lastDestination_.addr == addr)) {
    // Throws before the cache changes.
    SockAddr a = family_ == AF_UNIX ? unixDestination(addr) : destination(addr, family_);
    lastDestination_.sockaddr = a;
    lastDestination_.addr = addr;
    lastDestination_.valid = true;
  }
  return lastDestination_.sockaddr;
}

bool Port::batchingWrites() const noexcept {
  return tWrites.owner == this;
}

void Port::write(std::string_view datagram, const Address& addr) {
  const sockaddr* dest;
  socklen_t length;
  if (&addr == deliveringFrom_) {
    // Answering the datagram being delivered: its sender's own sockaddr.
    dest = deliveringSockAddr_;
    length = deliveringLength_;
  } else {
    const SockAddr& d = destinationFor(addr);
    dest = d.get();
    length = d.length;
  }
  if (connected_) {
    if (!sameEndpoint(dest, peer_.get()))
      throw error::InvalidAddressError(hostOf(addr), "a connected port can only write to its peer");
    dest = nullptr;
    length = 0;
  }
  sendOne(datagram, dest, length);
}

void Port::write(std::string_view datagram) {
  if (!connected_) throw std::logic_error("write() without an address needs connect() first");
  sendOne(datagram, nullptr, 0);
}

void Port::sendOne(std::string_view datagram, const sockaddr* dest, socklen_t length) {
  if (fd_ < 0) return;  // stopped: dropped, as writes after a TCP close are
  if (batchingWrites()) {
    // (A Unix datagram's limit is the socket buffer: the kernel says.)
    if (family_ != AF_UNIX &&
        datagram.size() > (family_ == AF_INET6 ? kMaxDatagramV6 : kMaxDatagramV4))
      throw error::MessageLengthError("message too long");
    queueWrite(datagram, dest, length);
    return;
  }
  iovec iov{const_cast<char*>(datagram.data()), datagram.size()};
  send(&iov, 1, dest, length);
}

void Port::writeSequence(std::span<const std::string_view> seq, const Address& addr) {
  if (batchingWrites()) flushWrites();
  std::vector<iovec> iov;
  iov.reserve(seq.size());
  for (std::string_view s : seq)
    iov.push_back(iovec{const_cast<char*>(s.data()), s.size()});
  const SockAddr& dest = destinationFor(addr);
  if (connected_ && !sameEndpoint(dest.get(), peer_.get()))
    throw error::InvalidAddressError(hostOf(addr), "a connected port can only write to its peer");
  if (fd_ < 0) return;
  send(iov.data(), static_cast<int>(iov.size()), connected_ ? nullptr : dest.get(),
       connected_ ? 0 : dest.length);
}

void Port::writeSequence(std::span<const std::string_view> seq) {
  if (!connected_) throw std::logic_error("write() without an address needs connect() first");
  if (batchingWrites()) flushWrites();
  std::vector<iovec> iov;
  iov.reserve(seq.size());
  for (std::string_view s : seq)
    iov.push_back(iovec{const_cast<char*>(s.data()), s.size()});
  if (fd_ < 0) return;
  send(iov.data(), static_cast<int>(iov.size()), nullptr, 0);
}

void Port::queueWrite(std::string_view datagram, const sockaddr* dest, socklen_t length) {
  WriteBatch& w = tWrites;
  if (w.count == kMaxBatch) flushWrites();
  const int i = w.count++;
  const std::vector<char>& rb = tBatch.data;
  const auto at = reinterpret_cast<std::uintptr_t>(datagram.data());
  const auto lo = reinterpret_cast<std::uintptr_t>(rb.data());
  if (datagram.data() && at >= lo && at + datagram.size() <= lo + rb.size()) {
    // In the read buffer (an echo): valid until the next recvmmsg, which
    // comes after the flush.
    w.inArena[i] = false;
    w.iov[i] = iovec{const_cast<char*>(datagram.data()), datagram.size()};
  } else {
    w.inArena[i] = true;
    w.arenaOffset[i] = w.arena.size();
    w.arena.append(datagram);
    w.iov[i] = iovec{nullptr, datagram.size()};
  }
  msghdr& h = w.msgs[i].msg_hdr;
  h = msghdr{};
  if (dest) {
    std::memcpy(&w.to[i], dest, length);
    h.msg_name = &w.to[i];
    h.msg_namelen = length;
  }
  h.msg_iov = &w.iov[i];
  h.msg_iovlen = 1;
}

void Port::flushWrites() {
  WriteBatch& w = tWrites;
  const int n = w.count;
  if (n == 0 || w.owner != this) return;
  w.count = 0;
  for (int i = 0; i < n; ++i)
    if (w.inArena[i]) w.iov[i].iov_base = w.arena.data() + w.arenaOffset[i];
  // A protocol called from here (connectionRefused) writes directly.
  w.owner = nullptr;
  int off = 0;
  while (off < n && fd_ >= 0) {
    int sent =
        ::sendmmsg(fd_, w.msgs + off, static_cast<unsigned>(n - off), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      off += sent;
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;  // full: the rest dropped
    ++off;                                                             // this datagram failed
    sendFailed(err);
  }
  w.arena.clear();
  w.owner = this;
}

void Port::sendFailed(int err) {
  if (err == ECONNREFUSED) {
    if (!connected_) return;
    try {
      protocol_->connectionRefused();
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in connectionRefused");
    }
    return;
  }
  if (err == EMSGSIZE) {
    log::err(Failure(error::MessageLengthError("message too long")), "Datagram not sent");
    return;
  }
  log::err(Failure(std::system_error(err, std::generic_category(), "sendmmsg")),
           "Datagram not sent");
}

void Port::send(const iovec* iov, int count, const sockaddr* dest, socklen_t length) {
  for (;;) {
    ssize_t n;
    if (count == 1) {
      n = ::sendto(fd_, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT, dest, length);
    } else {
      msghdr msg{};
      msg.msg_name = const_cast<sockaddr*>(dest);
      msg.msg_namelen = length;
      msg.msg_iov = const_cast<iovec*>(iov);
      msg.msg_iovlen = static_cast<std::size_t>(count);
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    if (n >= 0) return;
    int err = errno;
    switch (err) {
      case EINTR:
        continue;
      case EAGAIN:
#if EWOULDBLOCK != EAGAIN
      case EWOULDBLOCK:
#endif
      case ENOBUFS:
        // The socket buffer is full: dropped, as a full queue on the path
        // would drop it (UDP makes no promise; Twisted would raise).
        return;
      case EMSGSIZE:
        throw error::MessageLengthError("message too long");
      case ECONNREFUSED:
        // An earlier datagram's ICMP error. Connected: the protocol hears of
        // it, synchronously as in Twisted; otherwise ignored.
        if (connected_) protocol_->connectionRefused();
        return;
      default:
        throwErrno(err, "sendto");
    }
  }
}

void Port::connect(std::string_view host, int port) {
  if (connected_)
    throw std::runtime_error("already connected, reconnecting is not currently supported");
  SockAddr peer = connectAddress(host, port, family_);
  if (fd_ < 0) throw std::logic_error("connect() on a port that is not listening");
  if (batchingWrites()) flushWrites();
  if (::connect(fd_, peer.get(), peer.length) != 0) throwErrno(errno, "connect");
  peer_ = peer;
  connected_ = true;
}

void Port::setBroadcastAllowed(bool enabled) {
  if (batchingWrites()) flushWrites();
  int v = enabled ? 1 : 0;
  if (fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &v, sizeof v) != 0)
    throwErrno(errno, "setsockopt(SO_BROADCAST)");
}

bool Port::getBroadcastAllowed() const {
  int v = 0;
  socklen_t len = sizeof v;
  return fd_ >= 0 && ::getsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &v, &len) == 0 && v != 0;
}

// --- multicast ----------------------------------------------------------------

int Port::level() const noexcept {
  return family_ == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

std::string Port::getOutgoingInterface() const {
  if (family_ == AF_INET6) {
    int index = 0;
    socklen_t len = sizeof index;
    char name[IF_NAMESIZE] = {};
    if (::getsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, &len) != 0 || index == 0 ||
        !::if_indextoname(static_cast<unsigned>(index), name))
      return "";
    return name;
  }
  in_addr a{};
  socklen_t len = sizeof a;
  ::getsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &a, &len);
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

defer::Deferred<void> Port::setOutgoingInterface(const std::string& addr) {
  if (batchingWrites()) flushWrites();
  if (family_ == AF_INET6) {
    unsigned index = 0;
    if (!interfaceIndex(addr, &index))
      return defer::fail<void>(error::InvalidAddressError(addr, "no such interface"));
    int v = static_cast<int>(index);
    if (::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v) != 0)
      return defer::fail<void>(
          std::system_error(errno, std::generic_category(), "setsockopt(IPV6_MULTICAST_IF)"));
    return defer::succeed();
  }
  auto self = shared_from_this();
  return reactor_.resolve(addr).addCallback([self](std::string ip) {
    in_addr a{};
    if (::inet_pton(AF_INET, ip.c_str(), &a) != 1)
      throw error::InvalidAddressError(ip, "not an IPv4 address.");
    if (::setsockopt(self->fd_, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a) != 0)
      throwErrno(errno, "setsockopt(IP_MULTICAST_IF)");
  });
}

bool Port::getLoopbackMode() const {
  int v = 0;
  socklen_t len = sizeof v;
  ::getsockopt(fd_, level(), family_ == AF_INET6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, &v,
               &len);
  return v != 0;
}

void Port::setLoopbackMode(bool mode) {
  if (batchingWrites()) flushWrites();
  int v = mode ? 1 : 0;
  if (::setsockopt(fd_, level(), family_ == AF_INET6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, &v,
                   sizeof v) != 0)
    throwErrno(errno, "setsockopt(multicast loop)");
}

int Port::getTTL() const {
  int v = 0;
  socklen_t len = sizeof v;
  ::getsockopt(fd_, level(), family_ == AF_INET6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, &v,
               &len);
  return v;
}

void Port::setTTL(int ttl) {
  if (batchingWrites()) flushWrites();
  if (ttl < 0 || ttl > 255) throwErrno(EINVAL, "setTTL: out of range 0-255");
  if (::setsockopt(fd_, level(), family_ == AF_INET6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, &ttl,
                   sizeof ttl) != 0)
    throwErrno(errno, "setsockopt(multicast TTL)");
}

defer::Deferred<void> Port::joinGroup(const std::string& addr, const std::string& interface) {
  return changeMembership(addr, interface, true);
}

defer::Deferred<void> Port::leaveGroup(const std::string& addr, const std::string& interface) {
  return changeMembership(addr, interface, false);
}

defer::Deferred<void> Port::changeMembership(const std::string& group, const std::string& interface,
                                             bool join) {
  if (family_ == AF_INET6) {
    ipv6_mreq m{};
    if (::inet_pton(AF_INET6, group.c_str(), &m.ipv6mr_multiaddr) != 1)
      return defer::fail<void>(
          error::MulticastJoinError(group, interface, "not an IPv6 address literal"));
    unsigned index = 0;
    if (!interfaceIndex(interface, &index))
      return defer::fail<void>(error::MulticastJoinError(group, interface, "no such interface"));
    m.ipv6mr_interface = index;
    if (::setsockopt(fd_, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m) !=
        0)
      return defer::fail<void>(error::MulticastJoinError(group, interface, errnoText(errno)));
    return defer::succeed();
  }
  // Twisted: both names go through reactor.resolve (literals fire at once).
  auto self = shared_from_this();
  return reactor_.resolve(group).addCallback([self, group, interface, join](std::string groupIP) {
    return self->reactor_.resolve(interface).addCallback(
        [self, group, interface, groupIP, join](std::string interfaceIP) {
          self->changeMembershipV4(group, interface, groupIP, interfaceIP, join);
        });
  });
}

void Port::changeMembershipV4(const std::string& group, const std::string& interface,
                              const std::string& groupIP, const std::string& interfaceIP,
                              bool join) {
  ip_mreq m{};
  if (::inet_pton(AF_INET, groupIP.c_str(), &m.imr_multiaddr) != 1 ||
      ::inet_pton(AF_INET, interfaceIP.c_str(), &m.imr_interface) != 1)
    throw error::MulticastJoinError(group, interface, "not an IPv4 address");
  if (::setsockopt(fd_, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m) !=
      0)
    throw error::MulticastJoinError(group, interface, errnoText(errno));
}

std::string Port::logPrefix() const {
  return protocol_->logPrefix() + " (UDP)";
}

}  // namespace twisted::internet::udp::detail
