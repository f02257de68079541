// ProcessMonitor: starts child processes, logs their output line by line
// and restarts them when they die. Mirrors twisted.runner.procmon. Guide:
// docs/procmon.md.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include <twisted/application/service/service.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_process.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/process.h>
#include <twisted/logger/logger.h>
#include <twisted/protocols/basic/line_receiver.h>

namespace twisted::runner::procmon {

class ProcessMonitor;

/// Logs each line of one of a child's output streams as
/// "[{tag}] {line}" (fields `tag`, `line`, `stream`) at info level. A line
/// that is not valid UTF-8 is logged as Python's repr of its bytes
/// (b'...', other bytes than printable ASCII as hex escapes), as Twisted does. A line that grows
/// past MAX_LENGTH without ending is logged in MAX_LENGTH-byte pieces (Twisted's LineLogger has no
/// transport to drop and raises instead, losing the data).
///
/// Mirrors: twisted.runner.procmon.LineLogger.
class TWISTED_API LineLogger : public protocols::basic::LineReceiver {
 public:
  LineLogger() { delimiter = "\n"; }
  /// Logs `line`. Mirrors LineLogger.lineReceived.
  void lineReceived(std::string_view line) override;
  /// Logs the complete lines in `line`, then the rest in MAX_LENGTH pieces.
  void lineLengthExceeded(std::string_view line) override;
  /// Logs what is buffered (a last line without its newline), if anything.
  /// What Twisted's LoggingProtocol does by feeding a "\n" at the end.
  void flush();

  /// The process's name. Mirrors LineLogger.tag.
  std::string tag;
  /// "stdout" or "stderr". Mirrors LineLogger.stream.
  std::string stream;
  /// Where the lines go (the monitor's `log`). Mirrors LineLogger.service.log.
  logger::Logger log;
};

/// The ProcessProtocol of one run of a monitored child: its stdout and
/// stderr go to two LineLoggers; processEnded flushes them and tells the
/// monitor (ProcessMonitor::connectionLost).
///
/// Mirrors: twisted.runner.procmon.LoggingProtocol.
class TWISTED_API LoggingProtocol : public internet::ProcessProtocol {
 public:
  /// Sets up the two LineLoggers. Mirrors LoggingProtocol.connectionMade.
  void connectionMade() override;
  /// Mirrors LoggingProtocol.outReceived.
  void outReceived(std::string_view data) override;
  /// Mirrors LoggingProtocol.errReceived.
  void errReceived(std::string_view data) override;
  /// Logs unterminated last lines, then calls service->connectionLost(name)
  /// (nothing once the monitor is destroyed). Mirrors LoggingProtocol.processEnded.
  void processEnded(const python::Failure& reason) override;

  /// The stdout logger. Mirrors LoggingProtocol.output.
  LineLogger& output() noexcept { return output_; }

  /// The monitor to tell; null once it is destroyed. Mirrors LoggingProtocol.service.
  ProcessMonitor* service = nullptr;
  /// The process's name in the monitor. Mirrors LoggingProtocol.name.
  std::string name;

 private:
  LineLogger output_;
  LineLogger error_;
};

/// Runs processes, logs their output and restarts them when they die.
///
/// A process that dies within `threshold` seconds of its start is restarted
/// after its current delay (initially minRestartDelay), and the delay
/// doubles up to maxRestartDelay; one that lived longer is restarted at once
/// and its delay reset. stopProcess sends TERM, then KILL after `killTime`
/// seconds. Every line a child writes is logged (LineLogger) with the
/// process's name as tag, in the namespace "twisted.runner.procmon.ProcessMonitor".
///
/// It has the part of Twisted's Service that matters here (startService,
/// stopService, running); once twisted.application.service exists (issue
/// 14), it will derive from Service. The monitor and its reactor are used
/// on the reactor thread only.
///
/// Differences from Twisted: stopService returns a Deferred that fires
/// once every child has ended (Twisted's returns None and leaves children
/// that ignore TERM running when the reactor stops); after killTime, a child
/// that exited but whose pipes a grandchild still holds has its pipes closed
/// (it would otherwise never end); removeProcess cancels a scheduled
/// restart (Twisted's then fails with KeyError); `processes` and
/// `__getstate__` (deprecated in Twisted) are not provided. Destroying the
/// monitor cancels its timers and leaves running children running.
///
/// Mirrors: twisted.runner.procmon.ProcessMonitor.
class TWISTED_API ProcessMonitor : public application::service::Service {
 public:
  /// A monitor on the process-wide reactor. Mirrors ProcessMonitor().
  ProcessMonitor();
  /// A monitor spawning with `reactor` and timing with it (any reactor, or a
  /// test double providing both). Mirrors ProcessMonitor(reactor=reactor).
  template <class R>
  requires std::derived_from<R, internet::IReactorProcess> &&
      std::derived_from<R, internet::IReactorTime>
  explicit ProcessMonitor(R& reactor) : ProcessMonitor(reactor, reactor) {}
  /// A monitor spawning with `processes` and scheduling with `clock`.
  ProcessMonitor(internet::IReactorProcess& processes, internet::IReactorTime& clock);
  /// Cancels pending restarts and kills; children still running are left
  /// running (they are no longer watched).
  ~ProcessMonitor();
  ProcessMonitor(const ProcessMonitor&) = delete;
  ProcessMonitor& operator=(const ProcessMonitor&) = delete;

  /// Adds a process to monitor, and starts it if the monitor is running.
  /// `args` is its argv; args[0] is also the executable (a path, see
  /// IReactorProcess::spawnProcess). `uid`/`gid`: run as them (nullopt:
  /// this process's); `env`: exactly its environment (empty by default, as
  /// Twisted's); `cwd`: its working directory (empty: this process's).
  /// Mirrors ProcessMonitor.addProcess.
  /// @throws std::invalid_argument if `name` is taken ("remove NAME first";
  ///         KeyError in Twisted) or `args` is empty.
  void addProcess(const std::string& name, std::vector<std::string> args,
                  std::optional<uid_t> uid = std::nullopt, std::optional<gid_t> gid = std::nullopt,
                  internet::process::Environment env = {}, std::string cwd = {});
  /// Stops the process (stopProcess) and forgets it: it is not restarted.
  /// Mirrors ProcessMonitor.removeProcess.
  /// @throws std::out_of_range for an unknown name (KeyError in Twisted).
  void removeProcess(const std::string& name);

  /// Sets running and starts every process. Mirrors ProcessMonitor.startService.
  void startService() override;
  /// Clears running, cancels scheduled restarts and stops every process
  /// (TERM, KILL after killTime). The Deferred fires once no child is left.
  /// Mirrors ProcessMonitor.stopService.
  internet::defer::Deferred<void> stopService() override;

  /// Starts the process unless it is running already; records its start
  /// time. Mirrors ProcessMonitor.startProcess.
  /// @throws std::out_of_range for an unknown name; what spawnProcess throws.
  void startProcess(const std::string& name);
  /// Sends the process TERM and schedules KILL after killTime; nothing if
  /// it is not running. Mirrors ProcessMonitor.stopProcess.
  /// @throws std::out_of_range for an unknown name (KeyError in Twisted).
  void stopProcess(const std::string& name);
  /// Stops every process; each is restarted as after a death (at once if it
  /// ran longer than threshold). Mirrors ProcessMonitor.restartAll.
  void restartAll();
  /// The process `name` ended: schedules its restart if the monitor is
  /// running and still has it, with the backoff described above. Called by
  /// LoggingProtocol::processEnded. Mirrors ProcessMonitor.connectionLost.
  void connectionLost(const std::string& name);

  /// "<ProcessMonitor 'name'(uid:gid): ['arg0', 'arg1']>", uid and gid
  /// only when set. Mirrors ProcessMonitor.__repr__.
  std::string repr() const;

  /// Seconds a process must live for its death not to count as instant.
  /// Mirrors ProcessMonitor.threshold.
  double threshold = 1;
  /// Seconds between TERM and KILL. Mirrors ProcessMonitor.killTime.
  double killTime = 5;
  /// The first restart delay after an instant death. Mirrors ProcessMonitor.minRestartDelay.
  double minRestartDelay = 1;
  /// The longest restart delay. Mirrors ProcessMonitor.maxRestartDelay.
  double maxRestartDelay = 3600;
  /// Where the children's lines go. Mirrors ProcessMonitor.log.
  logger::Logger log{"twisted.runner.procmon.ProcessMonitor"};

  /// The protocol of each running process. Mirrors ProcessMonitor.protocols.
  const std::map<std::string, std::shared_ptr<LoggingProtocol>>& protocols() const noexcept {
    return protocols_;
  }
  /// The next restart delay of each process. Mirrors ProcessMonitor.delay.
  const std::map<std::string, double>& delay() const noexcept { return delay_; }
  /// When each process was last started (the clock's seconds()).
  /// Mirrors ProcessMonitor.timeStarted.
  const std::map<std::string, double>& timeStarted() const noexcept { return timeStarted_; }
  /// The pending KILL of each process being stopped. Mirrors ProcessMonitor.murder.
  const std::map<std::string, internet::DelayedCall>& murder() const noexcept { return murder_; }
  /// The last scheduled restart of each process. Mirrors ProcessMonitor.restart.
  const std::map<std::string, internet::DelayedCall>& restart() const noexcept { return restart_; }

 private:
  // Twisted's _Process: what to spawn.
  struct Process {
    std::vector<std::string> args;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    internet::process::Environment env;
    std::string cwd;
  };

  void scheduledStart(const std::string& name);
  // Updates the process's delay after a death; returns the restart delay.
  double backoff(const std::string& name, bool instant);

  internet::IReactorProcess& processes_;
  internet::IReactorTime& clock_;
  std::map<std::string, Process> processList_;
  std::map<std::string, std::shared_ptr<LoggingProtocol>> protocols_;
  std::map<std::string, std::shared_ptr<internet::IProcessTransport>> transports_;
  std::map<std::string, double> delay_;
  std::map<std::string, double> timeStarted_;
  std::map<std::string, internet::DelayedCall> murder_;
  std::map<std::string, internet::DelayedCall> restart_;
  std::vector<internet::defer::Deferred<void>> stopWaiters_;
};

}  // namespace twisted::runner::procmon
