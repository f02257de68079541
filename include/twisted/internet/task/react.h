// task::react: run the reactor until main's Deferred fires, and return an
// exit code, so a program's main() can be `return task::react(mainFn);`.
// Test: tests/internet/task/test_react.cpp
#pragma once

#include <twisted/export.h>

#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/reactor.h>

namespace twisted::internet::task {

/// Thrown (or errbacked) by react()'s main function to end the program with
/// `code`. Mirrors: Python's SystemExit(code), as task.react handles it.
class TWISTED_API SystemExit : public std::exception {
 public:
  /// Exits with `code`.
  explicit SystemExit(int code = 0) : code_(code), what_("SystemExit: " + std::to_string(code)) {}
  /// The exit code. Mirrors SystemExit.code.
  int code() const noexcept { return code_; }
  /// "SystemExit: \<code\>".
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  int code_;
  std::string what_;
};

}  // namespace twisted::internet::task

// Internals (in internet::detail: see looping_call.h).
namespace twisted::internet::detail {

/// main's Deferred as an exit code: its int, or 0 for any other result.
template <class T>
defer::Deferred<int> exitCodeOf(defer::Deferred<T> d) {
  if constexpr (std::is_same_v<T, int>)
    return d;
  else if constexpr (std::is_void_v<T>)
    return d.addCallback([] { return 0; });
  else
    return d.addCallback([](T) { return 0; });
}

/// react()'s body once main has been called (non-template, in react.cpp).
TWISTED_API int runReact(ReactorBase& reactor, defer::Deferred<int> finished);

}  // namespace twisted::internet::detail

namespace twisted::internet::task {

/// Calls `main(reactor, argv...)`, runs `reactor` until the Deferred it
/// returns fires, stops the reactor (once, and only if nothing else
/// stopped it), and returns the exit code:
///   - main's result if it is a Deferred<int> (or an int), else 0;
///   - the code of a SystemExit it fails with;
///   - 1 for any other failure, after logging it with log::err ("main
///     function encountered error").
/// If the reactor stops before main's Deferred fires, returns 0 once it
/// has. `main` is typically a coroutine returning Deferred<T>; a main that
/// returns a plain value, or throws, counts as a Deferred that has fired.
/// main is called before the reactor runs, so it may use callWhenRunning.
///
/// Unlike Twisted's, this react() never exits the process: it returns the
/// code (`return task::react(reactor, mainFn);` in main() does the exit).
/// The reactor must not have been run before (reactors are not restartable).
///
/// Mirrors: twisted.internet.task.react(main, argv, _reactor).
/// @throws error::ReactorNotRestartable / ReactorAlreadyRunning from run().
template <class Main, class... A>
requires std::is_invocable_v<Main&&, ReactorBase&, A&&...>
int react(ReactorBase& reactor, Main&& main, A&&... argv) {
  auto finished = defer::maybeDeferred(std::forward<Main>(main), reactor, std::forward<A>(argv)...);
  return detail::runReact(reactor, detail::exitCodeOf(std::move(finished)));
}

/// react() on the process-wide reactor(). Mirrors task.react(main, argv).
template <class Main, class... A>
requires std::is_invocable_v<Main&&, ReactorBase&, A&&...>
int react(Main&& main, A&&... argv) {
  return react(internet::reactor(), std::forward<Main>(main), std::forward<A>(argv)...);
}

}  // namespace twisted::internet::task
