// EPollReactor: the default reactor on Linux.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/reactor_base.h>

namespace twisted::internet {

/// A reactor over epoll(7), level-triggered. Descriptors epoll refuses
/// (regular files: EPERM) are reported ready on every iteration, as Twisted's
/// continuous polling does. Mirrors: twisted.internet.epollreactor.EPollReactor.
class TWISTED_API EPollReactor final : public ReactorBase {
 public:
  /// A reactor on epoll(7), configured by `options`.
  explicit EPollReactor(ReactorOptions options = {});
  ~EPollReactor() override;
  /// "epoll".
  std::string_view backendName() const override { return "epoll"; }

 private:
  struct Impl;
  void updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) override;
  void forgetInterest(int fd) noexcept override;
  void rebuild();
  void waitForEvents(double timeout, const std::function<void(int, std::uint32_t)>& ready) override;
  std::unique_ptr<Impl> impl_;
};

namespace epollreactor {
/// Installs an EPollReactor as the process-wide reactor(). Mirrors
/// twisted.internet.epollreactor.install. @throws error::ReactorAlreadyInstalledError.
TWISTED_API void install();
}  // namespace epollreactor

}  // namespace twisted::internet
