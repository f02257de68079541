// A ProcessMonitor keeping a crashing child alive: the child prints a line
// and exits with status 1 at once, so every death counts as instant and
// the restart delay doubles (0.05 s, 0.1 s, 0.2 s, ...). After its fourth
// start the monitor is stopped and the reactor with it. What `twist
// procmon --minrestartdelay 0.05 /bin/sh -c '...'` does from the command line.
//
// Usage: procmon_crasher
#include <cstdio>
#include <string>

#include <twisted/internet/reactor.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/runner/procmon.h>

using twisted::internet::reactor;
using twisted::runner::procmon::ProcessMonitor;

int main() {
  ProcessMonitor monitor;  // on the global reactor
  monitor.minRestartDelay = 0.05;
  monitor.threshold = 60;  // a run shorter than this counts as a crash
  monitor.addProcess("crasher", {"/bin/sh", "-c", "echo started; exit 1"});

  // Each line a child writes is a log event: print them, and count starts.
  int starts = 0;
  auto observer = twisted::logger::globalLogPublisher().addObserver(
      [&](const twisted::logger::LogEvent& event) {
        if (event.logNamespace != monitor.log.logNamespace()) return;
        const std::string* tag = event.get<std::string>("tag");
        const std::string* line = event.get<std::string>("line");
        std::printf("[%s] %s (next delay %g s)\n", tag->c_str(), line->c_str(),
                    monitor.delay().at(*tag));
        if (*line == "started" && ++starts == 4)
          monitor.stopService().addCallback([] { reactor().stop(); });
      });

  monitor.startService();
  reactor().run();
  twisted::logger::globalLogPublisher().removeObserver(observer);
  std::printf("stopped after %d starts\n", starts);
}
