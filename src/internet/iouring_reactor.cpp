// The io_uring backend. Test: tests/internet/test_reactor.cpp and every
// suite on tests/internet/reactor_fixture.h (all backends),
// tests/internet/test_iouring_reactor.cpp (what is io_uring's own).
//
// Two models side by side (docs/reactor-iouring.md):
//  - Readiness, for every descriptor registered with addReader/addWriter:
//    each watched fd has one single-shot IORING_OP_POLL_ADD for its whole
//    interest. Single-shot because arming a poll checks readiness at once,
//    so re-arming after every completion is level-triggered, the contract
//    every backend keeps (a reader that leaves bytes unread is told again).
//    Multishot polls fire on wake-ups only, as EPOLLET does.
//  - Completion, for the TCP connections that adopt() their socket
//    (CompletionIO, src/internet/completion_io.h): read interest keeps one
//    multishot IORING_OP_RECV armed, which fills buffers of a ring the
//    kernel picks from (no read buffer per connection); sends are requests
//    too. Their completions are turned into the same readable/writable
//    reports, so the reactor's dispatch and the transport's bookkeeping
//    stay what they are on the other backends.
// Every request, re-arm and removal of one iteration goes to the kernel
// together with the wait, in one io_uring_enter.
#include <twisted/internet/iouring_reactor.h>

#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <twisted/internet/epoll_reactor.h>
#include <twisted/internet/reactor.h>

#include "internet/completion_io.h"

namespace twisted::internet {

namespace {
constexpr unsigned kEntries = 4096;                   // submission queue
constexpr unsigned kCqEntries = 16384;                // completion queue: bursts of ready fds
constexpr std::uint64_t kIgnore = ~std::uint64_t{0};  // a removal's own completion

// user_data: the low two bits say what a completion is for.
constexpr std::uint64_t kPollOp = 0;  // tag << 32 | fd << 2
constexpr std::uint64_t kRecvOp = 1;  // gen << 44 | recvTag << 24 | fd << 2 | 1
constexpr std::uint64_t kSendOp = 2;  // SendOp* | 2
constexpr int kMaxStreamFd = (1 << 22) - 1;
constexpr std::uint32_t kTagMask = (1u << 20) - 1;

// The receive buffers: kBufferCount buffers of kBufferSize bytes, one group.
// Untouched pages cost nothing; a buffer holds one completion's bytes only
// until dataReceived has returned. The kernel takes the ring's buffers in
// order, so a ring holding all of them would touch every one in turn; only
// `target` of them are offered at a time, the most recently used first, so
// a server with little traffic keeps few of them resident.
constexpr unsigned kBufferCount = 1024;
constexpr unsigned kBufferSize = 32 * 1024;  // fits FdState::inlineLen
constexpr unsigned kBufferTarget = 128;      // offered at first; doubles when they run out
constexpr unsigned kMaxIov = 1024;           // IOV_MAX
constexpr unsigned kBufferGroup = 0;
constexpr std::uint32_t kOwnedToken = 0x80000000u;  // a held copy, not a ring buffer

std::uint64_t pollData(int fd, std::uint32_t tag) noexcept {
  return (std::uint64_t{tag} << 32) |
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd)) << 2) | kPollOp;
}
std::uint64_t recvData(int fd, std::uint32_t gen, std::uint32_t recvTag) noexcept {
  return (std::uint64_t{gen & kTagMask} << 44) | (std::uint64_t{recvTag & kTagMask} << 24) |
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd)) << 2) | kRecvOp;
}
}  // namespace

struct IOUringReactor::Impl final : detail::CompletionIO {
  explicit Impl(IOUringReactor& r) : reactor(r) {}

  IOUringReactor& reactor;
  io_uring ring{};
  bool ringReady = false;

  // One send request: owns its bytes until the kernel reports it done (the
  // connection may be gone by then), either one string or the chunks of a
  // connection's write buffer sent with sendmsg (moved, not copied: a
  // vector's move keeps its elements in place, so the iovecs stay valid).
  // Linked into `sends` so the reactor's destructor frees the ones still in
  // flight.
  struct SendOp {
    int fd;
    std::uint32_t gen;
    std::string bytes;
    std::vector<std::string> chunks;
    std::vector<iovec> iov;
    std::size_t iovFirst = 0;
    msghdr msg{};
    std::size_t offset = 0;  // of `bytes`, sent already
    std::size_t left = 0;    // bytes not sent yet
    SendOp* prev = nullptr;
    SendOp* next = nullptr;

    void advance(std::size_t n) noexcept {
      left -= n;
      if (chunks.empty()) {
        offset += n;
        return;
      }
      while (n > 0) {
        iovec& v = iov[iovFirst];
        if (n < v.iov_len) {
          v.iov_base = static_cast<char*>(v.iov_base) + n;
          v.iov_len -= n;
          return;
        }
        n -= v.iov_len;
        ++iovFirst;
      }
    }
  };
  SendOp* sends = nullptr;

  // Per fd (indexed by number).
  //  - Readiness: the tag of its armed poll (bumped for every new request,
  //    so a completion of a removed or older request, or one for a closed fd
  //    whose number was reused, is recognised and dropped) and the interest
  //    that request watches.
  //  - Completion (kStream): the generation of the adoption (bumped by
  //    adopt and by close, so nothing of a closed socket reaches the next
  //    one), the armed receive's tag, the oldest queued chunk inline (the
  //    rest in `overflow`), the end of the stream, the send in flight.
  struct FdState {
    std::uint32_t tag = 0;
    std::uint32_t gen = 0;
    std::uint32_t recvTag = 0;
    std::uint16_t inlineBid = 0;
    std::uint16_t inlineLen = 0;
    std::uint16_t endError = 0;
    std::uint16_t sendError = 0;
    std::uint8_t armedMask = 0;  // 0: no poll armed
    std::uint8_t flags = 0;
    std::uint8_t readyBits = 0;  // reported by this iteration (batch)
    SendOp* send = nullptr;
  };
  static constexpr std::uint8_t kStream = 1;     // adopted: completion model
  static constexpr std::uint8_t kRecvArmed = 2;  // a multishot receive is armed
  static constexpr std::uint8_t kInline = 4;     // inlineBid/inlineLen hold a chunk
  static constexpr std::uint8_t kOverflow = 8;   // more chunks in overflow[fd]
  static constexpr std::uint8_t kEnd = 16;       // the end is queued (after the chunks)
  static constexpr std::uint8_t kEnded = 32;     // the receive reported the end: no re-arm
  static constexpr std::uint8_t kBatched = 64;   // listed in `batch`
  std::vector<FdState> fds;
  std::vector<int> rearm;  // polls and receives that completed: re-armed before the next wait
  std::vector<int> batch;  // fds with readyBits to report
  // Adopted fds reported last iteration: told again while what they were
  // told still holds (bytes still queued; write interest and no send in
  // flight), as a level-triggered backend would.
  std::vector<int> reported;

  // A queued chunk beyond the inline one: a ring buffer, or a copy (kOwned)
  // taken when its socket stopped reading, so a paused connection holds no
  // ring buffer.
  struct Chunk {
    std::uint32_t token;
    std::uint32_t length;
    std::string owned;
  };
  std::unordered_map<int, std::deque<Chunk>> overflow;
  // Copies being delivered (a token with kOwnedToken indexes this).
  std::vector<std::string> held;
  std::vector<std::uint32_t> heldFree;

  // The buffer ring (nullptr: not available, no fd is adopted), the
  // buffers not offered (most recently used last), how many are offered.
  io_uring_buf_ring* bufRing = nullptr;
  char* buffers = nullptr;
  std::vector<std::uint16_t> spare;
  unsigned offered = 0;
  unsigned target = kBufferTarget;

  FdState& at(int fd) {
    if (static_cast<std::size_t>(fd) >= fds.size()) fds.resize(static_cast<std::size_t>(fd) + 1);
    return fds[static_cast<std::size_t>(fd)];
  }

  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (s == nullptr) {
      // Full: hand what is queued to the kernel and take a fresh slot.
      int rc = io_uring_submit(&ring);
      if (rc < 0 && rc != -EBUSY)
        throw std::system_error(-rc, std::generic_category(), "io_uring_submit");
      s = io_uring_get_sqe(&ring);
      if (s == nullptr) throw std::system_error(EBUSY, std::generic_category(), "io_uring sqe");
    }
    return s;
  }

  // --- readiness ---------------------------------------------------------

  void arm(int fd, FdState& state, std::uint32_t mask) {
    io_uring_sqe* s = sqe();
    unsigned events = ((mask & IOUringReactor::kWantRead) ? POLLIN : 0u) |
                      ((mask & IOUringReactor::kWantWrite) ? POLLOUT : 0u);
    io_uring_prep_poll_add(s, fd, events);
    ++state.tag;
    io_uring_sqe_set_data64(s, pollData(fd, state.tag));
    state.armedMask = static_cast<std::uint8_t>(mask);
  }

  void disarm(int fd, FdState& state) {
    io_uring_sqe* s = sqe();
    io_uring_prep_poll_remove(s, pollData(fd, state.tag));
    io_uring_sqe_set_data64(s, kIgnore);
    ++state.tag;  // whatever the old request still reports is stale
    state.armedMask = 0;
  }

  // --- completion: buffers -------------------------------------------------

  void setUpBuffers() {
    if (const char* off = std::getenv("TWISTED_IOURING_READINESS"); off && *off && *off != '0')
      return;  // operator switch: TCP on readiness too (for comparison)
    const std::size_t ringBytes = kBufferCount * sizeof(io_uring_buf);
    void* ringMem =
        ::mmap(nullptr, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (ringMem == MAP_FAILED) return;
    void* bufMem = ::mmap(nullptr, std::size_t{kBufferCount} * kBufferSize, PROT_READ | PROT_WRITE,
                          MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (bufMem == MAP_FAILED) {
      ::munmap(ringMem, ringBytes);
      return;
    }
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(ringMem);
    reg.ring_entries = kBufferCount;
    reg.bgid = kBufferGroup;
    if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
      // Before Linux 5.19: TCP stays on readiness.
      ::munmap(bufMem, std::size_t{kBufferCount} * kBufferSize);
      ::munmap(ringMem, ringBytes);
      return;
    }
    bufRing = static_cast<io_uring_buf_ring*>(ringMem);
    buffers = static_cast<char*>(bufMem);
    io_uring_buf_ring_init(bufRing);
    spare.reserve(kBufferCount);
    for (unsigned i = kBufferCount; i-- > 0;)
      spare.push_back(static_cast<std::uint16_t>(i));
    offer();
  }

  // Offers spare buffers until `target` are, the most recently used first.
  void offer() noexcept {
    int n = 0;
    while (offered < target && !spare.empty()) {
      std::uint16_t bid = spare.back();
      spare.pop_back();
      io_uring_buf_ring_add(bufRing, buffers + std::size_t{bid} * kBufferSize, kBufferSize, bid,
                            io_uring_buf_ring_mask(kBufferCount), n++);
      ++offered;
    }
    if (n > 0) io_uring_buf_ring_advance(bufRing, n);
  }

  void tearDownBuffers() noexcept {
    if (bufRing) ::munmap(bufRing, kBufferCount * sizeof(io_uring_buf));
    if (buffers) ::munmap(buffers, std::size_t{kBufferCount} * kBufferSize);
    bufRing = nullptr;
    buffers = nullptr;
  }

  // A buffer the kernel filled is free again (offered before the next wait).
  void giveBack(std::uint32_t bid) noexcept { spare.push_back(static_cast<std::uint16_t>(bid)); }

  // --- completion: receiving -----------------------------------------------

  void markReady(int fd, FdState& state, std::uint8_t bits) {
    state.readyBits |= bits;
    if (!(state.flags & kBatched)) {
      state.flags |= kBatched;
      batch.push_back(fd);
    }
  }

  void armRecv(int fd, FdState& state) {
    io_uring_sqe* s = sqe();
    io_uring_prep_recv_multishot(s, fd, nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = kBufferGroup;
    ++state.recvTag;
    io_uring_sqe_set_data64(s, recvData(fd, state.gen, state.recvTag));
    state.flags |= kRecvArmed;
  }

  void cancelRecv(int fd, FdState& state) {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel64(s, recvData(fd, state.gen, state.recvTag), 0);
    io_uring_sqe_set_data64(s, kIgnore);
    // Its last completions may still bring bytes: they are queued (same
    // generation), but its final one must not disarm a newer receive.
    ++state.recvTag;
    state.flags &= static_cast<std::uint8_t>(~kRecvArmed);
  }

  bool hasQueued(const FdState& state) const noexcept {
    return state.flags & (kInline | kOverflow | kEnd);
  }

  void queueChunk(int fd, FdState& state, std::uint32_t bid, std::uint32_t length) {
    if (!(state.flags & (kInline | kOverflow))) {
      state.inlineBid = static_cast<std::uint16_t>(bid);
      state.inlineLen = static_cast<std::uint16_t>(length);
      state.flags |= kInline;
      return;
    }
    overflow[fd].push_back(Chunk{bid, length, {}});
    state.flags |= kOverflow;
  }

  // The socket stopped reading with chunks queued: copy them out of the
  // ring, so paused connections cannot starve the others of buffers.
  void holdQueued(int fd, FdState& state) {
    if (!(state.flags & (kInline | kOverflow))) return;
    std::deque<Chunk>& q = overflow[fd];
    if (state.flags & kInline) {
      q.push_front(Chunk{state.inlineBid, state.inlineLen, {}});
      state.flags &= static_cast<std::uint8_t>(~kInline);
    }
    for (Chunk& c : q)
      if (!(c.token & kOwnedToken)) {
        c.owned.assign(buffers + std::size_t{c.token} * kBufferSize, c.length);
        giveBack(c.token);
        c.token = kOwnedToken;
      }
    state.flags |= kOverflow;
  }

  void dropQueued(int fd, FdState& state) noexcept {
    if (state.flags & kInline) giveBack(state.inlineBid);
    if (state.flags & kOverflow) {
      auto it = overflow.find(fd);
      if (it != overflow.end()) {
        for (const Chunk& c : it->second)
          if (!(c.token & kOwnedToken)) giveBack(c.token);
        overflow.erase(it);
      }
    }
    state.flags &= static_cast<std::uint8_t>(~(kInline | kOverflow | kEnd));
  }

  void onRecv(const io_uring_cqe* cqe, std::uint64_t data) {
    const int fd = static_cast<int>((data >> 2) & kMaxStreamFd);
    const auto gen = static_cast<std::uint32_t>(data >> 44);
    const auto recvTag = static_cast<std::uint32_t>((data >> 24) & kTagMask);
    const bool more = cqe->flags & IORING_CQE_F_MORE;
    const bool hasBuffer = cqe->flags & IORING_CQE_F_BUFFER;
    const std::uint32_t bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    if (hasBuffer) --offered;
    if (cqe->res == -ENOBUFS && target < kBufferCount) target *= 2;
    FdState* state =
        static_cast<std::size_t>(fd) < fds.size() ? &fds[static_cast<std::size_t>(fd)] : nullptr;
    if (!state || !(state->flags & kStream) || (state->gen & kTagMask) != gen) {
      if (hasBuffer) giveBack(bid);  // a closed socket's
      return;
    }
    const int res = cqe->res;
    if (res > 0 && hasBuffer) {
      queueChunk(fd, *state, bid, static_cast<std::uint32_t>(res));
    } else {
      if (hasBuffer) giveBack(bid);
      if (res == 0 || (res < 0 && res != -ENOBUFS && res != -ECANCELED)) {
        // The end: EOF, or the error that reset the connection.
        state->endError = static_cast<std::uint16_t>(res < 0 ? -res : 0);
        state->flags |= kEnd | kEnded;
      }
    }
    if (!more && (state->recvTag & kTagMask) == recvTag) {
      // This receive is over (the end, no buffer left, or the kernel's own
      // reasons): armed again before the next wait if still wanted.
      state->flags &= static_cast<std::uint8_t>(~kRecvArmed);
      if (!(state->flags & kEnded)) rearm.push_back(fd);
    }
    if (hasQueued(*state) && (reactor.interestOf(fd) & kWantRead)) markReady(fd, *state, kReadable);
  }

  // --- completion: sending -------------------------------------------------

  void submitSend(SendOp* op) {
    io_uring_sqe* s = sqe();
    if (op->chunks.empty()) {
      io_uring_prep_send(s, op->fd, op->bytes.data() + op->offset, op->left, MSG_NOSIGNAL);
    } else {
      op->msg.msg_iov = op->iov.data() + op->iovFirst;
      op->msg.msg_iovlen = std::min<std::size_t>(op->iov.size() - op->iovFirst, kMaxIov);
      io_uring_prep_sendmsg(s, op->fd, &op->msg, MSG_NOSIGNAL);
    }
    io_uring_sqe_set_data64(s, reinterpret_cast<std::uintptr_t>(op) | kSendOp);
  }

  void start(int fd, SendOp* op) {
    FdState& state = fds[static_cast<std::size_t>(fd)];
    op->fd = fd;
    op->gen = state.gen;
    op->next = sends;
    if (sends) sends->prev = op;
    sends = op;
    state.send = op;
    submitSend(op);
  }

  void freeSend(SendOp* op) noexcept {
    if (op->prev)
      op->prev->next = op->next;
    else
      sends = op->next;
    if (op->next) op->next->prev = op->prev;
    delete op;
  }

  void onSend(const io_uring_cqe* cqe, std::uint64_t data) {
    auto* op = reinterpret_cast<SendOp*>(data & ~std::uint64_t{3});
    FdState* state = static_cast<std::size_t>(op->fd) < fds.size()
                         ? &fds[static_cast<std::size_t>(op->fd)]
                         : nullptr;
    const bool current =
        state && (state->flags & kStream) && state->gen == op->gen && state->send == op;
    const int res = cqe->res;
    if (current && (res >= 0 || res == -EAGAIN || res == -EINTR) &&
        static_cast<std::size_t>(res > 0 ? res : 0) < op->left) {
      // A short send: the rest goes next, before anything written after it.
      op->advance(static_cast<std::size_t>(res > 0 ? res : 0));
      submitSend(op);
      return;
    }
    if (current) {
      if (res < 0) state->sendError = static_cast<std::uint16_t>(-res);
      state->send = nullptr;
      if (reactor.interestOf(op->fd) & kWantWrite) markReady(op->fd, *state, kWritable);
    }
    freeSend(op);
  }

  // --- CompletionIO ----------------------------------------------------------

  bool adopt(int fd) override {
    if (!bufRing || fd < 0 || fd > kMaxStreamFd) return false;
    FdState& state = at(fd);
    if (state.armedMask != 0) return false;  // already watched for readiness
    dropQueued(fd, state);
    ++state.gen;
    state.flags = kStream | (state.flags & kBatched);
    state.send = nullptr;
    state.sendError = 0;
    state.endError = 0;
    return true;
  }

  bool next(int fd, Received& out) override {
    FdState& state = fds[static_cast<std::size_t>(fd)];
    out = Received{};
    if (state.flags & kInline) {
      state.flags &= static_cast<std::uint8_t>(~kInline);
      out.data = {buffers + std::size_t{state.inlineBid} * kBufferSize, state.inlineLen};
      out.token = state.inlineBid;
      return true;
    }
    if (state.flags & kOverflow) {
      auto it = overflow.find(fd);
      std::deque<Chunk>& q = it->second;
      Chunk c = std::move(q.front());
      q.pop_front();
      if (q.empty()) {
        overflow.erase(it);
        state.flags &= static_cast<std::uint8_t>(~kOverflow);
      }
      if (c.token & kOwnedToken) {
        std::uint32_t slot;
        if (heldFree.empty()) {
          slot = static_cast<std::uint32_t>(held.size());
          held.emplace_back();
        } else {
          slot = heldFree.back();
          heldFree.pop_back();
        }
        held[slot] = std::move(c.owned);
        out.data = held[slot];
        out.token = kOwnedToken | slot;
      } else {
        out.data = {buffers + std::size_t{c.token} * kBufferSize, c.length};
        out.token = c.token;
      }
      return true;
    }
    if (state.flags & kEnd) {
      state.flags &= static_cast<std::uint8_t>(~kEnd);
      out.end = true;
      out.error = state.endError;
      return true;
    }
    return false;
  }

  void recycle(std::uint32_t token) noexcept override {
    if (token & kOwnedToken) {
      std::uint32_t slot = token & ~kOwnedToken;
      held[slot] = std::string();
      heldFree.push_back(slot);
    } else {
      giveBack(token);
    }
  }

  void send(int fd, std::string bytes) override {
    auto* op = new SendOp{};
    op->left = bytes.size();
    op->bytes = std::move(bytes);
    start(fd, op);
  }

  void send(int fd, std::vector<std::string> chunks, std::size_t firstOffset) override {
    auto* op = new SendOp{};
    op->chunks = std::move(chunks);
    op->iov.reserve(op->chunks.size());
    for (std::size_t i = 0; i < op->chunks.size(); ++i) {
      std::size_t skip = i == 0 ? firstOffset : 0;
      op->iov.push_back(iovec{op->chunks[i].data() + skip, op->chunks[i].size() - skip});
      op->left += op->chunks[i].size() - skip;
    }
    start(fd, op);
  }

  bool sending(int fd) const noexcept override {
    return fds[static_cast<std::size_t>(fd)].send != nullptr;
  }

  int takeSendError(int fd) noexcept override {
    FdState& state = fds[static_cast<std::size_t>(fd)];
    return std::exchange(state.sendError, 0);
  }

  // An adopted socket's interest changed.
  void updateStream(int fd, FdState& state, std::uint32_t oldMask, std::uint32_t newMask) {
    if (newMask & kWantRead) {
      if (!(state.flags & (kRecvArmed | kEnded))) armRecv(fd, state);
      if (hasQueued(state)) markReady(fd, state, kReadable);
    } else {
      if (state.flags & kRecvArmed) cancelRecv(fd, state);
      holdQueued(fd, state);
    }
    if ((newMask & kWantWrite) && !(oldMask & kWantWrite) && !state.send)
      markReady(fd, state, kWritable);
  }

  // An adopted socket is about to be closed. A request still on it holds
  // the file (the close would not reach the peer until it ended): cancel
  // them. A request still queued would reach the kernel after the close,
  // on whatever the number is by then: submit it now. Nothing the socket
  // had queued reaches the next one with its number. A socket whose
  // receive saw the end and has no send in flight (a peer that closed)
  // costs no system call here.
  void forgetStream(int fd, FdState& state) noexcept {
    if ((state.flags & kRecvArmed) || state.send) {
      io_uring_sqe* s = io_uring_get_sqe(&ring);
      if (s == nullptr) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
      }
      if (s != nullptr) {
        io_uring_prep_cancel_fd(s, fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(s, kIgnore);
      }
    }
    dropQueued(fd, state);
    ++state.gen;
    state.flags &= kBatched;
    state.send = nullptr;
    state.sendError = 0;
    state.readyBits = 0;
    if (io_uring_sq_ready(&ring) > 0) io_uring_submit(&ring);
  }
};

IOUringReactor::IOUringReactor(ReactorOptions options)
    : ReactorBase(std::move(options)), impl_(std::make_unique<Impl>(*this)) {
  // Test seam and operator switch: behave as a kernel without io_uring.
  if (const char* off = std::getenv("TWISTED_IOURING_DISABLE"); off && *off && *off != '0')
    throw std::system_error(ENOSYS, std::generic_category(),
                            "io_uring_queue_init (disabled by TWISTED_IOURING_DISABLE)");
  // COOP_TASKRUN (5.19): completions are finished when this thread next
  // enters the kernel, instead of interrupting it (an IPI per arriving
  // message). SUBMIT_ALL (5.18): one bad request does not stop the rest of
  // a batch. Older kernels refuse unknown flags: try without them.
  int rc = -EINVAL;
  io_uring_params params{};
  for (unsigned extra :
       {IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SUBMIT_ALL, 0u}) {
    if (extra & IORING_SETUP_COOP_TASKRUN) {
      if (const char* no = std::getenv("TWISTED_IOURING_NO_COOP"); no && *no == '1') continue;
    }
    params = io_uring_params{};
    params.flags = IORING_SETUP_CQSIZE | extra;
    params.cq_entries = kCqEntries;
    rc = io_uring_queue_init_params(kEntries, &impl_->ring, &params);
    if (rc != -EINVAL) break;
  }
  if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");
  impl_->ringReady = true;
  if (!(params.features & IORING_FEAT_NODROP)) {
    io_uring_queue_exit(&impl_->ring);
    impl_->ringReady = false;
    throw std::system_error(ENOSYS, std::generic_category(),
                            "io_uring without IORING_FEAT_NODROP (Linux < 5.5)");
  }
  impl_->setUpBuffers();
  initWaker();
}

IOUringReactor::~IOUringReactor() {
  // Exiting the ring cancels every request and drops the files they hold;
  // then nothing refers to the send buffers or the receive buffers.
  if (impl_->ringReady) io_uring_queue_exit(&impl_->ring);
  while (impl_->sends)
    impl_->freeSend(impl_->sends);
  impl_->tearDownBuffers();
}

detail::CompletionIO* IOUringReactor::completionIO() noexcept {
  return impl_->bufRing ? impl_.get() : nullptr;
}

void IOUringReactor::updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) {
  Impl::FdState& state = impl_->at(fd);
  if (state.flags & Impl::kStream) return impl_->updateStream(fd, state, oldMask, newMask);
  if (state.armedMask == newMask) return;
  if (state.armedMask != 0) {
    impl_->disarm(fd, state);
    if (newMask == 0) {
      // An armed poll holds a reference to the file: until its removal
      // reaches the kernel, the owner's close() would not close the socket
      // (the peer would see no FIN, a port would keep listening). Owners
      // drop their interest before they close, so submit the removal now.
      io_uring_submit(&impl_->ring);
      return;
    }
  }
  // A completed poll (armedMask 0, fd listed in `rearm`) is re-armed here
  // with the new interest; the rearm pass skips it, as it is armed again.
  if (newMask != 0) impl_->arm(fd, state, newMask);
}

void IOUringReactor::forgetInterest(int fd) noexcept {
  if (static_cast<std::size_t>(fd) < impl_->fds.size()) {
    Impl::FdState& state = impl_->fds[static_cast<std::size_t>(fd)];
    if (state.flags & Impl::kStream) return impl_->forgetStream(fd, state);
  }
  // The fd is about to be closed; its removal went in when its interest
  // dropped to 0 (updateInterest). Anything else queued goes now too, so no
  // request of ours refers to the number when close() frees it.
  if (io_uring_sq_ready(&impl_->ring) > 0) io_uring_submit(&impl_->ring);
}

void IOUringReactor::waitForEvents(double timeout,
                                   const std::function<void(int, std::uint32_t)>& ready) {
  for (int fd : impl_->rearm) {
    Impl::FdState& state = impl_->fds[static_cast<std::size_t>(fd)];
    std::uint32_t mask = interestOf(fd);
    if (state.flags & Impl::kStream) {
      if ((mask & kWantRead) && !(state.flags & (Impl::kRecvArmed | Impl::kEnded)))
        impl_->armRecv(fd, state);
    } else if (state.armedMask == 0 && mask != 0) {
      impl_->arm(fd, state, mask);
    }
  }
  impl_->rearm.clear();
  if (impl_->bufRing) impl_->offer();
  for (int fd : impl_->reported) {
    Impl::FdState& state = impl_->fds[static_cast<std::size_t>(fd)];
    if (!(state.flags & Impl::kStream)) continue;
    std::uint32_t mask = interestOf(fd);
    if ((mask & kWantRead) && impl_->hasQueued(state)) impl_->markReady(fd, state, kReadable);
    if ((mask & kWantWrite) && !state.send) impl_->markReady(fd, state, kWritable);
  }
  impl_->reported.clear();
  // Reports that need no kernel (queued bytes of a socket that resumed
  // reading, a socket that is writable as no send is in flight): no wait.
  if (!impl_->batch.empty()) timeout = 0;

  io_uring_cqe* cqe = nullptr;
  int rc;
  if (timeout == 0) {
    // Nothing to wait for: enter the kernel only to submit, or to finish
    // completions it flagged as waiting for this thread (COOP_TASKRUN).
    if (io_uring_sq_ready(&impl_->ring) > 0)
      rc = io_uring_submit_and_get_events(&impl_->ring);
    else if (IO_URING_READ_ONCE(*impl_->ring.sq.kflags) & IORING_SQ_TASKRUN)
      rc = io_uring_get_events(&impl_->ring);
    else
      rc = 0;
  } else if (timeout < 0) {
    rc = io_uring_submit_and_wait_timeout(&impl_->ring, &cqe, 1, nullptr, nullptr);
  } else {
    __kernel_timespec ts{};
    // Round up to the microsecond: waking before the due time only spins.
    double us = std::ceil(timeout * 1e6);
    ts.tv_sec = static_cast<long long>(us / 1e6);
    ts.tv_nsec = static_cast<long long>(us - static_cast<double>(ts.tv_sec) * 1e6) * 1000;
    rc = io_uring_submit_and_wait_timeout(&impl_->ring, &cqe, 1, &ts, nullptr);
  }
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN)
    throw std::system_error(-rc, std::generic_category(), "io_uring_enter");

  unsigned head = 0;
  unsigned seen = 0;
  io_uring_for_each_cqe(&impl_->ring, head, cqe) {
    ++seen;
    std::uint64_t data = io_uring_cqe_get_data64(cqe);
    switch (data & 3) {
      case kRecvOp:
        impl_->onRecv(cqe, data);
        continue;
      case kSendOp:
        impl_->onSend(cqe, data);
        continue;
      case kPollOp:
        break;
      default:
        continue;  // kIgnore: a removal's or a cancellation's own completion
    }
    int fd = static_cast<int>(static_cast<std::uint32_t>(data) >> 2);
    auto tag = static_cast<std::uint32_t>(data >> 32);
    if (static_cast<std::size_t>(fd) >= impl_->fds.size()) continue;
    Impl::FdState& state = impl_->fds[static_cast<std::size_t>(fd)];
    if (state.tag != tag || state.armedMask == 0) continue;  // removed or replaced
    state.armedMask = 0;                                     // single-shot: it is spent
    impl_->rearm.push_back(fd);
    std::uint32_t bits = 0;
    if (cqe->res < 0) {
      bits = cqe->res == -EBADF ? kInvalid : kHangup;
    } else {
      auto events = static_cast<unsigned>(cqe->res);
      if (events & POLLIN) bits |= kReadable;
      if (events & POLLOUT) bits |= kWritable;
      if (events & (POLLHUP | POLLERR)) bits |= kHangup;
      if (events & POLLNVAL) bits |= kInvalid;
    }
    if (interestOf(fd) != 0) ready(fd, bits);
  }
  io_uring_cq_advance(&impl_->ring, seen);

  // The adopted sockets' reports, each once, for the interest they have now.
  for (int fd : impl_->batch) {
    Impl::FdState& state = impl_->fds[static_cast<std::size_t>(fd)];
    std::uint32_t bits = state.readyBits;
    state.readyBits = 0;
    state.flags &= static_cast<std::uint8_t>(~Impl::kBatched);
    if (!(state.flags & Impl::kStream)) continue;
    std::uint32_t mask = interestOf(fd);
    if (!(mask & kWantRead)) bits &= ~kReadable;
    if (!(mask & kWantWrite) || state.send) bits &= ~kWritable;
    if (bits) {
      ready(fd, bits);
      impl_->reported.push_back(fd);
    }
  }
  impl_->batch.clear();
}

namespace iouringreactor {
void install() {
  installReactor(makeReactor("iouring"));
}
}  // namespace iouringreactor

}  // namespace twisted::internet
