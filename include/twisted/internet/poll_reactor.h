// PollReactor: a reactor over poll(2).
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/reactor_base.h>

namespace twisted::internet {

/// A reactor over poll(2): no descriptor limit, O(n) per wait.
/// Mirrors: twisted.internet.pollreactor.PollReactor.
class TWISTED_API PollReactor final : public ReactorBase {
 public:
  /// A reactor on poll(2), configured by `options`.
  explicit PollReactor(ReactorOptions options = {});
  ~PollReactor() override;
  /// "poll".
  std::string_view backendName() const override { return "poll"; }

 private:
  struct Impl;
  void updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) override;
  void waitForEvents(double timeout, const std::function<void(int, std::uint32_t)>& ready) override;
  std::unique_ptr<Impl> impl_;
};

namespace pollreactor {
/// Installs a PollReactor as the process-wide reactor(). Mirrors
/// twisted.internet.pollreactor.install. @throws error::ReactorAlreadyInstalledError.
TWISTED_API void install();
}  // namespace pollreactor

}  // namespace twisted::internet
