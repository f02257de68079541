// DelayedCall (IDelayedCall) semantics, driven by a fake clock and iterate().
// Mirrors the cases of Twisted's test_base.py DelayedCallTests and the
// callLater cases of test_internet.py.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet.h>

namespace twisted::internet {
namespace {

class DelayedCallTest : public ::testing::Test {
 protected:
  // Runs one iteration at fake time `t` without blocking.
  void advanceTo(double t) {
    now = t;
    r->iterate(0);
  }
  double now = 0;
  std::unique_ptr<ReactorBase> r = makeReactor("epoll", ReactorOptions{[this] { return now; }});
};

// getTime is the absolute due time; active until it runs.
TEST_F(DelayedCallTest, GetTimeAndActive) {
  now = 10;
  int calls = 0;
  DelayedCall c = r->callLater(2.5, [&] { ++calls; });
  EXPECT_DOUBLE_EQ(c.getTime(), 12.5);
  EXPECT_TRUE(c.active());
  advanceTo(12.4);
  EXPECT_EQ(calls, 0);
  advanceTo(12.5);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(c.active());
  EXPECT_TRUE(c.called());
  EXPECT_FALSE(c.cancelled());
}

// Cancelling twice raises AlreadyCancelled; cancelling a called one AlreadyCalled.
TEST_F(DelayedCallTest, CancelErrors) {
  DelayedCall a = r->callLater(1, [] {});
  a.cancel();
  EXPECT_TRUE(a.cancelled());
  EXPECT_THROW(a.cancel(), error::AlreadyCancelled);
  EXPECT_THROW(a.reset(1), error::AlreadyCancelled);
  EXPECT_THROW(a.delay(1), error::AlreadyCancelled);
  DelayedCall b = r->callLater(1, [] {});
  advanceTo(1);
  EXPECT_THROW(b.cancel(), error::AlreadyCalled);
  EXPECT_THROW(b.reset(1), error::AlreadyCalled);
  EXPECT_THROW(b.delay(1), error::AlreadyCalled);
}

// `called` is set before the function runs: cancelling from inside raises AlreadyCalled.
TEST_F(DelayedCallTest, CancelFromInsideItsOwnCallRaisesAlreadyCalled) {
  DelayedCall self;
  bool raised = false;
  self = r->callLater(1, [&] {
    try {
      self.cancel();
    } catch (const error::AlreadyCalled&) {
      raised = true;
    }
  });
  advanceTo(1);
  EXPECT_TRUE(raised);
}

// Error messages match Twisted's.
TEST_F(DelayedCallTest, ErrorMessages) {
  EXPECT_STREQ(error::AlreadyCancelled().what(), "Tried to cancel an already-cancelled event.");
  EXPECT_STREQ(error::AlreadyCalled().what(), "Tried to cancel an already-called event.");
}

// delay() pushes the call back relative to its current time.
TEST_F(DelayedCallTest, Delay) {
  int calls = 0;
  DelayedCall c = r->callLater(1, [&] { ++calls; });
  c.delay(2);
  EXPECT_DOUBLE_EQ(c.getTime(), 3);
  advanceTo(2);
  EXPECT_EQ(calls, 0);
  advanceTo(3);
  EXPECT_EQ(calls, 1);
}

// reset() reschedules relative to now, earlier or later.
TEST_F(DelayedCallTest, Reset) {
  std::vector<std::string> order;
  DelayedCall a = r->callLater(5, [&] { order.push_back("a"); });
  DelayedCall b = r->callLater(3, [&] { order.push_back("b"); });
  now = 1;
  a.reset(1);  // due at 2, before b
  EXPECT_DOUBLE_EQ(a.getTime(), 2);
  advanceTo(3);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
  DelayedCall c = r->callLater(1, [&] { order.push_back("c"); });
  c.reset(10);  // later
  advanceTo(5);
  EXPECT_EQ(order.size(), 2u);
  advanceTo(13);
  EXPECT_EQ(order.back(), "c");
}

// Calls due at the same time run in scheduling order (many of them).
TEST_F(DelayedCallTest, SameTimeIsFifo) {
  std::vector<int> order;
  for (int i = 0; i < 100; ++i)
    r->callLater(1, [&order, i] { order.push_back(i); });
  advanceTo(1);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(order[i], i);
}

// Calls due at the same time after reset()/delay(), as Twisted 22.4's
// reactor orders them (a scheduled first): a call whose time does not change
// keeps its place; a moved call, sooner or later, goes after the calls
// already due at its new time.
TEST_F(DelayedCallTest, ResetAndDelayOrderAmongTies) {
  struct Case {
    const char* name;
    double a, b;  // callLater delays
    std::function<void(DelayedCall&, DelayedCall&)> change;
    const char* expected;
  };
  const Case cases[] = {
      {"reset to its own time", 1, 1, [](auto& a, auto&) { a.reset(1); }, "ab"},
      {"delay(0)", 1, 1, [](auto& a, auto&) { a.delay(0); }, "ab"},
      {"reset later onto a", 2, 1, [](auto&, auto& b) { b.reset(2); }, "ab"},
      {"delay later onto a", 2, 1, [](auto&, auto& b) { b.delay(1); }, "ab"},
      {"reset later onto b", 1, 2, [](auto& a, auto&) { a.reset(2); }, "ba"},
      {"reset sooner onto a", 1, 2, [](auto&, auto& b) { b.reset(1); }, "ab"},
      {"reset sooner onto b", 2, 1, [](auto& a, auto&) { a.reset(1); }, "ba"},
  };
  for (const Case& c : cases) {
    double t = 0;
    auto reactor = makeReactor("epoll", ReactorOptions{[&t] { return t; }});
    std::string order;
    DelayedCall a = reactor->callLater(c.a, [&] { order += 'a'; });
    DelayedCall b = reactor->callLater(c.b, [&] { order += 'b'; });
    c.change(a, b);
    t = 10;
    reactor->iterate(0);
    EXPECT_EQ(order, c.expected) << c.name;
  }
}

// A call reset from inside a running call does not run in the same iteration.
TEST_F(DelayedCallTest, ResetDuringIterationWaitsForNextIteration) {
  int bCalls = 0;
  DelayedCall b = r->callLater(5, [&] { ++bCalls; });
  r->callLater(1, [&] { b.reset(0); });
  advanceTo(1);
  EXPECT_EQ(bCalls, 0);
  r->iterate(0);
  EXPECT_EQ(bCalls, 1);
}

// Captured state is released on cancel and right after the call (before
// the next call of the same pass runs), not later, though handles remain.
TEST_F(DelayedCallTest, CapturesReleasedOnCancelAndAfterCall) {
  auto token = std::make_shared<int>(1);
  DelayedCall a = r->callLater(1, [token] {});
  DelayedCall b = r->callLater(1, [token] {});
  long seenByNext = 0;
  r->callLater(1, [&] { seenByNext = token.use_count(); });
  EXPECT_EQ(token.use_count(), 3);
  a.cancel();
  EXPECT_EQ(token.use_count(), 2);
  advanceTo(1);
  EXPECT_EQ(seenByNext, 1);
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_TRUE(b.called());
}

// Arguments are copied in at scheduling time.
TEST_F(DelayedCallTest, ArgumentsAreBoundAtScheduleTime) {
  std::string got;
  std::string arg = "hello, world";
  r->callLater(
      3.5, [&](const std::string& s) { got = "this will run 3.5 seconds after: " + s; }, arg);
  arg = "changed";
  advanceTo(3.5);
  EXPECT_EQ(got, "this will run 3.5 seconds after: hello, world");
}

// std::chrono delays work too.
TEST_F(DelayedCallTest, ChronoDelay) {
  using namespace std::chrono_literals;
  DelayedCall c = r->callLater(1500ms, [] {});
  EXPECT_DOUBLE_EQ(c.getTime(), 1.5);
  c.cancel();
}

// A handle may outlive its reactor: the pending call then counts as cancelled.
TEST_F(DelayedCallTest, HandleOutlivesReactor) {
  DelayedCall c = r->callLater(1, [] {});
  r.reset();
  EXPECT_TRUE(c.cancelled());
  EXPECT_FALSE(c.active());
  EXPECT_THROW(c.cancel(), error::AlreadyCancelled);
}

// An empty handle is falsy; copies compare equal.
TEST_F(DelayedCallTest, HandleIdentity) {
  DelayedCall empty;
  EXPECT_FALSE(empty);
  DelayedCall a = r->callLater(1, [] {});
  DelayedCall copy = a;
  EXPECT_TRUE(a);
  EXPECT_EQ(a, copy);
  copy.cancel();
  EXPECT_TRUE(a.cancelled());
}

// A million pending calls, every other one cancelled: the cancelled ones leave
// the heap at once (bounded memory), the rest all run in time order.
TEST_F(DelayedCallTest, MillionCallsHalfCancelled) {
  constexpr int kN = 1000000;
  std::vector<DelayedCall> calls;
  calls.reserve(kN);
  long fired = 0;
  double last = -1;
  bool ordered = true;
  std::uint64_t state = 12345;
  for (int i = 0; i < kN; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    double delay = static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);
    calls.push_back(r->callLater(delay, [&, delay] {
      ++fired;
      if (delay < last) ordered = false;
      last = delay;
    }));
  }
  for (int i = 1; i < kN; i += 2)
    calls[i].cancel();
  EXPECT_EQ(r->getDelayedCalls().size(), static_cast<std::size_t>(kN / 2));
  advanceTo(1);
  EXPECT_EQ(fired, kN / 2);
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(r->getDelayedCalls().empty());
}

}  // namespace
}  // namespace twisted::internet
