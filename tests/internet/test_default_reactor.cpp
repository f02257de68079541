// Choosing the reactor: makeReactor names, TWISTED_REACTOR, install rules.
// Mirrors Twisted's test_main.py (installReactor) and reactor selection.
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <twisted/internet.h>

namespace twisted::internet {
namespace {

// Every backend is available by name; "default" is epoll on Linux.
TEST(MakeReactor, Names) {
  EXPECT_EQ(makeReactor("epoll")->backendName(), "epoll");
  EXPECT_EQ(makeReactor("poll")->backendName(), "poll");
  EXPECT_EQ(makeReactor("select")->backendName(), "select");
  EXPECT_EQ(makeReactor("default")->backendName(), "epoll");
}

// An unknown name is a clear error listing the valid ones.
TEST(MakeReactor, UnknownNameIsAClearError) {
  try {
    makeReactor("kqueue");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'kqueue'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("epoll, poll, select"));
  }
}

// Independent reactors do not share state.
TEST(MakeReactor, InstancesAreIndependent) {
  auto a = makeReactor("epoll");
  auto b = makeReactor("epoll");
  a->callLater(1, [] {});
  EXPECT_EQ(a->getDelayedCalls().size(), 1u);
  EXPECT_TRUE(b->getDelayedCalls().empty());
}

// The process-wide reactor honours TWISTED_REACTOR on first use, and a second
// install is refused. Runs in a child process: the global is once per process.
TEST(GlobalReactor, EnvironmentChoosesBackendAndInstallIsOnce) {
  EXPECT_EXIT(
      {
        ::setenv("TWISTED_REACTOR", "poll", 1);
        bool ok = reactor().backendName() == "poll" && &reactor() == &reactor();
        try {
          epollreactor::install();
          ok = false;
        } catch (const error::ReactorAlreadyInstalledError&) {
        }
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// An explicit install before first use wins over the default.
TEST(GlobalReactor, InstallBeforeUse) {
  EXPECT_EXIT(
      {
        ::unsetenv("TWISTED_REACTOR");
        selectreactor::install();
        std::exit(reactor().backendName() == "select" && reactorInstalled() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// A bad TWISTED_REACTOR is reported, not ignored.
TEST(GlobalReactor, BadEnvironmentIsAnError) {
  EXPECT_EXIT(
      {
        ::setenv("TWISTED_REACTOR", "bogus", 1);
        try {
          reactor();
        } catch (const std::invalid_argument&) {
          std::exit(3);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "");
}

}  // namespace
}  // namespace twisted::internet
