// IOUringReactor: a reactor over io_uring(7) poll requests.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/reactor_base.h>

namespace twisted::internet {

/// A reactor over io_uring(7), level-triggered like EPollReactor: each
/// watched descriptor has one single-shot poll request, re-armed after it
/// completes, and every iteration submits its new requests and waits for
/// completions in one io_uring_enter(2). The constructor throws
/// std::system_error when the kernel (or a seccomp filter) refuses
/// io_uring; makeReactor("iouring") then logs why and falls back to epoll.
/// No Twisted equivalent (Twisted has no io_uring reactor); the FD-set
/// contract is IReactorFDSet's, as for every backend. docs/reactor-iouring.md.
class TWISTED_API IOUringReactor final : public ReactorBase {
 public:
  /// A reactor on a new io_uring instance, configured by `options`.
  /// @throws std::system_error if io_uring is unavailable.
  explicit IOUringReactor(ReactorOptions options = {});
  ~IOUringReactor() override;
  /// "iouring".
  std::string_view backendName() const override { return "iouring"; }
  /// Internal: multishot receives into a ring of provided buffers and send
  /// requests for the TCP transport (null where the kernel has no buffer
  /// rings, Linux < 5.19, or TWISTED_IOURING_READINESS=1).
  detail::CompletionIO* completionIO() noexcept override;

 private:
  struct Impl;
  void updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) override;
  void forgetInterest(int fd) noexcept override;
  void waitForEvents(double timeout, const std::function<void(int, std::uint32_t)>& ready) override;
  std::unique_ptr<Impl> impl_;
};

namespace iouringreactor {
/// Installs an IOUringReactor (or, if io_uring is refused, an EPollReactor)
/// as the process-wide reactor(). No Twisted equivalent.
/// @throws error::ReactorAlreadyInstalledError.
TWISTED_API void install();
}  // namespace iouringreactor

}  // namespace twisted::internet
