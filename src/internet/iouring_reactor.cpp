// The io_uring backend. Test: tests/internet/test_reactor.cpp and every
// suite on tests/internet/reactor_fixture.h (all backends),
// tests/internet/test_iouring_reactor.cpp (what is io_uring's own).
//
// Readiness, not completion: each watched fd has one single-shot
// IORING_OP_POLL_ADD for its whole interest. Single-shot because arming a
// poll checks readiness at once, so re-arming after every completion is
// level-triggered, the contract every backend keeps (a reader that leaves
// bytes unread is told again). Multishot polls fire on wake-ups only, as
// EPOLLET does. Re-arms, new polls and removals of one iteration go to the
// kernel together with the wait, in one io_uring_enter.
#include <twisted/internet/iouring_reactor.h>

#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <twisted/internet/epoll_reactor.h>
#include <twisted/internet/reactor.h>

namespace twisted::internet {

namespace {
constexpr unsigned kEntries = 4096;                   // submission queue
constexpr unsigned kCqEntries = 16384;                // completion queue: bursts of ready fds
constexpr std::uint64_t kIgnore = ~std::uint64_t{0};  // a removal's own completion

std::uint64_t userData(int fd, std::uint32_t tag) noexcept {
  return (std::uint64_t{tag} << 32) | static_cast<std::uint32_t>(fd);
}
}  // namespace

struct IOUringReactor::Impl {
  io_uring ring{};
  bool ringReady = false;
  // Per fd (indexed by number): the tag of its armed poll (bumped for every
  // new request, so a completion of a removed or older request, or one for
  // a closed fd whose number was reused, is recognised and dropped) and
  // the interest that request watches.
  struct FdState {
    std::uint32_t tag = 0;
    std::uint32_t armedMask = 0;  // 0: no poll armed
  };
  std::vector<FdState> fds;
  std::vector<int> rearm;  // polls that completed: re-armed before the next wait

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

  void arm(int fd, FdState& state, std::uint32_t mask) {
    io_uring_sqe* s = sqe();
    unsigned events = ((mask & IOUringReactor::kWantRead) ? POLLIN : 0u) |
                      ((mask & IOUringReactor::kWantWrite) ? POLLOUT : 0u);
    io_uring_prep_poll_add(s, fd, events);
    ++state.tag;
    io_uring_sqe_set_data64(s, userData(fd, state.tag));
    state.armedMask = mask;
  }

  void disarm(int fd, FdState& state) {
    io_uring_sqe* s = sqe();
    io_uring_prep_poll_remove(s, userData(fd, state.tag));
    io_uring_sqe_set_data64(s, kIgnore);
    ++state.tag;  // whatever the old request still reports is stale
    state.armedMask = 0;
  }
};

IOUringReactor::IOUringReactor(ReactorOptions options)
    : ReactorBase(std::move(options)), impl_(std::make_unique<Impl>()) {
  // Test seam and operator switch: behave as a kernel without io_uring.
  if (const char* off = std::getenv("TWISTED_IOURING_DISABLE"); off && *off && *off != '0')
    throw std::system_error(ENOSYS, std::generic_category(),
                            "io_uring_queue_init (disabled by TWISTED_IOURING_DISABLE)");
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = kCqEntries;
  int rc = io_uring_queue_init_params(kEntries, &impl_->ring, &params);
  if (rc == -EINVAL) {
    // Before 5.18 (SUBMIT_ALL): submission stops at the first failing
    // request, which submit() then retries past.
    params = io_uring_params{};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    rc = io_uring_queue_init_params(kEntries, &impl_->ring, &params);
  }
  if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");
  impl_->ringReady = true;
  if (!(params.features & IORING_FEAT_NODROP)) {
    io_uring_queue_exit(&impl_->ring);
    impl_->ringReady = false;
    throw std::system_error(ENOSYS, std::generic_category(),
                            "io_uring without IORING_FEAT_NODROP (Linux < 5.5)");
  }
  initWaker();
}

IOUringReactor::~IOUringReactor() {
  // Exiting the ring cancels every poll and drops the files they hold.
  if (impl_->ringReady) io_uring_queue_exit(&impl_->ring);
}

void IOUringReactor::updateInterest(int fd, std::uint32_t /*oldMask*/, std::uint32_t newMask) {
  Impl::FdState& state = impl_->at(fd);
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

void IOUringReactor::forgetInterest(int /*fd*/) noexcept {
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
    if (state.armedMask == 0 && mask != 0) impl_->arm(fd, state, mask);
  }
  impl_->rearm.clear();

  io_uring_cqe* cqe = nullptr;
  int rc;
  if (timeout == 0) {
    rc = io_uring_sq_ready(&impl_->ring) > 0 ? io_uring_submit(&impl_->ring) : 0;
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
    if (data == kIgnore) continue;
    int fd = static_cast<int>(static_cast<std::uint32_t>(data));
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
}

namespace iouringreactor {
void install() {
  installReactor(makeReactor("iouring"));
}
}  // namespace iouringreactor

}  // namespace twisted::internet
