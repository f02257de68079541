// task::Clock. Mirrors the Clock cases of Twisted's test_task.py.
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet/error.h>
#include <twisted/internet/task.h>

namespace twisted::internet::task {
namespace {

// Time starts at 0 and moves only with advance().
TEST(Clock, SecondsAndAdvance) {
  Clock c;
  EXPECT_EQ(c.seconds(), 0);
  c.advance(2.5);
  EXPECT_EQ(c.seconds(), 2.5);
  c.pump({1, 1, 0.5});
  EXPECT_EQ(c.seconds(), 5);
}

// callLater runs in advance() once due; arguments are bound.
TEST(Clock, CallLater) {
  Clock c;
  std::vector<std::string> events;
  DelayedCall call = c.callLater(
      1, [&](std::string s) { events.push_back(s); }, "test");
  EXPECT_EQ(call.getTime(), 1);
  c.advance(0.5);
  EXPECT_TRUE(events.empty());
  c.advance(0.5);
  EXPECT_EQ(events, (std::vector<std::string>{"test"}));
  EXPECT_TRUE(call.called());
}

// Negative delays are accepted (Twisted's Clock does too).
TEST(Clock, NegativeDelay) {
  Clock c;
  bool ran = false;
  c.callLater(-1, [&] { ran = true; });
  c.advance(0);
  EXPECT_TRUE(ran);
}

// getDelayedCalls lists pending calls in time order; cancel removes.
TEST(Clock, GetDelayedCalls) {
  Clock c;
  DelayedCall b = c.callLater(2, [] {});
  DelayedCall a = c.callLater(1, [] {});
  DelayedCall x = c.callLater(3, [] {});
  x.cancel();
  auto calls = c.getDelayedCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], a);
  EXPECT_EQ(calls[1], b);
}

// Equal times run FIFO; calls made due during advance run in that advance.
TEST(Clock, FifoAndSameAdvance) {
  Clock c;
  std::vector<int> order;
  c.callLater(1, [&] {
    order.push_back(1);
    c.callLater(0, [&] { order.push_back(3); });
  });
  c.callLater(1, [&] { order.push_back(2); });
  c.advance(1);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

// reset/delay reorder pending calls.
TEST(Clock, ResetAndDelay) {
  Clock c;
  std::vector<std::string> order;
  DelayedCall a = c.callLater(1, [&] { order.push_back("a"); });
  DelayedCall b = c.callLater(2, [&] { order.push_back("b"); });
  a.delay(2);  // now 3
  b.reset(5);  // now 5
  c.advance(3);
  EXPECT_EQ(order, (std::vector<std::string>{"a"}));
  c.advance(2);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
}

// Calls due at the same time after reset()/delay(), as Twisted 22.4's
// task.Clock orders them (a scheduled first): its stable sort keeps a call's
// place relative to the calls it did not pass, so a call moved later goes
// before those already due at its new time, one moved sooner after them, and
// one whose time does not change stays where it was.
TEST(Clock, ResetAndDelayOrderAmongTies) {
  struct Case {
    const char* name;
    double a, b;  // callLater delays
    std::function<void(DelayedCall&, DelayedCall&)> change;
    const char* expected;
  };
  const Case cases[] = {
      {"reset to its own time", 1, 1, [](auto& a, auto&) { a.reset(1); }, "ab"},
      {"delay(0)", 1, 1, [](auto& a, auto&) { a.delay(0); }, "ab"},
      {"reset later onto a", 2, 1, [](auto&, auto& b) { b.reset(2); }, "ba"},
      {"delay later onto a", 2, 1, [](auto&, auto& b) { b.delay(1); }, "ba"},
      {"reset later onto b", 1, 2, [](auto& a, auto&) { a.reset(2); }, "ab"},
      {"reset sooner onto a", 1, 2, [](auto&, auto& b) { b.reset(1); }, "ab"},
      {"reset sooner onto b", 2, 1, [](auto& a, auto&) { a.reset(1); }, "ba"},
  };
  for (const Case& k : cases) {
    Clock c;
    std::string order;
    DelayedCall a = c.callLater(k.a, [&] { order += 'a'; });
    DelayedCall b = c.callLater(k.b, [&] { order += 'b'; });
    k.change(a, b);
    c.advance(10);
    EXPECT_EQ(order, k.expected) << k.name;
  }
}

// An exception propagates out of advance; the other due calls stay queued.
TEST(Clock, ExceptionPropagatesAndRestStaysQueued) {
  Clock c;
  bool second = false;
  c.callLater(1, [] { throw std::runtime_error("boom"); });
  c.callLater(1, [&] { second = true; });
  EXPECT_THROW(c.advance(1), std::runtime_error);
  EXPECT_FALSE(second);
  EXPECT_EQ(c.getDelayedCalls().size(), 1u);
  c.advance(0);
  EXPECT_TRUE(second);
}

// Works through the IReactorTime interface (what timeouts and LoopingCall take).
TEST(Clock, IsAnIReactorTime) {
  Clock c;
  IReactorTime& time = c;
  int n = 0;
  time.callLater(1, [&] { ++n; });
  c.advance(1);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(time.seconds(), 1);
}

// DelayedCall.__lt__/__le__: handles order by the time they are due, so a
// list of them sorts by schedule (test_delayedCallOrdering's comparisons).
TEST(Clock, DelayedCallsOrderByTheirTime) {
  Clock c;
  DelayedCall later = c.callLater(2, [] {});
  DelayedCall sooner = c.callLater(1, [] {});
  DelayedCall alsoSooner = c.callLater(1, [] {});
  EXPECT_TRUE(sooner < later);
  EXPECT_TRUE(sooner <= later);
  EXPECT_TRUE(later > sooner);
  EXPECT_TRUE(later >= sooner);
  EXPECT_FALSE(later < sooner);
  EXPECT_FALSE(sooner < alsoSooner);
  EXPECT_TRUE(sooner <= alsoSooner);
  EXPECT_TRUE(alsoSooner <= sooner);
  EXPECT_FALSE(sooner == alsoSooner) << "== is identity";
  std::vector<DelayedCall> calls{later, sooner};
  std::sort(calls.begin(), calls.end());
  EXPECT_EQ(calls.front(), sooner);
}

}  // namespace
}  // namespace twisted::internet::task
