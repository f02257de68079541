// task::Cooperator and CooperativeTask. Test: tests/internet/task/test_cooperator.cpp
#include <twisted/internet/task/cooperator.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::internet::detail {

using task::Cooperator;
using task::NotPaused;
using task::Scheduler;
using task::SchedulerStopped;
using task::Step;
using task::TaskDone;
using task::TaskFailed;
using task::TaskStopped;
using task::TerminationPredicateFactory;

/// One task: its callable and Twisted's CooperativeTask bookkeeping.
class TaskState : public std::enable_shared_from_this<TaskState> {
 public:
  enum class Completion { kNone, kDone, kStopped, kFailed, kSchedulerStopped };

  TaskState(std::unique_ptr<TaskIterator> it, std::weak_ptr<CooperatorCore> coop)
      : iterator_(std::move(it)), cooperator_(std::move(coop)) {}

  defer::Deferred<void> whenDone() {
    defer::Deferred<void> d;
    if (completion_ == Completion::kNone) {
      deferreds_.push_back(d);
    } else if (failure_) {
      d.errback(*failure_);
    } else {
      d.callback();
    }
    return d;
  }

  void pause();
  void resume();

  void stop() {
    checkFinish();
    completeWith(Completion::kStopped, python::Failure(TaskStopped()));
  }

  void completeWith(Completion completion, std::optional<python::Failure> failure);
  void oneWorkUnit();
  bool finished() const noexcept { return completion_ != Completion::kNone; }

 private:
  // Mirrors CooperativeTask._checkFinish: raises what ended the task.
  void checkFinish() const {
    switch (completion_) {
      case Completion::kNone:
        return;
      case Completion::kDone:
        throw TaskDone();
      case Completion::kStopped:
        throw TaskStopped();
      case Completion::kFailed:
        throw TaskFailed();
      case Completion::kSchedulerStopped:
        throw SchedulerStopped();
    }
  }

  std::unique_ptr<TaskIterator> iterator_;
  std::weak_ptr<CooperatorCore> cooperator_;  // expired: its Cooperator is gone
  std::vector<defer::Deferred<void>> deferreds_;
  int pauseCount_ = 0;
  Completion completion_ = Completion::kNone;
  std::optional<python::Failure> failure_;  // the result of a failed or stopped task
};

/// The Cooperator's state, shared with its scheduled tick and (weakly) with
/// its tasks, so neither dangles when the Cooperator is destroyed.
class CooperatorCore : public std::enable_shared_from_this<CooperatorCore> {
 public:
  CooperatorCore(TerminationPredicateFactory factory, Scheduler scheduler, bool started)
      : factory_(std::move(factory)), scheduler_(std::move(scheduler)), started_(started) {}

  // Mirrors Cooperator._addTask.
  void addTask(const std::shared_ptr<TaskState>& task) {
    if (stopped_) {
      task->completeWith(TaskState::Completion::kSchedulerStopped,
                         python::Failure(SchedulerStopped()));
      return;
    }
    tasks_.push_back(task);
    reschedule();
  }

  // Mirrors Cooperator._removeTask. Keeps the round-robin cursor on the task
  // that was next, and cancels the tick when no task is left.
  void removeTask(const TaskState* task) {
    auto it = std::find_if(tasks_.begin(), tasks_.end(),
                           [task](const std::shared_ptr<TaskState>& t) { return t.get() == task; });
    if (it == tasks_.end()) return;
    auto index = static_cast<std::size_t>(it - tasks_.begin());
    tasks_.erase(it);
    if (index < cursor_) --cursor_;
    if (tasks_.empty() && delayedCall_) {
      if (delayedCall_.active()) delayedCall_.cancel();
      delayedCall_ = DelayedCall();
    }
  }

  // One scheduler tick: units of work round-robin until the termination
  // predicate says stop. Mirrors Cooperator._tick + _tasksWhileNotStopped.
  void tick() {
    std::shared_ptr<CooperatorCore> keep = shared_from_this();  // a task may destroy the Cooperator
    delayedCall_ = DelayedCall();
    std::function<bool()> terminator = factory_ ? factory_() : defaultTerminator();
    while (!tasks_.empty()) {
      if (cursor_ >= tasks_.size()) cursor_ = 0;  // a new round
      std::shared_ptr<TaskState> task = tasks_[cursor_++];
      task->oneWorkUnit();
      if (terminator()) break;
    }
    reschedule();
  }

  // Mirrors Cooperator._reschedule.
  void reschedule() {
    if (!started_) {
      mustScheduleOnStart_ = true;
      return;
    }
    if (!delayedCall_ && !tasks_.empty()) {
      std::weak_ptr<CooperatorCore> weak = weak_from_this();
      std::function<void()> tick = [weak] {
        if (auto core = weak.lock()) core->tick();
      };
      delayedCall_ = scheduler_ ? scheduler_(std::move(tick))
                                : reactor().callLater(Cooperator::kEpsilon, std::move(tick));
    }
  }

  void start() {
    stopped_ = false;
    started_ = true;
    if (mustScheduleOnStart_) {
      mustScheduleOnStart_ = false;
      reschedule();
    }
  }

  void stop() {
    stopped_ = true;
    if (delayedCall_) {
      if (delayedCall_.active()) delayedCall_.cancel();
      delayedCall_ = DelayedCall();
    }
    // Taken out first: the tasks' whenDone() callbacks may use this
    // Cooperator (a new task is refused, since it is stopped).
    std::vector<std::shared_ptr<TaskState>> tasks = std::move(tasks_);
    tasks_.clear();
    cursor_ = 0;
    for (const auto& task : tasks)
      task->completeWith(TaskState::Completion::kSchedulerStopped,
                         python::Failure(SchedulerStopped()));
  }

  bool running() const noexcept { return started_ && !stopped_; }

 private:
  // Twisted's _Timer: true once kMaxSlice seconds have passed.
  static std::function<bool()> defaultTerminator() {
    using Clock = std::chrono::steady_clock;
    Clock::time_point end =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(Cooperator::kMaxSlice));
    return [end] { return Clock::now() >= end; };
  }

  TerminationPredicateFactory factory_;
  Scheduler scheduler_;
  std::vector<std::shared_ptr<TaskState>> tasks_;
  std::size_t cursor_ = 0;  // the next task of the current round
  DelayedCall delayedCall_;
  bool stopped_ = false;
  bool started_;
  bool mustScheduleOnStart_ = false;
};

// Mirrors CooperativeTask.pause: a paused task leaves the Cooperator's list.
void TaskState::pause() {
  checkFinish();
  if (++pauseCount_ == 1) {
    if (auto coop = cooperator_.lock()) coop->removeTask(this);
  }
}

// Mirrors CooperativeTask.resume.
void TaskState::resume() {
  if (pauseCount_ == 0) throw NotPaused();
  if (--pauseCount_ == 0 && completion_ == Completion::kNone) {
    if (auto coop = cooperator_.lock()) {
      coop->addTask(shared_from_this());
    } else {
      // Its Cooperator was destroyed, which stopped it.
      completeWith(Completion::kSchedulerStopped, python::Failure(SchedulerStopped()));
    }
  }
}

// Mirrors CooperativeTask._completeWith.
void TaskState::completeWith(Completion completion, std::optional<python::Failure> failure) {
  completion_ = completion;
  failure_ = std::move(failure);
  if (pauseCount_ == 0) {
    if (auto coop = cooperator_.lock()) coop->removeTask(this);
  }
  // Fired last: a callback may use the Cooperator, and this task must be
  // out of it by then (see test_stopCooperatorReentrancy).
  std::shared_ptr<TaskState> keep = shared_from_this();
  std::vector<defer::Deferred<void>> deferreds = std::move(deferreds_);
  deferreds_.clear();
  for (auto& d : deferreds) {
    if (failure_)
      d.errback(*failure_);
    else
      d.callback();
  }
}

// Mirrors CooperativeTask._oneWorkUnit.
void TaskState::oneWorkUnit() {
  Step step = false;  // replaced by the callable's answer
  try {
    step = iterator_->next();
  } catch (...) {
    python::Failure failure(std::current_exception());
    if (finished()) {
      // The callable stopped its own task (or Cooperator), then threw.
      python::log::err(failure, "Cooperative task failed after it finished");
      return;
    }
    completeWith(Completion::kFailed, std::move(failure));
    return;
  }
  if (finished()) return;  // stopped by its own callable: the step is moot
  if (step.done()) {
    completeWith(Completion::kDone, std::nullopt);
    return;
  }
  if (std::optional<defer::Deferred<void>> d = step.takeDeferred()) {
    pause();
    // The Deferred's callbacks own the task while it waits.
    std::shared_ptr<TaskState> self = shared_from_this();
    d->addCallbacks([self] { self->resume(); },
                    [self](python::Failure failure) {
                      // Stopped while waiting: the failure stays on this
                      // Deferred (logged if unhandled), as nobody awaits it.
                      if (self->finished()) throw failure;
                      self->completeWith(Completion::kFailed, std::move(failure));
                    });
  }
}

}  // namespace twisted::internet::detail

namespace twisted::internet::task {

// --- CooperativeTask --------------------------------------------------------

defer::Deferred<void> CooperativeTask::whenDone() {
  return state_->whenDone();
}
void CooperativeTask::pause() {
  state_->pause();
}
void CooperativeTask::resume() {
  state_->resume();
}
void CooperativeTask::stop() {
  state_->stop();
}

// --- Cooperator -------------------------------------------------------------

Cooperator::Cooperator(TerminationPredicateFactory terminationPredicateFactory, Scheduler scheduler,
                       bool started)
    : core_(std::make_shared<detail::CooperatorCore>(std::move(terminationPredicateFactory),
                                                     std::move(scheduler), started)) {}

Cooperator::~Cooperator() {
  try {
    core_->stop();
  } catch (...) {
    // Only a throwing scheduler handle or Deferred misuse gets here.
    python::log::err(std::current_exception(), "Error while destroying a Cooperator");
  }
}

Scheduler Cooperator::clockScheduler(IReactorTime& clock, double delay) {
  return [&clock, delay](std::function<void()> tick) {
    return clock.callLater(delay, std::move(tick));
  };
}

CooperativeTask Cooperator::addTask(std::unique_ptr<detail::TaskIterator> iterator) {
  auto task = std::make_shared<detail::TaskState>(std::move(iterator), core_);
  core_->addTask(task);
  return CooperativeTask(std::move(task));
}

void Cooperator::start() {
  core_->start();
}
void Cooperator::stop() {
  core_->stop();
}
bool Cooperator::running() const noexcept {
  return core_->running();
}

Cooperator& theCooperator() {
  // Never destroyed: tasks may still be scheduled on the (equally
  // immortal) process-wide reactor at exit.
  static Cooperator* const cooperator = new Cooperator();
  return *cooperator;
}

}  // namespace twisted::internet::task
