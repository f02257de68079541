// IReactorSignals: running callbacks in the reactor loop when a POSIX signal
// arrives. A C++ addition: Python code uses signal.signal plus
// reactor.callFromThread, which C++ cannot do safely (see docs/signals.md).
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <functional>

namespace twisted::internet {

/// Identifies a signal handler, for removeSignalHandler. C++ addition (the
/// counterpart of TriggerId).
struct TWISTED_API SignalHandlerId {
  /// The handler's number, unique within its reactor; 0 names no handler.
  std::uint64_t value = 0;
  /// Equal ids name the same handler.
  friend bool operator==(SignalHandlerId, SignalHandlerId) = default;
};

/// Signal handlers that run in the reactor loop, not in signal context, so
/// they may do anything a reactor callback may (log, write, stop()).
///
/// C++ addition: the role of Python's signal.signal + callFromThread in
/// Twisted programs, shaped like asyncio's loop.add_signal_handler (but any
/// number of handlers per signal). The reactor's own SIGINT/SIGTERM shutdown
/// (IReactorCore::run) and the SIGCHLD reaping fallback of spawnProcess use
/// it too.
///
/// Ownership rule: a signal's disposition is process-wide, so each signal
/// belongs to at most one reactor at a time, the one that added its first
/// handler, until that reactor's last handler for it is removed (or the
/// reactor is destroyed). Different reactors may own different signals.
///
/// Thread safety: call from the reactor's thread (before run(), the thread
/// that made it), like the rest of the reactor. The signal itself may be
/// delivered to any thread.
class TWISTED_API IReactorSignals {
 public:
  virtual ~IReactorSignals() = default;

  /// Calls `handler(signum)` in the reactor loop (at the start of its next
  /// iteration, in run() or iterate()) after `signum` arrives. Any number of
  /// handlers may share a signal: they run in registration order, and a
  /// handler that throws is logged without stopping the others. Deliveries
  /// between two iterations coalesce into one call (as a pending POSIX
  /// signal does). A delivery from before the signal's first handler was
  /// added is not reported.
  ///
  /// The first handler for a signal installs the reactor's own sigaction
  /// (SA_RESTART, so other threads' system calls are not interrupted),
  /// saving the previous disposition; removing the last one restores it.
  /// Handlers added before run() work once the loop runs.
  /// @throws std::invalid_argument for a signal that cannot be handled in
  ///         the loop: not in 1.._NSIG-1, SIGKILL, SIGSTOP, or a fault
  ///         (SIGSEGV, SIGBUS, SIGFPE, SIGILL: deferring it would fault again).
  /// @throws std::logic_error if another reactor owns `signum`, or
  ///         `handler` is empty.
  /// @throws std::system_error if sigaction fails.
  virtual SignalHandlerId addSignalHandler(int signum, std::function<void(int)> handler) = 0;

  /// Removes a handler; once it returns, the handler is not called again,
  /// even for a delivery already being dispatched (it may remove itself or
  /// any other from inside a handler). Removing the last handler of a
  /// signal restores the disposition found when the first was added.
  /// Returns false (and does nothing) if `id` names no current handler.
  virtual bool removeSignalHandler(SignalHandlerId id) = 0;
};

}  // namespace twisted::internet
