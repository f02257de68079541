// `twist procmon`: runs one command under twisted.runner.procmon's
// ProcessMonitor, with the options of Twisted's procmon plugin
// (twisted/runner/procmontap.py).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/runner/procmon.h>

#include "../service.h"

namespace twisted::twist {
namespace {

class ProcmonService : public ServiceMaker {
 public:
  std::string tapname() const override { return "procmon"; }
  std::string description() const override {
    return "Process monitor: runs COMMAND, logs its output and restarts it when it dies";
  }
  void options(CLI::App& command) override {
    command
        .add_option("-t,--threshold", threshold_,
                    "How long a process has to live before the death is considered instant, "
                    "in seconds")
        ->capture_default_str();
    command
        .add_option("-k,--killtime", killTime_,
                    "How long a process being killed has to get its affairs in order before "
                    "it gets killed with an unmaskable signal")
        ->capture_default_str();
    command
        .add_option("-m,--minrestartdelay", minRestartDelay_,
                    "The minimum time (in seconds) to wait before attempting to restart a "
                    "process")
        ->capture_default_str();
    command
        .add_option("-M,--maxrestartdelay", maxRestartDelay_,
                    "The maximum time (in seconds) to wait before attempting to restart a "
                    "process")
        ->capture_default_str();
    // Everything from the first positional on is the child's command line,
    // options included, as Twisted's getopt-style parsing does ("--" ends
    // the options too).
    command.add_option("COMMAND", commandLine_, "The command to run, then its arguments")
        ->required()
        ->expected(1, -1)
        ->type_name("");
    command.positionals_at_end();
  }
  std::shared_ptr<application::service::IService> makeService() override {
    auto monitor = std::make_shared<runner::procmon::ProcessMonitor>();
    monitor->threshold = threshold_;
    monitor->killTime = killTime_;
    monitor->minRestartDelay = minRestartDelay_;
    monitor->maxRestartDelay = maxRestartDelay_;
    // Named by its command line, as Twisted's makeService does.
    std::string name;
    for (const std::string& arg : commandLine_)
      name += (name.empty() ? "" : " ") + arg;
    std::vector<std::string> args = commandLine_;
    monitor->addProcess(name, std::move(args));
    return monitor;
  }

 private:
  double threshold_ = 1;
  double killTime_ = 5;
  double minRestartDelay_ = 1;
  double maxRestartDelay_ = 3600;
  std::vector<std::string> commandLine_;
};

}  // namespace

std::unique_ptr<ServiceMaker> makeProcmonService() {
  return std::make_unique<ProcmonService>();
}

}  // namespace twisted::twist
