// task::Cooperator: run long jobs in small steps, round-robin, without
// blocking the reactor.
//
// The work type. Twisted's cooperative task is a Python iterator: each
// next() is one unit of work, StopIteration ends it, and yielding a Deferred
// pauses the task until that Deferred fires. The C++ task is a callable
// taking no argument, called once per unit of work, that returns
//   - `true`  : it did a unit of work and has more (Twisted: yielded a value);
//   - `false` : it has nothing more to do (StopIteration);
//   - a Deferred<T> : wait for it, then call again (yielded a Deferred); a
//                     failure of it fails the task;
//   - a task::Step : any of the above, when one callable returns several kinds;
// and fails the task if it throws. For example:
//
//     int i = 0;
//     task::coiterate([&i]() { process(i); return ++i < 1000; });
//     task::coiterate([&, n = std::size_t{0}]() mutable -> task::Step {
//       if (n == urls.size()) return false;
//       return fetch(urls[n++]);     // one download at a time
//     });
//
// Ownership. A CooperativeTask is a handle: copies refer to one task. A
// Cooperator owns the tasks it is running; a task waiting on a Deferred is
// owned by that Deferred's callbacks; a task paused by the user is kept
// only by its handles. The task owns its callable. Destroying a Cooperator
// stops it (its tasks fail with SchedulerStopped); handles to its tasks stay
// valid. Test: tests/internet/task/test_cooperator.cpp
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/task/errors.h>

namespace twisted::internet::task {

/// What one unit of a cooperative task's work returns: whether there is
/// more work, or a Deferred to wait for before the next unit. Converts
/// implicitly from `bool` and from any Deferred<T>.
///
/// Mirrors: what a cooperative iterator's next() produces (a value, a
/// Deferred, or StopIteration).
class TWISTED_API Step {
 public:
  /// `true`: more work to do; `false`: the task is finished.
  Step(bool more) noexcept : more_(more) {}  // NOLINT: implicit by design
  /// Wait for `d` to fire, then do the next unit (its value is ignored).
  template <class T>
  Step(defer::Deferred<T> d)  // NOLINT: implicit by design
      : more_(true), wait_(toVoid(std::move(d))) {}

  /// True if the task is finished.
  bool done() const noexcept { return !more_; }
  /// The Deferred to wait for, if any (taken out).
  std::optional<defer::Deferred<void>> takeDeferred() noexcept {
    return std::exchange(wait_, std::nullopt);
  }

 private:
  template <class T>
  static defer::Deferred<void> toVoid(defer::Deferred<T> d) {
    if constexpr (std::is_void_v<T>)
      return d;
    else
      return d.addCallback([](T) {});
  }

  bool more_;
  std::optional<defer::Deferred<void>> wait_;
};

/// A callable that can be a cooperative task: see the top of this file.
template <class F>
concept CooperativeIterator = std::is_invocable_v < std::decay_t<F>
& > &&std::is_convertible_v<std::invoke_result_t<std::decay_t<F>&>, Step>;

/// Builds the predicate that ends a tick: called at the start of each tick,
/// it returns a function that says, after each unit of work, whether the
/// tick has run long enough. Mirrors Cooperator's terminationPredicateFactory.
using TerminationPredicateFactory = std::function<std::function<bool()>()>;

/// Schedules the Cooperator's next tick and returns its handle (the
/// Cooperator cancels it when no task is left). Mirrors Cooperator's scheduler.
using Scheduler = std::function<DelayedCall(std::function<void()> tick)>;

class Cooperator;

}  // namespace twisted::internet::task

// Internals (in internet::detail: see looping_call.h).
namespace twisted::internet::detail {

/// A cooperative task's callable, type-erased.
class TWISTED_API TaskIterator {
 public:
  virtual ~TaskIterator() = default;
  virtual task::Step next() = 0;
};

template <class F>
class TaskIteratorFn final : public TaskIterator {
 public:
  template <class G>
  explicit TaskIteratorFn(G&& f) : f_(std::forward<G>(f)) {}
  task::Step next() override { return task::Step(std::invoke(f_)); }

 private:
  F f_;
};

class CooperatorCore;
class TaskState;

}  // namespace twisted::internet::detail

namespace twisted::internet::task {

/// A task running in a Cooperator, which can be paused, resumed, stopped and
/// waited on. Made by Cooperator::cooperate(). A handle: copies refer to the
/// same task. Mirrors: twisted.internet.task.CooperativeTask.
class TWISTED_API CooperativeTask {
 public:
  /// A Deferred that fires (with nothing) when the task's callable is
  /// exhausted, or fails with what it threw (or the failure of a Deferred it
  /// returned), with TaskStopped after stop(), with SchedulerStopped when
  /// its Cooperator stops. Each call returns a new Deferred; one asked for
  /// after the task finished has already fired.
  /// Mirrors CooperativeTask.whenDone (which fires with the iterator).
  defer::Deferred<void> whenDone();

  /// Stops doing work until resume() is called as many times as pause().
  /// Mirrors CooperativeTask.pause.
  /// @throws TaskDone, TaskStopped, TaskFailed or SchedulerStopped if the
  ///         task has finished, for that reason.
  void pause();

  /// Undoes one pause(); the task works again at the Cooperator's next tick
  /// once every pause() is undone. Resuming a task that has finished since
  /// it was paused does nothing. Mirrors CooperativeTask.resume.
  /// @throws NotPaused if the task is not paused.
  void resume();

  /// Stops the task for good: whenDone() fails with TaskStopped.
  /// Mirrors CooperativeTask.stop.
  /// @throws TaskDone, TaskStopped, TaskFailed or SchedulerStopped if the
  ///         task has finished already.
  void stop();

  /// Identity: true if both handles refer to the same task.
  friend bool operator==(const CooperativeTask& a, const CooperativeTask& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend class Cooperator;
  explicit CooperativeTask(std::shared_ptr<detail::TaskState> s) noexcept : state_(std::move(s)) {}
  std::shared_ptr<detail::TaskState> state_;
};

/// A cooperative task scheduler: each tick runs units of work from its
/// tasks in turn until the tick has lasted long enough (10 ms by default),
/// then schedules the next tick. A task that returns a Deferred sits out
/// until it fires.
///
/// Mirrors: twisted.internet.task.Cooperator. Single-threaded: use it on
/// the reactor's thread. Not copyable or movable.
class TWISTED_API Cooperator {
 public:
  /// Twisted's _EPSILON: the delay of the default scheduler's callLater.
  static constexpr double kEpsilon = 0.00000001;
  /// Twisted's _Timer.MAX_SLICE: how long a default tick may run, in seconds.
  static constexpr double kMaxSlice = 0.01;

  /// @param terminationPredicateFactory  empty: each tick runs for up to
  ///        kMaxSlice seconds of wall-clock (monotonic) time.
  /// @param scheduler  empty: reactor().callLater(kEpsilon, tick) on the
  ///        process-wide reactor (see clockScheduler for another clock).
  /// @param started  false: tasks are queued but no tick is scheduled
  ///        until start().
  /// Mirrors Cooperator(terminationPredicateFactory, scheduler, started).
  explicit Cooperator(TerminationPredicateFactory terminationPredicateFactory = {},
                      Scheduler scheduler = {}, bool started = true);
  /// Stops the Cooperator (see stop()).
  ~Cooperator();
  Cooperator(const Cooperator&) = delete;
  Cooperator& operator=(const Cooperator&) = delete;

  /// A scheduler running ticks on `clock` after `delay` seconds, e.g.
  /// Cooperator({}, Cooperator::clockScheduler(clock)) with a task::Clock.
  /// `clock` must outlive the Cooperator.
  static Scheduler clockScheduler(IReactorTime& clock, double delay = kEpsilon);

  /// Starts running `iterator` (see the top of this file) as a task of this
  /// Cooperator. Mirrors Cooperator.cooperate.
  template <class F>
  requires CooperativeIterator<F> CooperativeTask cooperate(F&& iterator) {
    return addTask(
        std::make_unique<detail::TaskIteratorFn<std::decay_t<F>>>(std::forward<F>(iterator)));
  }

  /// cooperate(iterator).whenDone(): a Deferred that fires when it is done.
  /// Mirrors Cooperator.coiterate(iterator).
  template <class F>
  requires CooperativeIterator<F> defer::Deferred<void> coiterate(F&& iterator) {
    return cooperate(std::forward<F>(iterator)).whenDone();
  }

  /// As coiterate(iterator), firing `doneDeferred` (which is returned).
  /// Mirrors Cooperator.coiterate(iterator, doneDeferred).
  template <class F>
  requires CooperativeIterator<F> defer::Deferred<void> coiterate(
      F&& iterator, defer::Deferred<void> doneDeferred) {
    cooperate(std::forward<F>(iterator)).whenDone().chainDeferred(doneDeferred);
    return doneDeferred;
  }

  /// Begins scheduling ticks (after started = false or stop()).
  /// Mirrors Cooperator.start.
  void start();

  /// Stops scheduling ticks: every task it is running (not the ones paused
  /// by the user, which fail when resumed) fails with SchedulerStopped, and
  /// tasks added later fail at once until start(). Mirrors Cooperator.stop.
  void stop();

  /// True if started and not stopped. Mirrors Cooperator.running.
  bool running() const noexcept;

 private:
  CooperativeTask addTask(std::unique_ptr<detail::TaskIterator> iterator);

  std::shared_ptr<detail::CooperatorCore> core_;
};

/// The process-wide Cooperator that cooperate() and coiterate() use, on the
/// process-wide reactor(). Mirrors twisted.internet.task._theCooperator.
TWISTED_API Cooperator& theCooperator();

/// Runs `iterator` as a task of the process-wide Cooperator, sharing time
/// with every other task started this way. Mirrors twisted.internet.task.cooperate.
template <class F>
requires CooperativeIterator<F> CooperativeTask cooperate(F&& iterator) {
  return theCooperator().cooperate(std::forward<F>(iterator));
}

/// cooperate(iterator).whenDone(). Mirrors twisted.internet.task.coiterate.
template <class F>
requires CooperativeIterator<F> defer::Deferred<void> coiterate(F&& iterator) {
  return theCooperator().coiterate(std::forward<F>(iterator));
}

}  // namespace twisted::internet::task
