// A child killed by a signal: `sleep 60` gets SIGTERM as soon as it runs,
// and its processEnded reason (ProcessTerminated) says how it ended.
#include <cstdio>
#include <memory>

#include <twisted/internet/error.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

using twisted::internet::ProcessProtocol;
using twisted::internet::reactor;
using twisted::python::Failure;
namespace error = twisted::internet::error;

class Victim : public ProcessProtocol {
 public:
  void connectionMade() override {
    std::printf("sleep started\n");
    processTransport()->signalProcess("TERM");
  }
  void processEnded(const Failure& reason) override {
    std::printf("processEnded: %s: %s\n", reason.typeName().c_str(),
                reason.getErrorMessage().c_str());
    if (const auto* e = reason.valueAs<error::ProcessTerminated>())
      std::printf("exitCode: %s, signal: %s\n",
                  e->exitCode ? std::to_string(*e->exitCode).c_str() : "None",
                  e->signal ? std::to_string(*e->signal).c_str() : "None");
    reactor().stop();
  }
};

int main() {
  reactor().callWhenRunning([] {
    reactor().spawnProcess(std::make_shared<Victim>(), "/bin/sleep", {"sleep", "60"});
  });
  reactor().run();
}
