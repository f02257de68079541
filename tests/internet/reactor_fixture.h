// The one fixture for tests that run a real reactor of each backend
// (GetParam() = "epoll", "iouring", "poll" or "select"). A new backend is added to
// backends() below, and every suite instantiated with
// TWISTED_INSTANTIATE_BACKENDS runs on it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet/reactor.h>

namespace testing_internal {

/// Every reactor backend the tests cover, by makeReactor() name.
inline const std::vector<std::string>& backends() {
  static const std::vector<std::string> names{"epoll", "iouring", "poll", "select"};
  return names;
}

class RealReactorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { r = twisted::internet::makeReactor(GetParam()); }

  // Runs the reactor with a safety net: a test that forgets to stop fails
  // instead of hanging (the bound is not a timing assertion).
  void runBounded(double seconds = 20) {
    auto guard = r->callLater(seconds, [this] {
      ADD_FAILURE() << "reactor still running after the safety bound";
      r->stop();
    });
    r->run(false);
    if (guard.active()) guard.cancel();
  }

  // Iterates the reactor until done() or the safety bound, which fails the test.
  template <class Done>
  void spinUntil(Done done, double seconds = 20) {
    double deadline = r->seconds() + seconds;
    while (!done() && r->seconds() < deadline)
      r->iterate(0.01);
    EXPECT_TRUE(done()) << "not done after the safety bound";
  }

  // Iterates the reactor for about `seconds` (no stop needed).
  void spinFor(double seconds) {
    double end = r->seconds() + seconds;
    while (r->seconds() < end)
      r->iterate(0.01);
  }

  std::unique_ptr<twisted::internet::ReactorBase> r;
};

}  // namespace testing_internal

/// Runs every TEST_P of `Suite` (a RealReactorTest) once per backend, named
/// Backends/Suite.Test/<backend>.
#define TWISTED_INSTANTIATE_BACKENDS(Suite)                                 \
  INSTANTIATE_TEST_SUITE_P(                                                 \
      Backends, Suite, ::testing::ValuesIn(::testing_internal::backends()), \
      [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; })
