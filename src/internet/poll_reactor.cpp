// The poll(2) backend. Test: tests/internet/test_reactor.cpp (all backends)
#include <twisted/internet/poll_reactor.h>

#include <poll.h>

#include <cerrno>
#include <cmath>
#include <system_error>
#include <vector>

#include <twisted/internet/reactor.h>

namespace twisted::internet {

struct PollReactor::Impl {
  std::vector<pollfd> fds;    // the poll set, kept dense
  std::vector<int> position;  // fd -> index in fds, or -1
};

PollReactor::PollReactor(ReactorOptions options)
    : ReactorBase(std::move(options)), impl_(std::make_unique<Impl>()) {
  initWaker();
}

PollReactor::~PollReactor() = default;

void PollReactor::updateInterest(int fd, std::uint32_t, std::uint32_t newMask) {
  auto& pos = impl_->position;
  if (static_cast<std::size_t>(fd) >= pos.size()) pos.resize(fd + 1, -1);
  short events = static_cast<short>(((newMask & kWantRead) ? POLLIN : 0) |
                                    ((newMask & kWantWrite) ? POLLOUT : 0));
  int at = pos[fd];
  if (newMask == 0) {
    if (at < 0) return;
    // Swap-remove keeps the set dense.
    pollfd last = impl_->fds.back();
    impl_->fds[at] = last;
    pos[last.fd] = at;
    impl_->fds.pop_back();
    pos[fd] = -1;
  } else if (at < 0) {
    pos[fd] = static_cast<int>(impl_->fds.size());
    impl_->fds.push_back(pollfd{fd, events, 0});
  } else {
    impl_->fds[at].events = events;
  }
}

void PollReactor::waitForEvents(double timeout,
                                const std::function<void(int, std::uint32_t)>& ready) {
  int ms = timeout < 0 ? -1 : static_cast<int>(std::ceil(timeout * 1000.0));
  int n = ::poll(impl_->fds.data(), impl_->fds.size(), ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw std::system_error(errno, std::generic_category(), "poll");
  }
  for (const pollfd& p : impl_->fds) {
    if (!p.revents) continue;
    std::uint32_t bits = 0;
    if (p.revents & POLLIN) bits |= kReadable;
    if (p.revents & POLLOUT) bits |= kWritable;
    if (p.revents & (POLLHUP | POLLERR)) bits |= kHangup;
    if (p.revents & POLLNVAL) bits |= kInvalid;
    ready(p.fd, bits);
    if (--n == 0) break;
  }
}

namespace pollreactor {
void install() {
  installReactor(std::make_unique<PollReactor>());
}
}  // namespace pollreactor

}  // namespace twisted::internet
