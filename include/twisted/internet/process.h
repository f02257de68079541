// Child processes: the protocol that hears from a child and the transport
// that talks to it. Mirrors twisted.internet.protocol.ProcessProtocol and
// twisted.internet.interfaces.IProcessTransport; spawning is
// IReactorProcess::spawnProcess (interfaces/ireactor_process.h). Guide:
// docs/process.md.
#pragma once

#include <twisted/export.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet {

class IProcessTransport;

/// What to do with what a child process writes and when it ends. Subclass
/// it and override what you need; every callback runs on the reactor
/// thread. An exception thrown by a callback is logged and nothing else
/// changes: the other callbacks still come, processEnded last.
///
/// Mirrors: twisted.internet.protocol.ProcessProtocol.
class TWISTED_API ProcessProtocol : public BaseProtocol,
                                    public virtual python::log::ILoggingContext {
 public:
  /// The transport as an IProcessTransport (null before makeConnection).
  /// Mirrors ProcessProtocol.transport.
  IProcessTransport* processTransport() const noexcept;

  /// `data` arrived from the child on its descriptor `childFD`; the default
  /// calls outReceived (fd 1) or errReceived (fd 2) and drops the rest.
  /// Mirrors ProcessProtocol.childDataReceived.
  virtual void childDataReceived(int childFD, std::string_view data);
  /// Some of the child's standard output. Mirrors ProcessProtocol.outReceived.
  virtual void outReceived(std::string_view data) { (void)data; }
  /// Some of the child's standard error. Mirrors ProcessProtocol.errReceived.
  virtual void errReceived(std::string_view data) { (void)data; }
  /// The pipe to or from the child's descriptor `childFD` is closed; the
  /// default calls inConnectionLost (0), outConnectionLost (1) or
  /// errConnectionLost (2). Mirrors ProcessProtocol.childConnectionLost.
  virtual void childConnectionLost(int childFD);
  /// The child's stdin pipe is closed. Mirrors ProcessProtocol.inConnectionLost.
  virtual void inConnectionLost() {}
  /// The child's stdout pipe is closed. Mirrors ProcessProtocol.outConnectionLost.
  virtual void outConnectionLost() {}
  /// The child's stderr pipe is closed. Mirrors ProcessProtocol.errConnectionLost.
  virtual void errConnectionLost() {}
  /// The child exited (error::ProcessDone or error::ProcessTerminated); some
  /// pipes may still be open. Mirrors ProcessProtocol.processExited.
  virtual void processExited(const python::Failure& reason) { (void)reason; }
  /// The child exited and every pipe to it is closed: the last callback,
  /// with the same reason as processExited. Mirrors ProcessProtocol.processEnded.
  virtual void processEnded(const python::Failure& reason) { (void)reason; }
  /// The class name. Mirrors ProcessProtocol.logPrefix.
  std::string logPrefix() const override;
};

/// A running (or finished) child process as its protocol sees it. `write`
/// goes to the child's stdin with TCP's flow control (registerProducer);
/// pauseProducing stops reading every pipe from the child; loseConnection
/// closes every pipe (abortConnection too, dropping unsent input).
///
/// Mirrors: twisted.internet.interfaces.IProcessTransport.
class TWISTED_API IProcessTransport : public ITransport {
 public:
  /// The child's process id; nullopt once it has been reaped.
  /// Mirrors IProcessTransport.pid (None after the process ended).
  virtual std::optional<int> pid() const = 0;
  /// Closes the child's stdin once what was written is sent (the child
  /// reads EOF). Mirrors IProcessTransport.closeStdin.
  virtual void closeStdin() = 0;
  /// Closes the pipe from the child's stdout. Mirrors IProcessTransport.closeStdout.
  virtual void closeStdout() = 0;
  /// Closes the pipe from the child's stderr. Mirrors IProcessTransport.closeStderr.
  virtual void closeStderr() = 0;
  /// Closes the pipe to or from the child's descriptor `childFD` (a no-op
  /// if there is none). Mirrors IProcessTransport.closeChildFD.
  virtual void closeChildFD(int childFD) = 0;
  /// Writes `data` to the child's descriptor `childFD` (one the parent
  /// writes: "w" in childFDs). Mirrors IProcessTransport.writeToChild.
  /// @throws std::out_of_range if the parent has no writing pipe to `childFD`.
  virtual void writeToChild(int childFD, std::string_view data) = 0;
  /// Sends the signal "TERM", "KILL", "INT", "HUP" (or any name signal.h
  /// knows without its SIG prefix) to the child.
  /// Mirrors IProcessTransport.signalProcess.
  /// @throws error::ProcessExitedAlready once the child was reaped;
  ///         std::invalid_argument for an unknown name.
  virtual void signalProcess(std::string_view signalName) = 0;
  /// Sends signal number `signalNumber`. Mirrors IProcessTransport.signalProcess.
  /// @throws error::ProcessExitedAlready once the child was reaped.
  virtual void signalProcess(int signalNumber) = 0;
};

namespace process {

/// childFDs' "parent writes" ("w") and "parent reads" ("r").
enum class ChildFD { Write, Read };

/// One childFDs entry: a pipe (ChildFD::Write, ChildFD::Read) or a parent
/// descriptor the child inherits (an int: the parent's fd number).
using ChildFDSpec = std::variant<ChildFD, int>;

/// spawnProcess's childFDs: the child's fd number → what it is.
using ChildFDs = std::map<int, ChildFDSpec>;

/// spawnProcess's environment: exactly these variables (Twisted's default
/// is empty, and so is ours).
using Environment = std::map<std::string, std::string>;

/// Twisted's default childFDs: {0: "w", 1: "r", 2: "r"}.
TWISTED_API ChildFDs defaultChildFDs();

/// This process's environment now, to pass as is (Twisted's `env=None`) or
/// to extend: `auto env = process::parentEnvironment(); env["LANG"] = "C";`.
TWISTED_API Environment parentEnvironment();

}  // namespace process

}  // namespace twisted::internet
