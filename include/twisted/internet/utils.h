// Running a program and getting its output or exit code as a Deferred,
// without writing a ProcessProtocol. Mirrors twisted.internet.utils
// (getProcessOutput, getProcessValue, getProcessOutputAndValue). Guide:
// docs/process.md; tests: tests/internet/process/test_utils.cpp.
#pragma once

#include <twisted/export.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_process.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

namespace twisted::internet::utils {

/// getProcessOutput's errback when the child wrote to stderr (and
/// `errortoo` was false). An IOError in Twisted, a std::runtime_error here.
/// Its message is Twisted's: `got stderr: b'...'` with the first piece of
/// stderr that arrived.
///
/// Mirrors: twisted.internet.utils._UnexpectedErrorOutput.
class TWISTED_API UnexpectedErrorOutput : public std::runtime_error {
 public:
  /// `text`: the stderr data; `output`: the stdout received before it;
  /// `ended`: fires when the process has ended.
  UnexpectedErrorOutput(std::string text, std::string output, defer::Deferred<void> ended);
  /// The piece of stderr that arrived (Twisted puts it only in the message).
  std::string text;
  /// The stdout received before it (not in Twisted, which drops it).
  std::string output;
  /// Errbacks with the process's end reason (error::ProcessDone too, as in
  /// Twisted) once it has ended. Copy it to add callbacks:
  /// `auto ended = e->processEnded; ended.addErrback(...)`.
  /// Mirrors _UnexpectedErrorOutput.processEnded.
  defer::Deferred<void> processEnded;
};

/// getProcessOutputAndValue's result. Mirrors the `(out, err, code)` tuple;
/// `auto [out, err, code] = result;` unpacks it as in Python.
struct OutputAndValue {
  /// Everything the child wrote to stdout.
  std::string out;
  /// Everything the child wrote to stderr.
  std::string err;
  /// Its exit code.
  int code = 0;
};

/// getProcessOutputAndValue's errback when the child was killed by a signal.
/// Twisted errbacks with the tuple `(out, err, signalNum)` itself; this is
/// that tuple as an exception. Its message: "process ended by signal N".
class TWISTED_API ProcessEndedBySignal : public std::runtime_error {
 public:
  /// Mirrors the tuple (out, err, signalNum).
  ProcessEndedBySignal(std::string out, std::string err, int signal);
  /// Everything the child wrote to stdout.
  std::string out;
  /// Everything the child wrote to stderr.
  std::string err;
  /// The signal that killed it.
  int signal;
};

/// Runs `executable` with the arguments `args` and fires with what it wrote
/// to stdout once it has ended (whatever its exit status: a non-zero code or
/// a signal still gives the output). As in Twisted, `args` are the arguments
/// after argv[0]: argv[0] is `executable`. `executable` is a path (no $PATH
/// search); the environment is exactly `env` (empty by default, as Twisted's
/// `env={}`; process::parentEnvironment() to inherit); `path` is the working
/// directory (this process's if empty). Its stdin stays open until it exits.
///
/// With `errortoo`, stderr is appended to the same string as it arrives.
/// Without it, the first stderr data errbacks the Deferred at once with
/// UnexpectedErrorOutput and closes every pipe to the child
/// (loseConnection, not a signal: a child that keeps writing dies of
/// SIGPIPE); its processEnded Deferred tells when the child has ended. A
/// missing executable therefore errbacks with UnexpectedErrorOutput too
/// (the exec failure is reported on the child's stderr).
///
/// Mirrors: twisted.internet.utils.getProcessOutput(executable, args, env,
/// path, reactor, errortoo).
/// @throws whatever spawnProcess throws (std::system_error).
TWISTED_API defer::Deferred<std::string> getProcessOutput(
    std::string executable, std::vector<std::string> args = {}, process::Environment env = {},
    std::string path = {}, IReactorProcess& reactor = internet::reactor(), bool errortoo = false);

/// Runs `executable` (arguments and environment as getProcessOutput) and
/// fires with its exit code once it has ended; with std::nullopt if a
/// signal killed it (Twisted fires with None). A missing executable gives 1.
///
/// Mirrors: twisted.internet.utils.getProcessValue.
/// @throws whatever spawnProcess throws (std::system_error).
TWISTED_API defer::Deferred<std::optional<int>> getProcessValue(
    std::string executable, std::vector<std::string> args = {}, process::Environment env = {},
    std::string path = {}, IReactorProcess& reactor = internet::reactor());

/// Runs `executable` (arguments and environment as getProcessOutput) and
/// fires with its stdout, its stderr and its exit code once it has ended, or
/// errbacks with ProcessEndedBySignal (the same outputs and the signal) if a
/// signal killed it. With `stdinBytes`, they are written to the child's stdin,
/// which is then closed; without, its stdin stays open until it exits.
///
/// Mirrors: twisted.internet.utils.getProcessOutputAndValue.
/// @throws whatever spawnProcess throws (std::system_error).
TWISTED_API defer::Deferred<OutputAndValue> getProcessOutputAndValue(
    std::string executable, std::vector<std::string> args = {}, process::Environment env = {},
    std::string path = {}, IReactorProcess& reactor = internet::reactor(),
    std::optional<std::string> stdinBytes = std::nullopt);

}  // namespace twisted::internet::utils
