// A parameterised fixture for tests that run a real reactor of each backend
// (GetParam() = "epoll", "poll" or "select").
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <twisted/internet/reactor.h>

namespace testing_internal {

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

  std::unique_ptr<twisted::internet::ReactorBase> r;
};

}  // namespace testing_internal
