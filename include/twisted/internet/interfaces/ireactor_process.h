// IReactorProcess: starting child processes.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <twisted/internet/process.h>

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorProcess.
class TWISTED_API IReactorProcess {
 public:
  virtual ~IReactorProcess() = default;

  /// Starts `executable` (a name without '/' is looked up in the child's
  /// PATH, "/bin:/usr/bin" if `env` has none, as Twisted's execvpe) with argv
  /// `args` (args[0] is argv[0]), exactly the environment `env` (empty by
  /// default; process::parentEnvironment() to inherit), in the working
  /// directory `path` (this process's if empty), as user `uid` and group
  /// `gid` (this process's if nullopt), on a pseudo-terminal if `usePTY`
  /// (the child's fds 0, 1 and 2 are its slave side, and it leads a new
  /// session with the terminal as its controlling tty) or else with the
  /// descriptors `childFDs` (default {0: Write, 1: Read, 2: Read}); every
  /// other descriptor is closed in the child. `protocol->makeConnection`
  /// runs before this returns.
  ///
  /// The reactor keeps the process (and a share of `protocol`) until
  /// processEnded has returned; the returned transport may be kept longer.
  /// A missing executable or a bad `path` is reported as Twisted's child
  /// reports its failed exec: ProcessTerminated with exit code 1, through
  /// processExited and processEnded; "Upon exec of EXE: REASON" arrives on
  /// the child's fd 2 (where Twisted's child writes its traceback) and is logged.
  /// If the reactor is destroyed while a child runs, the child is left
  /// running (not signalled), as Twisted does; see docs/process.md.
  /// Mirrors IReactorProcess.spawnProcess (same parameters, same order).
  /// @throws std::invalid_argument if both `usePTY` and `childFDs` are given
  ///         (as Twisted's ValueError).
  /// @throws std::system_error if the pipes, the terminal or the pidfd
  ///         cannot be made.
  /// @throws std::logic_error on a kernel without pidfds (children are then
  ///         reaped from SIGCHLD) if another reactor owns SIGCHLD
  ///         (IReactorSignals); the child is killed and reaped.
  virtual std::shared_ptr<IProcessTransport> spawnProcess(
      std::shared_ptr<ProcessProtocol> protocol, std::string executable,
      std::vector<std::string> args, process::Environment env = {}, std::string path = {},
      std::optional<uid_t> uid = std::nullopt, std::optional<gid_t> gid = std::nullopt,
      bool usePTY = false, std::optional<process::ChildFDs> childFDs = std::nullopt) = 0;

  /// spawnProcess with `childFDs` right after `path` (Python callers name
  /// it: `childFDs=...`): this process's uid and gid, no terminal.
  std::shared_ptr<IProcessTransport> spawnProcess(std::shared_ptr<ProcessProtocol> protocol,
                                                  std::string executable,
                                                  std::vector<std::string> args,
                                                  process::Environment env, std::string path,
                                                  process::ChildFDs childFDs) {
    return spawnProcess(std::move(protocol), std::move(executable), std::move(args), std::move(env),
                        std::move(path), std::nullopt, std::nullopt, false, std::move(childFDs));
  }
};

}  // namespace twisted::internet
