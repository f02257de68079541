// Exceptions of twisted.internet.task: the Cooperator's scheduler errors and
// the misuse errors of LoopingCall.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>

namespace twisted::internet::task {

/// The operation could not be completed because the scheduler or one of its
/// tasks was in an invalid state. Base of the Cooperator's errors; never
/// raised itself. Mirrors: twisted.internet.task.SchedulerError.
class TWISTED_API SchedulerError : public std::runtime_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit SchedulerError(const std::string& what = "scheduler error") : std::runtime_error(what) {}
};

/// The Cooperator was stopped while the task was in progress, or before it
/// was added. Mirrors: twisted.internet.task.SchedulerStopped.
class TWISTED_API SchedulerStopped : public SchedulerError {
 public:
  /// Constructs it with the default message, or `what`.
  explicit SchedulerStopped(const std::string& what = "the Cooperator was stopped")
      : SchedulerError(what) {}
};

/// The task has permanently stopped running (completed, stopped or failed).
/// Mirrors: twisted.internet.task.TaskFinished.
class TWISTED_API TaskFinished : public SchedulerError {
 public:
  /// Constructs it with the default message, or `what`.
  explicit TaskFinished(const std::string& what = "the task has finished") : SchedulerError(what) {}
};

/// The task's iterator was exhausted. Mirrors: twisted.internet.task.TaskDone.
class TWISTED_API TaskDone : public TaskFinished {
 public:
  /// Constructs it with the default message, or `what`.
  explicit TaskDone(const std::string& what = "the task is done") : TaskFinished(what) {}
};

/// The task was stopped with CooperativeTask::stop().
/// Mirrors: twisted.internet.task.TaskStopped.
class TWISTED_API TaskStopped : public TaskFinished {
 public:
  /// Constructs it with the default message, or `what`.
  explicit TaskStopped(const std::string& what = "the task was stopped") : TaskFinished(what) {}
};

/// The task's iterator threw (or a Deferred it yielded failed).
/// Mirrors: twisted.internet.task.TaskFailed.
class TWISTED_API TaskFailed : public TaskFinished {
 public:
  /// Constructs it with the default message, or `what`.
  explicit TaskFailed(const std::string& what = "the task failed") : TaskFinished(what) {}
};

/// CooperativeTask::resume() on a task that is not paused.
/// Mirrors: twisted.internet.task.NotPaused.
class TWISTED_API NotPaused : public SchedulerError {
 public:
  /// Constructs it with the default message, or `what`.
  explicit NotPaused(const std::string& what = "the task is not paused") : SchedulerError(what) {}
};

/// LoopingCall::start() while it is running, or stop()/reset() while it is
/// not. Twisted raises AssertionError there (a programming error, hence a
/// std::logic_error); C++ gets a type of its own so it can be caught.
class TWISTED_API LoopingCallStateError : public std::logic_error {
 public:
  /// Constructs it with the message `what` (which misuse).
  explicit LoopingCallStateError(const std::string& what) : std::logic_error(what) {}
};

}  // namespace twisted::internet::task
