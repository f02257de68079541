#include <gtest/gtest.h>

#include <twisted/application/internet/timer_service.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/task/clock.h>

namespace ai = twisted::application::internet;
namespace defer = twisted::internet::defer;
using twisted::internet::task::Clock;

TEST(TimerService, CallsEveryStepWhileRunning) {
  Clock clock;
  int calls = 0;
  auto t = std::make_shared<ai::TimerService>(2.0, [&] { ++calls; });
  t->setClock(clock);
  t->startService();
  EXPECT_EQ(calls, 1);  // now=True
  clock.advance(2);
  clock.advance(2);
  EXPECT_EQ(calls, 3);
  auto d = t->stopService();
  EXPECT_TRUE(d.called());
  EXPECT_FALSE(t->running());
  clock.advance(10);
  EXPECT_EQ(calls, 3);
}

TEST(TimerService, StopWaitsForTheCallInProgress) {
  Clock clock;
  defer::Deferred<void> inFlight;
  int calls = 0;
  auto t = std::make_shared<ai::TimerService>(1.0, [&] {
    ++calls;
    return inFlight;
  });
  t->setClock(clock);
  t->startService();
  auto d = t->stopService();
  EXPECT_FALSE(d.called());
  EXPECT_TRUE(t->running());
  inFlight.callback();
  EXPECT_TRUE(d.called());
  EXPECT_FALSE(t->running());
  EXPECT_EQ(calls, 1);
}

TEST(TimerService, AFailureStopsTheLoopAndIsLogged) {
  Clock clock;
  int calls = 0;
  auto t = std::make_shared<ai::TimerService>(1.0, [&] {
    if (++calls == 2) throw std::runtime_error("tick failed");
  });
  t->setClock(clock);
  t->startService();
  clock.advance(1);
  clock.advance(1);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(t->stopService().called());
}

TEST(TimerService, RestartsWithANewLoop) {
  Clock clock;
  int calls = 0;
  auto t = std::make_shared<ai::TimerService>(1.0, [&] { ++calls; });
  t->setClock(clock);
  t->startService();
  t->stopService();
  t->startService();
  EXPECT_EQ(calls, 2);
  t->stopService();
}
