// twistedcpp's spawnProcess driving a child, printing the ProcessProtocol
// callbacks it sees in process_peer.py's format (tests/interop/process.sh
// compares the two on the same child).
// Usage: process_peer SCENARIO CHILD-ARGV...   (SCENARIO: feed | silent)
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

std::string show(const std::optional<int>& v) {
  return v ? std::to_string(*v) : "None";
}

class Recorder : public ProcessProtocol {
 public:
  explicit Recorder(std::string scenario) : scenario_(std::move(scenario)) {}

  void connectionMade() override {
    event("connectionMade");
    if (scenario_ == "feed") {
      processTransport()->write("hello\n");
      processTransport()->closeStdin();
    }
  }
  void childDataReceived(int fd, std::string_view data) override {
    data_[fd].append(data);
    ProcessProtocol::childDataReceived(fd, data);
  }
  void outReceived(std::string_view) override { event("outReceived"); }
  void errReceived(std::string_view) override { event("errReceived"); }
  void inConnectionLost() override { event("inConnectionLost"); }
  void outConnectionLost() override { event("outConnectionLost"); }
  void errConnectionLost() override { event("errConnectionLost"); }
  void processExited(const Failure& reason) override { this->reason("processExited", reason); }
  void processEnded(const Failure& reason) override {
    this->reason("processEnded", reason);
    for (const auto& e : events_)
      std::printf("%s\n", e.c_str());
    for (const auto& [fd, data] : data_) {
      std::string escaped;
      for (char c : data)
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
      std::printf("data %d %s\n", fd, escaped.c_str());
    }
    std::fflush(stdout);
    reactor().stop();
  }

 private:
  // A run of chunks on one fd is one line: how the kernel splits a write is
  // not part of the sequence.
  void event(const std::string& line) {
    const bool data = line.ends_with("Received");
    if (!(data && !events_.empty() && events_.back() == line)) events_.push_back(line);
  }
  void reason(const char* name, const Failure& reason) {
    if (const auto* t = reason.valueAs<error::ProcessTerminated>())
      event(std::string(name) + " ProcessTerminated exitCode=" + show(t->exitCode) +
            " signal=" + show(t->signal));
    else
      event(std::string(name) + " ProcessDone exitCode=0 signal=None");
  }

  std::string scenario_;
  std::vector<std::string> events_;
  std::map<int, std::string> data_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s feed|silent CHILD-ARGV...\n", argv[0]);
    return 2;
  }
  auto p = std::make_shared<Recorder>(argv[1]);
  std::vector<std::string> args(argv + 2, argv + argc);
  reactor().callWhenRunning([&] { reactor().spawnProcess(p, args[0], args); });
  reactor().run();
  return 0;
}
