// A fake reactor that records spawnProcess calls and runs time on a Clock,
// so ProcessMonitor's backoff and kill schedule are tested without real
// processes or waiting. Mirrors DummyProcess and DummyProcessReactor of
// twisted/runner/test/test_procmon.py.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ireactor_process.h>
#include <twisted/internet/process.h>
#include <twisted/testing/memory_reactor.h>

namespace procmon_test {

/// A child that never runs: TERM makes it "exit" with code 0 after
/// terminationDelay seconds, KILL at once with code 1 (Twisted's DummyProcess).
class DummyProcess : public twisted::internet::IProcessTransport {
 public:
  DummyProcess(twisted::internet::IReactorTime& clock,
               std::shared_ptr<twisted::internet::ProcessProtocol> proto)
      : clock_(clock), proto_(std::move(proto)) {}

  std::optional<int> pid() const override { return pid_; }
  void signalProcess(std::string_view signalName) override {
    if (!pid_) throw twisted::internet::error::ProcessExitedAlready();
    signals.emplace_back(signalName);
    if (signalName == "TERM") {
      clock_.callLater(terminationDelay, [this] { end(0); });
    } else if (signalName == "KILL") {
      clock_.callLater(0, [this] { end(1); });
    }
  }
  void signalProcess(int) override { throw std::logic_error("DummyProcess: signal by name"); }

  /// The child ends now with `status` (0: ProcessDone, else ProcessTerminated).
  void end(int status) {
    if (ended_) return;  // TERM then KILL: the first one ends it
    ended_ = true;
    pid_.reset();
    using namespace twisted::internet::error;
    twisted::python::Failure reason = status == 0
                                          ? twisted::python::Failure(ProcessDone(0))
                                          : twisted::python::Failure(ProcessTerminated(status));
    proto_->processEnded(reason);
  }

  /// The child exits, but something it started holds its pipes open: no
  /// pid any more, and processEnded waits until loseConnection().
  void exitHoldingPipes() { pid_.reset(); }

  // What the monitor must not need: recorded or refused.
  void closeStdin() override {}
  void closeStdout() override {}
  void closeStderr() override {}
  void closeChildFD(int) override {}
  void writeToChild(int, std::string_view) override {}
  void write(std::string_view) override {}
  void writeSequence(std::span<const std::string_view>) override {}
  void loseConnection() override {
    ++loseConnectionCalls;
    if (!pid_) end(0);  // its pipes closed: it ends
  }
  void abortConnection() override {}
  bool disconnecting() const override { return false; }
  twisted::internet::Address getPeer() const override { return twisted::internet::PipeAddress{}; }
  twisted::internet::Address getHost() const override { return twisted::internet::PipeAddress{}; }
  void registerProducer(twisted::internet::IProducer*, bool) override {}
  void unregisterProducer() override {}
  void pauseProducing() override {}
  void resumeProducing() override {}
  void stopProducing() override {}

  /// Seconds from TERM to the exit. Mirrors DummyProcess._terminationDelay.
  double terminationDelay = 1;
  /// The signals received, in order.
  std::vector<std::string> signals;
  /// How many times loseConnection() was called.
  int loseConnectionCalls = 0;

  // What spawnProcess was given.
  std::string executable;
  std::vector<std::string> args;
  twisted::internet::process::Environment env;
  std::string path;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;

 private:
  twisted::internet::IReactorTime& clock_;
  std::shared_ptr<twisted::internet::ProcessProtocol> proto_;
  std::optional<int> pid_ = 1;
  bool ended_ = false;
};

/// A MemoryReactorClock whose spawnProcess makes DummyProcesses.
/// Mirrors DummyProcessReactor.
class DummyProcessReactor : public twisted::testing::MemoryReactorClock,
                            public twisted::internet::IReactorProcess {
 public:
  using IReactorProcess::spawnProcess;
  std::shared_ptr<twisted::internet::IProcessTransport> spawnProcess(
      std::shared_ptr<twisted::internet::ProcessProtocol> protocol, std::string executable,
      std::vector<std::string> args, twisted::internet::process::Environment env, std::string path,
      std::optional<uid_t> uid, std::optional<gid_t> gid, bool,
      std::optional<twisted::internet::process::ChildFDs>) override {
    auto proc = std::make_shared<DummyProcess>(*this, protocol);
    proc->executable = std::move(executable);
    proc->args = std::move(args);
    proc->env = std::move(env);
    proc->path = std::move(path);
    proc->uid = uid;
    proc->gid = gid;
    protocol->makeConnection(proc.get());
    spawnedProcesses.push_back(proc);
    return proc;
  }

  /// Every process spawned, in order. Mirrors DummyProcessReactor.spawnedProcesses.
  std::vector<std::shared_ptr<DummyProcess>> spawnedProcesses;
};

}  // namespace procmon_test
