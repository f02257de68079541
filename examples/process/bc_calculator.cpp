// An interactive child driven from a ProcessProtocol: `bc -q` (the
// calculator) gets one expression per line, each answer line is printed
// next to its question, and "quit" ends it.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

using twisted::internet::ProcessProtocol;
using twisted::internet::reactor;
using twisted::python::Failure;

class Calculator : public ProcessProtocol {
 public:
  void connectionMade() override { ask(); }
  // Answers may arrive in pieces or several at once: split into lines.
  void outReceived(std::string_view data) override {
    buffer_.append(data);
    for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
      std::printf("%s = %s\n", kQuestions[next_ - 1], buffer_.substr(0, nl).c_str());
      buffer_.erase(0, nl + 1);
      ask();
    }
  }
  void errReceived(std::string_view data) override {
    std::printf("bc complained: %.*s", static_cast<int>(data.size()), data.data());
  }
  void processEnded(const Failure& reason) override {
    std::printf("bc: %s\n", reason.getErrorMessage().c_str());
    reactor().stop();
  }

 private:
  static constexpr const char* kQuestions[] = {"2+3", "6*7", "2^64", "scale=5; 22/7"};
  void ask() {
    if (next_ < std::size(kQuestions))
      transport->write(std::string(kQuestions[next_++]) + "\n");
    else
      transport->write("quit\n");  // bc exits 0
  }
  std::string buffer_;
  std::size_t next_ = 0;
};

int main() {
  reactor().callWhenRunning([] {
    reactor().spawnProcess(std::make_shared<Calculator>(), "/usr/bin/bc", {"bc", "-q"},
                           {{"LC_ALL", "C"}});
  });
  reactor().run();
}
