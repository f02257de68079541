// The select(2) backend. Test: tests/internet/test_reactor.cpp (all backends)
#include <twisted/internet/select_reactor.h>

#include <fcntl.h>
#include <sys/select.h>

#include <cerrno>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include <twisted/internet/reactor.h>

namespace twisted::internet {

struct SelectReactor::Impl {
  int maxFd = -1;  // highest fd with interest (select's nfds - 1)
};

SelectReactor::SelectReactor(ReactorOptions options)
    : ReactorBase(std::move(options)), impl_(std::make_unique<Impl>()) {
  initWaker();
}

SelectReactor::~SelectReactor() = default;

void SelectReactor::updateInterest(int fd, std::uint32_t, std::uint32_t newMask) {
  if (fd >= FD_SETSIZE)
    throw std::invalid_argument("select() cannot watch fd " + std::to_string(fd) +
                                " (FD_SETSIZE is " + std::to_string(FD_SETSIZE) +
                                "); use the poll or epoll reactor");
  if (newMask && fd > impl_->maxFd) impl_->maxFd = fd;
}

void SelectReactor::waitForEvents(double timeout,
                                  const std::function<void(int, std::uint32_t)>& ready) {
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  int maxFd = -1;
  forEachInterest([&](int fd, std::uint32_t mask) {
    if (mask & kWantRead) FD_SET(fd, &r);
    if (mask & kWantWrite) FD_SET(fd, &w);
    maxFd = fd;
  });
  impl_->maxFd = maxFd;
  timeval tv{};
  timeval* tvp = nullptr;
  if (timeout >= 0) {
    double whole = std::floor(timeout);
    tv.tv_sec = static_cast<time_t>(whole);
    tv.tv_usec = static_cast<suseconds_t>(std::ceil((timeout - whole) * 1e6));
    if (tv.tv_usec >= 1000000) {
      tv.tv_sec += 1;
      tv.tv_usec = 0;
    }
    tvp = &tv;
  }
  int n = ::select(maxFd + 1, &r, &w, nullptr, tvp);
  if (n < 0) {
    if (errno == EINTR) return;
    if (errno == EBADF) {
      // A registered fd was closed behind our back: report the bad ones, as
      // Twisted's _preenDescriptors does, instead of failing the loop.
      forEachInterest([&](int fd, std::uint32_t) {
        if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) ready(fd, kInvalid);
      });
      return;
    }
    throw std::system_error(errno, std::generic_category(), "select");
  }
  for (int fd = 0; fd <= maxFd && n > 0; ++fd) {
    std::uint32_t bits = 0;
    if (FD_ISSET(fd, &r)) bits |= kReadable;
    if (FD_ISSET(fd, &w)) bits |= kWritable;
    if (bits) {
      ready(fd, bits);
      --n;
    }
  }
}

namespace selectreactor {
void install() {
  installReactor(std::make_unique<SelectReactor>());
}
}  // namespace selectreactor

}  // namespace twisted::internet
