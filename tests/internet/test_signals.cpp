// IReactorSignals (a C++ addition) on every backend: handlers run in the
// loop and not in signal context, several per signal in order, removal
// restores the previous disposition (also from inside a handler), signals
// from other threads, coalescing, the one-owner-per-signal rule, and run()'s
// own SIGINT/SIGTERM handlers going through the same mechanism; and the
// example of docs/signals.md.
#include <signal.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

// docs/signals.md, verbatim.
#include <csignal>
#include <functional>
#include <utility>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

using twisted::internet::ReactorBase;
using twisted::internet::SignalHandlerId;

// Reloads a configuration on SIGHUP for as long as it exists.
class ReloadOnHangup {
 public:
  ReloadOnHangup(ReactorBase& reactor, std::function<void()> reload)
      : reactor_(reactor), reload_(std::move(reload)) {
    id_ = reactor_.addSignalHandler(SIGHUP, [this](int) {
      reload_();  // in the reactor thread, not in the signal handler
      twisted::python::log::msg("Received SIGHUP, configuration reloaded.");
    });
  }
  ~ReloadOnHangup() { reactor_.removeSignalHandler(id_); }
  ReloadOnHangup(const ReloadOnHangup&) = delete;
  ReloadOnHangup& operator=(const ReloadOnHangup&) = delete;

 private:
  ReactorBase& reactor_;
  std::function<void()> reload_;
  SignalHandlerId id_;
};

namespace twisted::internet {
namespace {

using ReactorSignalsTest = ::testing_internal::RealReactorTest;

// The handler currently installed for `signum`.
void (*dispositionOf(int signum))(int) {
  struct sigaction sa {};
  ::sigaction(signum, nullptr, &sa);
  return sa.sa_handler;
}

std::atomic<int> g_plainHandlerCalls{0};
extern "C" void plainHandler(int) {
  g_plainHandlerCalls.fetch_add(1, std::memory_order_relaxed);
}

// Installs `handler` for `signum` for the scope, then puts back what was there.
class ScopedDisposition {
 public:
  ScopedDisposition(int signum, void (*handler)(int)) : signum_(signum) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ::sigaction(signum, &sa, &old_);
  }
  ~ScopedDisposition() { ::sigaction(signum_, &old_, nullptr); }
  ScopedDisposition(const ScopedDisposition&) = delete;
  ScopedDisposition& operator=(const ScopedDisposition&) = delete;

 private:
  int signum_;
  struct sigaction old_ {};
};

bool logged(const testing::EventLoggingObserver& logs, const std::string& text) {
  for (const auto& ev : logs.events())
    if (python::log::textFromEventDict(ev) == text) return true;
  return false;
}

// raise() delivers to the calling thread before it returns: had the callback
// run inside the signal handler, it would see `raised` still false.
TEST_P(ReactorSignalsTest, HandlerRunsInTheLoopNotInTheSignalHandler) {
  bool raised = false;
  int calls = 0;
  r->addSignalHandler(SIGUSR1, [&](int signum) {
    EXPECT_EQ(signum, SIGUSR1);
    EXPECT_TRUE(raised);
    EXPECT_TRUE(r->isInIOThread());
    ++calls;
    r->stop();
  });
  r->callWhenRunning([&] {
    ::raise(SIGUSR1);
    raised = true;
  });
  runBounded();
  EXPECT_EQ(calls, 1);
}

TEST_P(ReactorSignalsTest, SeveralHandlersRunInRegistrationOrder) {
  std::vector<std::string> order;
  r->addSignalHandler(SIGUSR1, [&](int) { order.push_back("first"); });
  r->addSignalHandler(SIGUSR2, [&](int) { order.push_back("other signal"); });
  r->addSignalHandler(SIGUSR1, [&](int) { order.push_back("second"); });
  ::raise(SIGUSR1);
  spinUntil([&] { return order.size() >= 2; });
  spinFor(0.05);  // SIGUSR2's handler must stay silent
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}));
}

TEST_P(ReactorSignalsTest, AThrowingHandlerIsLoggedAndTheOthersStillRun) {
  testing::EventLoggingObserver logs;
  bool secondRan = false;
  r->addSignalHandler(SIGUSR1, [](int) { throw std::runtime_error("handler failed"); });
  r->addSignalHandler(SIGUSR1, [&](int) { secondRan = true; });
  ::raise(SIGUSR1);
  spinUntil([&] { return secondRan; });
  auto errors = logs.flushLoggedErrors<std::runtime_error>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(python::log::textFromEventDict(errors[0]).find("Unhandled error in a signal handler"),
            std::string::npos);
}

TEST_P(ReactorSignalsTest, FirstAddInstallsLastRemoveRestoresThePreviousDisposition) {
  ScopedDisposition previous(SIGUSR1, plainHandler);
  auto a = r->addSignalHandler(SIGUSR1, [](int) {});
  auto ours = dispositionOf(SIGUSR1);
  EXPECT_NE(ours, plainHandler);
  EXPECT_NE(ours, SIG_DFL);
  auto b = r->addSignalHandler(SIGUSR1, [](int) {});
  EXPECT_TRUE(r->removeSignalHandler(a));
  EXPECT_EQ(dispositionOf(SIGUSR1), ours);  // b still needs it
  EXPECT_FALSE(r->removeSignalHandler(a));  // already gone
  EXPECT_TRUE(r->removeSignalHandler(b));
  EXPECT_EQ(dispositionOf(SIGUSR1), plainHandler);
  // The restored handler really is the one that gets the signal.
  const int before = g_plainHandlerCalls.load();
  ::raise(SIGUSR1);
  EXPECT_EQ(g_plainHandlerCalls.load(), before + 1);
}

TEST_P(ReactorSignalsTest, ASignalFromAnotherThreadWakesTheBlockedLoop) {
  std::atomic<bool> handled{false};
  std::thread::id handledOn;
  r->addSignalHandler(SIGUSR1, [&](int) {
    handledOn = std::this_thread::get_id();
    handled = true;
    r->stop();
  });
  std::thread sender;
  // Raised in the other thread, so delivered there; the loop (no timer due
  // before the safety bound) is blocked in its poll until the waker fires.
  r->callWhenRunning([&] { sender = std::thread([] { ::raise(SIGUSR1); }); });
  runBounded();
  sender.join();
  EXPECT_TRUE(handled);
  EXPECT_EQ(handledOn, std::this_thread::get_id());
}

// Registered before run(), delivered many times before the loop looks: one
// pending signal, so exactly one call (raise() delivers synchronously).
TEST_P(ReactorSignalsTest, DeliveriesBeforeTheLoopLooksCoalesceIntoOneCall) {
  int calls = 0;
  r->addSignalHandler(SIGUSR1, [&](int) { ++calls; });
  for (int i = 0; i < 100; ++i)
    ::raise(SIGUSR1);
  r->callWhenRunning([&] { r->callLater(0, [&] { r->stop(); }); });
  runBounded();
  EXPECT_EQ(calls, 1);
  // A later delivery is a new call.
  ::raise(SIGUSR1);
  r->iterate(0);
  EXPECT_EQ(calls, 2);
}

TEST_P(ReactorSignalsTest, RemovalInsideAHandler) {
  ScopedDisposition previous(SIGUSR1, SIG_IGN);
  std::vector<std::string> calls;
  SignalHandlerId first, second, third;
  first = r->addSignalHandler(SIGUSR1, [&](int) {
    calls.push_back("first");
    EXPECT_TRUE(r->removeSignalHandler(first));   // itself
    EXPECT_TRUE(r->removeSignalHandler(second));  // one not yet called
  });
  second = r->addSignalHandler(SIGUSR1, [&](int) { calls.push_back("second"); });
  third = r->addSignalHandler(SIGUSR1, [&](int) {
    calls.push_back("third");
    EXPECT_TRUE(r->removeSignalHandler(third));  // the last one: restores SIG_IGN
  });
  ::raise(SIGUSR1);
  r->iterate(0);
  EXPECT_EQ(calls, (std::vector<std::string>{"first", "third"}));
  EXPECT_EQ(dispositionOf(SIGUSR1), SIG_IGN);
  ::raise(SIGUSR1);  // ignored now
  r->iterate(0);
  EXPECT_EQ(calls.size(), 2u);
}

TEST_P(ReactorSignalsTest, OneReactorOwnsASignalAtATime) {
  auto other = makeReactor(GetParam());
  auto id = r->addSignalHandler(SIGUSR1, [](int) {});
  EXPECT_THROW(other->addSignalHandler(SIGUSR1, [](int) {}), std::logic_error);
  // Another signal is free, and freed ones can be taken.
  int otherCalls = 0;
  auto usr2 = other->addSignalHandler(SIGUSR2, [&](int) { ++otherCalls; });
  EXPECT_TRUE(r->removeSignalHandler(id));
  other->addSignalHandler(SIGUSR1, [&](int) { ++otherCalls; });
  ::raise(SIGUSR1);
  other->iterate(0);
  EXPECT_EQ(otherCalls, 1);
  EXPECT_TRUE(other->removeSignalHandler(usr2));
}

TEST_P(ReactorSignalsTest, DestroyingTheReactorRestoresDispositions) {
  ScopedDisposition previous(SIGUSR2, plainHandler);
  r->addSignalHandler(SIGUSR2, [](int) {});
  EXPECT_NE(dispositionOf(SIGUSR2), plainHandler);
  r.reset();
  EXPECT_EQ(dispositionOf(SIGUSR2), plainHandler);
}

TEST_P(ReactorSignalsTest, SignalsThatCannotBeHandledInTheLoopAreRefused) {
  for (int bad : {0, -1, NSIG, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    EXPECT_THROW(r->addSignalHandler(bad, [](int) {}), std::invalid_argument) << bad;
  EXPECT_THROW(r->addSignalHandler(SIGUSR1, nullptr), std::logic_error);
  EXPECT_EQ(dispositionOf(SIGUSR1), SIG_DFL);
}

// run()'s SIGTERM handler is one of ours: a user's SIGTERM handler on the
// same reactor runs too, and both are gone after run().
TEST_P(ReactorSignalsTest, RunShutdownHandlerSharesTheSignalWithUserHandlers) {
  testing::EventLoggingObserver logs;
  bool userRan = false;
  auto id = r->addSignalHandler(SIGTERM, [&](int) { userRan = true; });
  r->callWhenRunning([] { ::raise(SIGTERM); });
  auto guard = r->callLater(20, [&] { r->stop(); });
  r->run(true);
  EXPECT_TRUE(guard.active());
  guard.cancel();
  EXPECT_TRUE(userRan);
  EXPECT_TRUE(logged(logs, "Received SIGTERM, shutting down."));
  EXPECT_NE(dispositionOf(SIGTERM), SIG_DFL);  // the user's handler is still there
  EXPECT_TRUE(r->removeSignalHandler(id));
  EXPECT_EQ(dispositionOf(SIGTERM), SIG_DFL);
}

// As Twisted: SIGINT is left alone if something took it over, here a
// handler of this reactor; that handler decides what SIGINT does.
TEST_P(ReactorSignalsTest, RunLeavesATakenSigintAlone) {
  testing::EventLoggingObserver logs;
  int userCalls = 0;
  auto id = r->addSignalHandler(SIGINT, [&](int) {
    ++userCalls;
    r->stop();
  });
  r->callWhenRunning([] { ::raise(SIGINT); });
  auto guard = r->callLater(20, [&] { r->stop(); });
  r->run(true);
  EXPECT_TRUE(guard.active());
  guard.cancel();
  EXPECT_EQ(userCalls, 1);
  EXPECT_FALSE(logged(logs, "Received SIGINT, shutting down."));
  EXPECT_TRUE(r->removeSignalHandler(id));
  EXPECT_EQ(dispositionOf(SIGINT), SIG_DFL);
}

TEST_P(ReactorSignalsTest, RunSigintStopsAndIsRestored) {
  testing::EventLoggingObserver logs;
  ScopedDisposition dfl(SIGINT, SIG_DFL);
  r->callWhenRunning([] { ::raise(SIGINT); });
  auto guard = r->callLater(20, [&] { r->stop(); });
  r->run(true);
  EXPECT_TRUE(guard.active());
  guard.cancel();
  EXPECT_TRUE(logged(logs, "Received SIGINT, shutting down."));
  EXPECT_EQ(dispositionOf(SIGINT), SIG_DFL);
}

// docs/signals.md's ReloadOnHangup: reloads on SIGHUP while it exists; the
// default disposition is back after it.
TEST_P(ReactorSignalsTest, DocExample) {
  testing::EventLoggingObserver logs;
  int reloads = 0;
  {
    ReloadOnHangup watcher(*r, [&] { ++reloads; });
    ::raise(SIGHUP);
    spinUntil([&] { return reloads == 1; });
    EXPECT_TRUE(logged(logs, "Received SIGHUP, configuration reloaded."));
  }
  EXPECT_EQ(dispositionOf(SIGHUP), SIG_DFL);
}

TWISTED_INSTANTIATE_BACKENDS(ReactorSignalsTest);

}  // namespace
}  // namespace twisted::internet
