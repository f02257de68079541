// The epoll backend. Test: tests/internet/test_reactor.cpp (all backends)
#include <twisted/internet/epoll_reactor.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <set>
#include <system_error>
#include <vector>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::internet {

struct EPollReactor::Impl {
  int epfd = -1;
  std::vector<epoll_event> events = std::vector<epoll_event>(256);
  // fds epoll refuses (regular files, EPERM): always reported ready, with
  // their interest, as Twisted's continuous polling does.
  std::set<int> alwaysReady;
  // Unregistering is deferred to just before the next epoll_wait, so an fd
  // whose owner closes it in the meantime (descriptorClosing) costs no
  // EPOLL_CTL_DEL: close() drops it from the set.
  //
  // Each registration carries a tag (bumped on every ADD of that fd number)
  // in its event data. A skipped DEL is only safe if close() really removed
  // the registration, which the kernel does only when no other descriptor
  // (a dup(), a child forked without exec) still refers to the socket. If
  // one did, the stale registration reports events under the old number:
  // its tag (or the fd's empty interest) gives it away, the event is
  // dropped and the epoll set is rebuilt from the reactor's interests, so a
  // leftover never reaches a descriptor nor spins the loop.
  struct FdState {
    std::uint32_t tag = 0;
    bool pendingDel = false;  // listed in `deferred`, DEL not yet done
  };
  std::vector<FdState> fds;  // indexed by fd
  std::vector<int> deferred;

  FdState& at(int fd) {
    if (static_cast<std::size_t>(fd) >= fds.size()) fds.resize(static_cast<std::size_t>(fd) + 1);
    return fds[static_cast<std::size_t>(fd)];
  }
  static std::uint64_t data(int fd, std::uint32_t tag) noexcept {
    return (std::uint64_t{tag} << 32) | static_cast<std::uint32_t>(fd);
  }
  void flush() noexcept {
    for (int fd : deferred) {
      if (!fds[fd].pendingDel) continue;
      fds[fd].pendingDel = false;
      epoll_event ev{};
      ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);  // ENOENT/EBADF: already gone
    }
    deferred.clear();
  }
};

EPollReactor::EPollReactor(ReactorOptions options)
    : ReactorBase(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (impl_->epfd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  initWaker();
}

EPollReactor::~EPollReactor() {
  ::close(impl_->epfd);
}

void EPollReactor::updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) {
  if (impl_->alwaysReady.count(fd)) {
    if (newMask == 0) impl_->alwaysReady.erase(fd);
    return;
  }
  Impl::FdState& state = impl_->at(fd);
  if (newMask == 0) {
    // Deferred (see Impl): the owner may close the fd before the next wait.
    if (!state.pendingDel) {
      state.pendingDel = true;
      impl_->deferred.push_back(fd);
    }
    return;
  }
  // Re-added before its DEL ran: the fd may still be registered (ADD fails
  // with EEXIST and falls back to MOD below) or closed and its number reused
  // (ADD succeeds), so ADD is right either way.
  if (state.pendingDel) {
    state.pendingDel = false;
    oldMask = 0;
  }
  int op = oldMask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (op == EPOLL_CTL_ADD) ++state.tag;
  epoll_event ev{};
  ev.events = ((newMask & kWantRead) ? EPOLLIN : 0u) | ((newMask & kWantWrite) ? EPOLLOUT : 0u);
  ev.data.u64 = Impl::data(fd, state.tag);
  if (::epoll_ctl(impl_->epfd, op, fd, &ev) == 0) return;
  int err = errno;
  // The fd was closed (dropping it from the epoll set) and its number reused,
  // or closed and not yet reused: resynchronise instead of failing.
  if (op == EPOLL_CTL_ADD && err == EEXIST && ::epoll_ctl(impl_->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
    return;
  if (op == EPOLL_CTL_MOD && err == ENOENT && ::epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
    return;
  if (err == EPERM) {
    impl_->alwaysReady.insert(fd);
    return;
  }
  throw std::system_error(err, std::generic_category(), "epoll_ctl(fd " + std::to_string(fd) + ")");
}

void EPollReactor::rebuild() {
  // Only a fresh epoll instance forgets a registration whose socket is
  // still open elsewhere: EPOLL_CTL_DEL needs a descriptor for it.
  int fresh = ::epoll_create1(EPOLL_CLOEXEC);
  if (fresh < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  forEachInterest([&](int fd, std::uint32_t mask) {
    if (impl_->alwaysReady.count(fd)) return;
    epoll_event ev{};
    ev.events = ((mask & kWantRead) ? EPOLLIN : 0u) | ((mask & kWantWrite) ? EPOLLOUT : 0u);
    ev.data.u64 = Impl::data(fd, ++impl_->at(fd).tag);
    if (::epoll_ctl(fresh, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EPERM)
      impl_->alwaysReady.insert(fd);
  });
  // Keep the descriptor number: dup2 drops the old instance.
  ::dup3(fresh, impl_->epfd, O_CLOEXEC);
  ::close(fresh);
  python::log::msg(
      "epoll: a descriptor was closed while another descriptor or process still shared "
      "its socket; its registration lingered, so the epoll set was rebuilt");
}

void EPollReactor::forgetInterest(int fd) noexcept {
  if (static_cast<std::size_t>(fd) < impl_->fds.size()) impl_->fds[fd].pendingDel = false;
}

void EPollReactor::waitForEvents(double timeout,
                                 const std::function<void(int, std::uint32_t)>& ready) {
  impl_->flush();
  int ms;
  if (!impl_->alwaysReady.empty()) {
    ms = 0;
  } else if (timeout < 0) {
    ms = -1;
  } else {
    // Round up: waking before the due time would only spin.
    ms = static_cast<int>(std::ceil(timeout * 1000.0));
  }
  int n =
      ::epoll_wait(impl_->epfd, impl_->events.data(), static_cast<int>(impl_->events.size()), ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw std::system_error(errno, std::generic_category(), "epoll_wait");
  }
  bool stale = false;
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = impl_->events[i];
    int fd = static_cast<int>(static_cast<std::uint32_t>(ev.data.u64));
    auto tag = static_cast<std::uint32_t>(ev.data.u64 >> 32);
    if (static_cast<std::size_t>(fd) >= impl_->fds.size() || impl_->fds[fd].tag != tag ||
        interestOf(fd) == 0) {
      stale = true;  // a registration that outlived its descriptor (see Impl)
      continue;
    }
    std::uint32_t bits = 0;
    if (ev.events & EPOLLIN) bits |= kReadable;
    if (ev.events & EPOLLOUT) bits |= kWritable;
    if (ev.events & (EPOLLHUP | EPOLLERR)) bits |= kHangup;
    ready(fd, bits);
  }
  if (stale) rebuild();
  for (int fd : impl_->alwaysReady) {
    std::uint32_t mask = interestOf(fd);
    std::uint32_t bits =
        ((mask & kWantRead) ? kReadable : 0u) | ((mask & kWantWrite) ? kWritable : 0u);
    if (bits) ready(fd, bits);
  }
  // A full buffer means more may be waiting: grow for the next wait.
  if (static_cast<std::size_t>(n) == impl_->events.size() && impl_->events.size() < 65536)
    impl_->events.resize(impl_->events.size() * 2);
}

namespace epollreactor {
void install() {
  installReactor(std::make_unique<EPollReactor>());
}
}  // namespace epollreactor

}  // namespace twisted::internet
