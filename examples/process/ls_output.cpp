// The processes chapter's first example: run `ls -l DIR` from a
// ProcessProtocol, collect its output, and print it with how it ended.
// Then drive an interactive child (/bin/cat standing in for a REPL): write
// lines to its stdin, read them back, close stdin so it exits.
//
// Usage: ls_output [DIR]   (default /)
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/error.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

using twisted::internet::ProcessProtocol;
using twisted::internet::reactor;
using twisted::python::Failure;

// Collects ls's output; prints it when the process has ended.
class LsOutput : public ProcessProtocol {
 public:
  void outReceived(std::string_view data) override { out_.append(data); }
  void errReceived(std::string_view data) override { err_.append(data); }
  void processEnded(const Failure& reason) override {
    std::printf("%s", out_.c_str());
    if (!err_.empty()) std::printf("stderr: %s", err_.c_str());
    std::printf("ls: %s\n", reason.getErrorMessage().c_str());
    startCat();
  }

 private:
  static void startCat();
  std::string out_, err_;
};

// Talks to cat line by line: each answer triggers the next question.
class Conversation : public ProcessProtocol {
 public:
  void connectionMade() override { ask(); }
  void outReceived(std::string_view data) override {
    buffer_.append(data);
    for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
      std::printf("child said: %s\n", buffer_.substr(0, nl).c_str());
      buffer_.erase(0, nl + 1);
      ask();
    }
  }
  void processEnded(const Failure& reason) override {
    std::printf("cat: %s\n", reason.getErrorMessage().c_str());
    reactor().stop();
  }

 private:
  void ask() {
    static constexpr const char* kLines[] = {"hello", "process", "world"};
    if (next_ < 3)
      transport->write(std::string(kLines[next_++]) + "\n");
    else
      processTransport()->closeStdin();  // cat sees EOF and exits 0
  }
  std::string buffer_;
  int next_ = 0;
};

void LsOutput::startCat() {
  reactor().spawnProcess(std::make_shared<Conversation>(), "/bin/cat", {"cat"});
}

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/";
  // Twisted's environment is empty unless given: pass LC_ALL for ls.
  reactor().callWhenRunning([dir] {
    reactor().spawnProcess(std::make_shared<LsOutput>(), "/bin/ls", {"ls", "-l", dir},
                           {{"LC_ALL", "C"}});
  });
  reactor().run();
}
