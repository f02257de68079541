// The epoll backend. Test: tests/internet/test_reactor.cpp (all backends)
#include <twisted/internet/epoll_reactor.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <set>
#include <system_error>
#include <vector>

#include <twisted/internet/reactor.h>

namespace twisted::internet {

struct EPollReactor::Impl {
  int epfd = -1;
  std::vector<epoll_event> events = std::vector<epoll_event>(256);
  // fds epoll refuses (regular files, EPERM): always reported ready, with
  // their interest, as Twisted's continuous polling does.
  std::set<int> alwaysReady;
  // Unregistering is deferred to just before the next epoll_wait, so an fd
  // whose owner closes it in the meantime (descriptorClosing) costs no
  // EPOLL_CTL_DEL: close() drops it from the set. pendingDel[fd] marks the
  // fds in `deferred` still waiting for their DEL.
  std::vector<int> deferred;
  std::vector<std::uint8_t> pendingDel;

  bool pending(int fd) const noexcept {
    return static_cast<std::size_t>(fd) < pendingDel.size() && pendingDel[fd];
  }
  void flush() noexcept {
    for (int fd : deferred) {
      if (!pendingDel[fd]) continue;
      pendingDel[fd] = 0;
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
  if (newMask == 0) {
    // Deferred (see Impl): the owner may close the fd before the next wait.
    if (static_cast<std::size_t>(fd) >= impl_->pendingDel.size())
      impl_->pendingDel.resize(static_cast<std::size_t>(fd) + 1);
    if (!impl_->pendingDel[fd]) {
      impl_->pendingDel[fd] = 1;
      impl_->deferred.push_back(fd);
    }
    return;
  }
  // Re-added before its DEL ran: the fd may still be registered (ADD fails
  // with EEXIST and falls back to MOD below) or closed and its number reused
  // (ADD succeeds), so ADD is right either way.
  if (impl_->pending(fd)) {
    impl_->pendingDel[fd] = 0;
    oldMask = 0;
  }
  epoll_event ev{};
  ev.events = ((newMask & kWantRead) ? EPOLLIN : 0u) | ((newMask & kWantWrite) ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  int op = oldMask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
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

void EPollReactor::forgetInterest(int fd) noexcept {
  if (impl_->pending(fd)) impl_->pendingDel[fd] = 0;
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
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = impl_->events[i];
    std::uint32_t bits = 0;
    if (ev.events & EPOLLIN) bits |= kReadable;
    if (ev.events & EPOLLOUT) bits |= kWritable;
    if (ev.events & (EPOLLHUP | EPOLLERR)) bits |= kHangup;
    ready(ev.data.fd, bits);
  }
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
