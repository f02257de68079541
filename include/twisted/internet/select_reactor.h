// SelectReactor: a reactor over select(2).
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/reactor_base.h>

namespace twisted::internet {

/// A reactor over select(2): portable, limited to fds below FD_SETSIZE (1024);
/// adding a larger fd throws std::invalid_argument.
/// Mirrors: twisted.internet.selectreactor.SelectReactor.
class TWISTED_API SelectReactor final : public ReactorBase {
 public:
  /// A reactor on select(2), configured by `options`.
  explicit SelectReactor(ReactorOptions options = {});
  ~SelectReactor() override;
  /// "select".
  std::string_view backendName() const override { return "select"; }

 private:
  struct Impl;
  void updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) override;
  void waitForEvents(double timeout, const std::function<void(int, std::uint32_t)>& ready) override;
  std::unique_ptr<Impl> impl_;
};

namespace selectreactor {
/// Installs a SelectReactor as the process-wide reactor(). Mirrors
/// twisted.internet.selectreactor.install. @throws error::ReactorAlreadyInstalledError.
TWISTED_API void install();
}  // namespace selectreactor

}  // namespace twisted::internet
