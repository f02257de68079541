// task::Cooperator and CooperativeTask: the cases of Twisted's
// test_cooperator.py (CooperatorTests, AliasTests, RunStateTests), with the
// scheduler on a task::Clock instead of the reactor, plus the C++ work type
// (Step) and ownership (destroying the Cooperator).
#include <twisted/internet/task/cooperator.h>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using twisted::internet::DelayedCall;
using twisted::internet::defer::Deferred;
using twisted::internet::task::Clock;
using twisted::internet::task::CooperativeTask;
using twisted::internet::task::Cooperator;
using twisted::internet::task::NotPaused;
using twisted::internet::task::SchedulerStopped;
using twisted::internet::task::Step;
using twisted::internet::task::TaskDone;
using twisted::internet::task::TaskFailed;
using twisted::internet::task::TaskStopped;
using twisted::internet::task::TerminationPredicateFactory;
using twisted::python::Failure;

class UnhandledException : public std::runtime_error {
 public:
  UnhandledException() : std::runtime_error("unhandled") {}
};

// A termination predicate that ends every tick after one unit of work.
TerminationPredicateFactory oneUnitPerTick() {
  return [] { return [] { return true; }; };
}

// The outcome of a whenDone()/coiterate() Deferred.
struct Done {
  int calls = 0;
  std::optional<Failure> failure;
  bool succeeded() const { return calls == 1 && !failure; }
  template <class E>
  bool failedWith() const {
    return calls == 1 && failure && failure->check<E>();
  }
};
std::shared_ptr<Done> watch(Deferred<void> d) {
  auto r = std::make_shared<Done>();
  d.addCallbacks([r] { ++r->calls; },
                 [r](Failure f) {
                   ++r->calls;
                   r->failure = f;
                 });
  return r;
}

// A Cooperator whose ticks run on a Clock: each advance(1) is one tick.
struct ClockCooperator {
  explicit ClockCooperator(TerminationPredicateFactory f = {}, bool started = true)
      : coop(std::move(f), Cooperator::clockScheduler(clock, 1), started) {}
  void tick() { clock.advance(1); }
  Clock clock;
  Cooperator coop;
};

// --- CooperatorTests --------------------------------------------------------

// A stopped Cooperator refuses new tasks: they fail with SchedulerStopped,
// with or without a given doneDeferred (testStoppedRejectsNewTasks).
TEST(CooperatorTest, StoppedRejectsNewTasks) {
  ClockCooperator c;
  c.coop.stop();
  auto r1 = watch(c.coop.coiterate([] { return false; }));
  EXPECT_TRUE(r1->failedWith<SchedulerStopped>());
  Deferred<void> done;
  Deferred<void> same = c.coop.coiterate([] { return false; }, done);
  auto r2 = watch(same);
  EXPECT_TRUE(r2->failedWith<SchedulerStopped>());
  EXPECT_TRUE(done.called());
  EXPECT_TRUE(c.clock.getDelayedCalls().empty());
}

// Stopping the Cooperator before its tick: the task never runs and fails
// with SchedulerStopped (testStopRunning).
TEST(CooperatorTest, StopRunning) {
  ClockCooperator c;
  int value = -1;
  int i = 0;
  auto r = watch(c.coop.coiterate([&] {
    value = i;
    return ++i < 3;
  }));
  c.coop.stop();
  EXPECT_TRUE(r->failedWith<SchedulerStopped>());
  EXPECT_EQ(value, -1);
  EXPECT_TRUE(c.clock.getDelayedCalls().empty());
}

// A task waiting on a Deferred when the Cooperator stops fails with
// SchedulerStopped once that Deferred fires (testStopOutstanding).
TEST(CooperatorTest, StopOutstanding) {
  ClockCooperator c;
  Deferred<std::string> outstanding;
  int calls = 0;
  auto r = watch(c.coop.coiterate([&]() -> Step {
    if (++calls > 1) ADD_FAILURE() << "called again after the Cooperator stopped";
    return outstanding;
  }));
  c.tick();
  EXPECT_EQ(calls, 1);
  c.coop.stop();
  outstanding.callback("arglebargle");
  EXPECT_TRUE(r->failedWith<SchedulerStopped>());
  c.tick();
  EXPECT_EQ(calls, 1);
}

// A task that throws fails with that exception (testUnexpectedError).
TEST(CooperatorTest, UnexpectedError) {
  ClockCooperator c;
  auto r = watch(c.coop.coiterate([]() -> bool { throw std::runtime_error("boom"); }));
  c.tick();
  EXPECT_TRUE(r->failedWith<std::runtime_error>());
}

// A Deferred the task returned that fails later fails the task
// (testUnexpectedErrorActuallyLater).
TEST(CooperatorTest, UnexpectedErrorActuallyLater) {
  ClockCooperator c;
  auto r = watch(c.coop.coiterate([&] {
    Deferred<void> d;
    c.clock.callLater(0.5, [d]() mutable { d.errback(std::runtime_error("later")); });
    return d;
  }));
  c.tick();
  EXPECT_EQ(r->calls, 0);
  c.clock.advance(0.5);
  EXPECT_TRUE(r->failedWith<std::runtime_error>());
}

// A Deferred that has already failed fails the task at once
// (testUnexpectedErrorNotActuallyLater).
TEST(CooperatorTest, UnexpectedErrorNotActuallyLater) {
  ClockCooperator c;
  auto r = watch(c.coop.coiterate(
      [] { return twisted::internet::defer::fail<int>(std::runtime_error("now")); }));
  c.tick();
  EXPECT_TRUE(r->failedWith<std::runtime_error>());
}

// Tasks take turns, one unit each per round (testCooperation).
TEST(CooperatorTest, Cooperation) {
  ClockCooperator c;
  std::vector<std::string> out;
  std::vector<std::vector<std::string>> groups = {
      {"a", "b", "c"}, {"1", "2", "3"}, {"d", "e", "f"}, {"4", "5", "6"}};
  std::vector<std::shared_ptr<Done>> results;
  for (const auto& things : groups) {
    results.push_back(watch(c.coop.coiterate([&out, things, i = std::size_t{0}]() mutable {
      if (i == things.size()) return false;
      out.push_back(things[i++]);
      return true;
    })));
  }
  for (int n = 0; n < 10 && !c.clock.getDelayedCalls().empty(); ++n)
    c.tick();
  for (const auto& r : results)
    EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(out,
            (std::vector<std::string>{"a", "1", "d", "4", "b", "2", "e", "5", "c", "3", "f", "6"}));
}

// The termination predicate ends the tick (testResourceExhaustion).
TEST(CooperatorTest, ResourceExhaustion) {
  auto stopped = std::make_shared<bool>(false);
  ClockCooperator c([stopped] { return [stopped] { return *stopped; }; });
  std::vector<int> output;
  int i = 0;
  auto r = watch(c.coop.coiterate([&] {
    output.push_back(i);
    if (i == 9) *stopped = true;
    return ++i < 100;
  }));
  c.tick();
  c.coop.stop();
  EXPECT_TRUE(*stopped);
  std::vector<int> expected(10);
  for (int k = 0; k < 10; ++k)
    expected[k] = k;
  EXPECT_EQ(output, expected);
  EXPECT_TRUE(r->failedWith<SchedulerStopped>());
}

// A whenDone callback that adds a task schedules only one tick at a time
// (testCallbackReCoiterate).
TEST(CooperatorTest, CallbackReCoiterate) {
  Clock clock;
  int outstanding = 0;
  Cooperator c(oneUnitPerTick(), [&](std::function<void()> tick) {
    EXPECT_EQ(outstanding, 0) << "a second tick was scheduled";
    ++outstanding;
    return clock.callLater(1, [&outstanding, tick] {
      --outstanding;
      tick();
    });
  });
  bool done = false;
  c.coiterate([] { return false; }).addCallback([&] {
    c.coiterate([] { return false; }).addBoth([&] { done = true; });
  });
  for (int work = 0; !done; ++work) {
    ASSERT_LT(work, 50) << "Cooperator took too long";
    clock.advance(1);
  }
}

// Removing the last task cancels the scheduled tick; a new task schedules
// one again (test_removingLastTaskStopsScheduledCall).
TEST(CooperatorTest, RemovingLastTaskStopsScheduledCall) {
  Clock clock;
  DelayedCall last;
  Cooperator coop({}, [&](std::function<void()> tick) {
    last = clock.callLater(1, std::move(tick));
    return last;
  });
  auto twoSteps = [i = 0]() mutable { return ++i <= 2; };
  CooperativeTask task1 = coop.cooperate(twoSteps);
  CooperativeTask task2 = coop.cooperate(twoSteps);
  ASSERT_TRUE(last);
  EXPECT_EQ(clock.getDelayedCalls().size(), 1u);

  auto r1 = watch(task1.whenDone());
  task1.stop();
  EXPECT_TRUE(last.active());

  auto r2 = watch(task2.whenDone());
  task2.stop();
  EXPECT_TRUE(last.cancelled());
  EXPECT_TRUE(clock.getDelayedCalls().empty());

  DelayedCall previous = last;
  coop.cooperate(twoSteps);
  EXPECT_FALSE(last == previous);
  EXPECT_TRUE(last.active());
  EXPECT_TRUE(r1->failedWith<TaskStopped>());
  EXPECT_TRUE(r2->failedWith<TaskStopped>());
}

// running() is true when started on creation (test_runningWhenStarted),
// false when not (test_runningWhenNotStarted), true after start()
// (test_runningWhenRunning), false after stop() (test_runningWhenStopped).
TEST(CooperatorTest, Running) {
  EXPECT_TRUE(ClockCooperator().coop.running());
  ClockCooperator notStarted({}, false);
  EXPECT_FALSE(notStarted.coop.running());
  notStarted.coop.start();
  EXPECT_TRUE(notStarted.coop.running());
  notStarted.coop.stop();
  EXPECT_FALSE(notStarted.coop.running());
}

// A Cooperator created stopped queues tasks and schedules the first tick
// on start().
TEST(CooperatorTest, NotStartedQueuesUntilStart) {
  ClockCooperator c({}, false);
  int ran = 0;
  auto r = watch(c.coop.coiterate([&] { return ++ran < 3; }));
  EXPECT_TRUE(c.clock.getDelayedCalls().empty());
  c.tick();
  EXPECT_EQ(ran, 0);
  c.coop.start();
  EXPECT_EQ(c.clock.getDelayedCalls().size(), 1u);
  c.tick();
  EXPECT_EQ(ran, 3);
  EXPECT_TRUE(r->succeeded());
}

// --- AliasTests ------------------------------------------------------------

// The process-wide cooperate() runs its task on the process-wide reactor,
// with the default scheduler and time slice (test_cooperate).
TEST(CooperatorAliasTest, Cooperate) {
  int n = 0;
  CooperativeTask t = twisted::internet::task::cooperate([&] { return ++n < 3; });
  auto r = watch(t.whenDone());
  auto& reactor = twisted::internet::reactor();
  for (int i = 0; i < 1000 && r->calls == 0; ++i)
    reactor.iterate(0.01);
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(twisted::internet::task::theCooperator().running());
}

// --- RunStateTests ---------------------------------------------------------

// One task on a Cooperator doing one unit per tick, whose worker yields an
// ascending count, or a Deferred, or finishes, or throws, on request.
class RunStateTest : public ::testing::Test {
 protected:
  using Work = std::variant<int, Deferred<int>>;

  RunStateTest()
      : cooperator(oneUnitPerTick(), Cooperator::clockScheduler(clock, 1)),
        task(cooperator.cooperate([this] { return worker(); })) {
    cooperator.start();
  }

  Step worker() {
    ++i;
    if (doDeferNext) {
      doDeferNext = false;
      Deferred<int> d;
      work.emplace_back(d);
      return d;
    }
    if (doStopNext) return false;
    if (doDieNext) throw UnhandledException();
    work.emplace_back(i);
    return true;
  }

  // Does all the work currently available (FakeScheduler.pump).
  void pump() { clock.advance(1); }
  std::vector<int> ints() const {
    std::vector<int> v;
    for (const auto& w : work)
      if (const int* n = std::get_if<int>(&w)) v.push_back(*n);
    return v;
  }

  Clock clock;
  Cooperator cooperator;
  CooperativeTask task;
  std::vector<Work> work;
  int i = 0;
  bool doDeferNext = false;
  bool doStopNext = false;
  bool doDieNext = false;
};

// A paused task does no work; resuming it does none by itself, the next
// tick does (test_pauseResume).
TEST_F(RunStateTest, PauseResume) {
  pump();
  EXPECT_EQ(ints(), (std::vector<int>{1}));
  pump();
  EXPECT_EQ(ints(), (std::vector<int>{1, 2}));
  task.pause();
  pump();
  EXPECT_EQ(ints(), (std::vector<int>{1, 2}));
  task.resume();
  EXPECT_EQ(ints(), (std::vector<int>{1, 2}));
  pump();
  EXPECT_EQ(ints(), (std::vector<int>{1, 2, 3}));
}

// resume() of a task that is not paused raises NotPaused (test_resumeNotPaused).
TEST_F(RunStateTest, ResumeNotPaused) {
  EXPECT_THROW(task.resume(), NotPaused);
  task.pause();
  task.resume();
  EXPECT_THROW(task.resume(), NotPaused);
}

// Pauses stack: two pauses need two resumes (test_pauseTwice).
TEST_F(RunStateTest, PauseTwice) {
  task.pause();
  pump();
  EXPECT_TRUE(work.empty());
  task.pause();
  pump();
  EXPECT_TRUE(work.empty());
  task.resume();
  pump();
  EXPECT_TRUE(work.empty());
  task.resume();
  pump();
  EXPECT_EQ(ints(), (std::vector<int>{1}));
}

// A task paused while waiting on a Deferred needs both the Deferred and a
// resume() before it works again (test_pauseWhileDeferred).
TEST_F(RunStateTest, PauseWhileDeferred) {
  doDeferNext = true;
  pump();
  ASSERT_EQ(work.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<Deferred<int>>(work[0]));
  pump();
  EXPECT_EQ(work.size(), 1u);
  task.pause();
  pump();
  EXPECT_EQ(work.size(), 1u);
  task.resume();
  pump();
  EXPECT_EQ(work.size(), 1u);
  std::get<Deferred<int>>(work[0]).callback(0);
  pump();
  ASSERT_EQ(work.size(), 2u);
  EXPECT_EQ(std::get<int>(work[1]), 2);
}

// whenDone() fires when the worker is exhausted; each call gives a new
// Deferred, so callbacks on one do not change what another sees
// (test_whenDone).
TEST_F(RunStateTest, WhenDone) {
  Deferred<void> deferred1 = task.whenDone();
  Deferred<void> deferred2 = task.whenDone();
  std::vector<int> final1, final2;
  int results1 = 0, results2 = 0;
  deferred1
      .addCallback([&] {
        ++results1;
        return 1;
      })
      .addCallback([&](int v) { final1.push_back(v); });
  deferred2
      .addCallback([&] {
        ++results2;
        return 2;
      })
      .addCallback([&](int v) { final2.push_back(v); });
  doStopNext = true;
  pump();
  EXPECT_EQ(results1, 1);
  EXPECT_EQ(results2, 1);
  EXPECT_EQ(final1, (std::vector<int>{1}));
  EXPECT_EQ(final2, (std::vector<int>{2}));
}

// whenDone() fails with what the worker threw (test_whenDoneError).
TEST_F(RunStateTest, WhenDoneError) {
  auto r = watch(task.whenDone());
  doDieNext = true;
  pump();
  EXPECT_TRUE(r->failedWith<UnhandledException>());
}

// whenDone() fails with TaskStopped after stop() (test_whenDoneStop).
TEST_F(RunStateTest, WhenDoneStop) {
  auto r = watch(task.whenDone());
  task.stop();
  EXPECT_TRUE(r->failedWith<TaskStopped>());
}

// whenDone() on a finished task has already fired (test_whenDoneAlreadyDone).
TEST_F(RunStateTest, WhenDoneAlreadyDone) {
  doStopNext = true;
  pump();
  auto r = watch(task.whenDone());
  EXPECT_TRUE(r->succeeded());
}

// A stopped task does no more work; stop() and pause() then raise
// TaskStopped (test_stopStops).
TEST_F(RunStateTest, StopStops) {
  auto r = watch(task.whenDone());
  task.stop();
  pump();
  EXPECT_TRUE(work.empty());
  EXPECT_THROW(task.stop(), TaskStopped);
  EXPECT_THROW(task.pause(), TaskStopped);
  pump();
  EXPECT_TRUE(work.empty());
}

// Resuming a paused, stopped task does nothing (test_pauseStopResume).
TEST_F(RunStateTest, PauseStopResume) {
  auto r = watch(task.whenDone());
  task.pause();
  task.stop();
  task.resume();
  pump();
  EXPECT_TRUE(work.empty());
  EXPECT_TRUE(r->failedWith<TaskStopped>());
}

// A task stopped while waiting on a Deferred is not resumed when it fires;
// the Deferred's value is consumed, nothing is logged (test_stopDeferred).
TEST_F(RunStateTest, StopDeferred) {
  twisted::testing::EventLoggingObserver logs;
  auto r = watch(task.whenDone());
  doDeferNext = true;
  pump();
  ASSERT_EQ(work.size(), 1u);
  Deferred<int> d = std::get<Deferred<int>>(work.back());
  work.pop_back();
  pump();
  task.stop();
  pump();
  d.callback(7);
  pump();
  EXPECT_TRUE(work.empty());
  EXPECT_TRUE(logs.flushLoggedErrors().empty());
  EXPECT_TRUE(r->failedWith<TaskStopped>());
}

// stop() on an exhausted task raises TaskDone (test_stopExhausted).
TEST_F(RunStateTest, StopExhausted) {
  doStopNext = true;
  pump();
  EXPECT_THROW(task.stop(), TaskDone);
}

// stop() on a failed task raises TaskFailed (test_stopErrored).
TEST_F(RunStateTest, StopErrored) {
  auto r = watch(task.whenDone());
  doDieNext = true;
  pump();
  EXPECT_THROW(task.stop(), TaskFailed);
  EXPECT_TRUE(r->failedWith<UnhandledException>());
}

// A whenDone() callback may stop the Cooperator: the finished task is out
// of it by then, so stop() does not touch it again
// (test_stopCooperatorReentrancy).
TEST_F(RunStateTest, StopCooperatorReentrancy) {
  std::vector<std::string> phases;
  task.whenDone().addCallback([&] {
    phases.push_back("result");
    cooperator.stop();
    phases.push_back("done");
  });
  doStopNext = true;
  pump();
  EXPECT_EQ(phases, (std::vector<std::string>{"result", "done"}));
}

// --- The C++ work type and ownership ----------------------------------------

// A task may return bool, a Deferred of any type, or a Step mixing both.
TEST(CooperatorStepTest, ReturnTypes) {
  ClockCooperator c(oneUnitPerTick());
  Deferred<std::string> pending;
  int n = 0;
  auto r = watch(c.coop.coiterate([&]() -> Step {
    ++n;
    if (n == 1) return true;
    if (n == 2) return pending;
    return false;
  }));
  c.tick();
  c.tick();
  EXPECT_EQ(n, 2);
  c.tick();
  EXPECT_EQ(n, 2);  // waiting on `pending`
  pending.callback("x");
  c.tick();
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(r->succeeded());
}

// Round-robin stays fair when a task in the middle of a round finishes.
TEST(CooperatorStepTest, RoundRobinAfterRemoval) {
  ClockCooperator c;  // default slice: everything runs in one tick
  std::string order;
  auto letters = [&order](char name, int steps) {
    return [&order, name, steps, k = 0]() mutable {
      if (k == steps) return false;
      ++k;
      order += name;
      return true;
    };
  };
  c.coop.cooperate(letters('a', 3));
  c.coop.cooperate(letters('b', 1));
  c.coop.cooperate(letters('c', 3));
  c.tick();
  EXPECT_EQ(order, "abcacac");
}

// Destroying a Cooperator fails its running tasks with SchedulerStopped,
// cancels its tick, and leaves the task handles usable; a paused task
// fails when resumed.
TEST(CooperatorOwnershipTest, DestroyingTheCooperator) {
  Clock clock;
  std::optional<Cooperator> coop;
  coop.emplace(oneUnitPerTick(), Cooperator::clockScheduler(clock, 1));
  CooperativeTask running = coop->cooperate([] { return true; });
  CooperativeTask paused = coop->cooperate([] { return true; });
  auto rr = watch(running.whenDone());
  auto rp = watch(paused.whenDone());
  paused.pause();
  coop.reset();
  EXPECT_TRUE(rr->failedWith<SchedulerStopped>());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  EXPECT_EQ(rp->calls, 0);
  paused.resume();
  EXPECT_TRUE(rp->failedWith<SchedulerStopped>());
  EXPECT_THROW(running.stop(), SchedulerStopped);
}

// A task may destroy its own Cooperator from inside a step.
TEST(CooperatorOwnershipTest, DestroyedFromInsideAStep) {
  Clock clock;
  auto coop = std::make_unique<Cooperator>(TerminationPredicateFactory{},
                                           Cooperator::clockScheduler(clock, 1));
  int other = 0;
  auto r = watch(coop->coiterate([&] {
    coop.reset();
    return true;
  }));
  coop->cooperate([&] { return ++other < 100; });
  clock.advance(1);
  EXPECT_FALSE(coop);
  EXPECT_TRUE(r->failedWith<SchedulerStopped>());
  EXPECT_EQ(other, 0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

// A task that stops itself and then throws: the task is stopped, and the
// exception is logged rather than lost.
TEST(CooperatorOwnershipTest, StopItselfThenThrow) {
  twisted::testing::EventLoggingObserver logs;
  ClockCooperator c;
  std::optional<CooperativeTask> self;
  self = c.coop.cooperate([&]() -> bool {
    self->stop();
    throw UnhandledException();
  });
  auto r = watch(self->whenDone());
  c.tick();
  EXPECT_TRUE(r->failedWith<TaskStopped>());
  EXPECT_EQ(logs.flushLoggedErrors<UnhandledException>().size(), 1u);
}

}  // namespace
