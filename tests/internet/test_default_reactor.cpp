// Choosing the reactor: makeReactor names, TWISTED_REACTOR, install rules.
// Mirrors Twisted's test_main.py (installReactor) and reactor selection.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <twisted/internet.h>
#include <twisted/python/threadpool.h>

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
    EXPECT_THAT(e.what(), ::testing::HasSubstr("epoll, iouring, poll, select"));
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

// A reactor from makeReactor stops (and joins) its thread pool when it is
// destroyed, even if it never ran its shutdown (crash()).
TEST(MakeReactor, DestroyingAReactorStopsItsThreadPool) {
  auto r = makeReactor("epoll");
  std::atomic<bool> finished{false};
  r->callWhenRunning([&] {
    r->callInThread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
    });
    r->crash();  // no shutdown: the pool is still running
  });
  r->run(false);
  ASSERT_TRUE(r->getThreadPool().started());
  r.reset();
  EXPECT_TRUE(finished) << "the worker was not joined";
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

// The process-wide reactor is never destroyed: an exit handler registered
// before its first use (so it runs after any static owner of it would have
// been destroyed) still reaches it (ASan flags a destroyed one).
TEST(GlobalReactor, ReachableDuringStaticDestruction) {
  EXPECT_EXIT(
      {
        ::unsetenv("TWISTED_REACTOR");
        std::atexit([] {
          ReactorBase& r = reactor();
          DelayedCall c = r.callLater(1, [] {});
          const bool ok = r.getDelayedCalls().size() == 1 && c.active();
          c.cancel();
          ::_exit(ok ? 7 : 1);
        });
        reactor().callLater(5, [] {}).cancel();
        std::exit(0);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace twisted::internet
