// twistedcpp's side of the descriptor-passing interop test
// (tests/interop/unix_fds.sh), the mirror of unix_fds.py:
//   unix_fds_peer serve PATH       for each descriptor received, read it and
//                                  answer "cpp read: <text>"; stops after one client
//   unix_fds_peer send PATH FILE   send FILE's descriptor with one byte, print the answer
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/unix.h>

using namespace twisted::internet;
using twisted::python::Failure;

namespace {

std::string fileArg;

class Reader : public Protocol, public IFileDescriptorReceiver {
 public:
  void fileDescriptorReceived(int fd) override { fds_.push_back(fd); }
  void dataReceived(std::string_view) override {
    for (int fd : fds_) {
      char buf[1000];
      ssize_t n = ::read(fd, buf, sizeof buf);
      ::close(fd);
      std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
      transport->write("cpp read: " + text + "\n");
    }
    fds_.clear();
  }
  void connectionLost(const Failure&) override {
    for (int fd : fds_)
      ::close(fd);
    reactor().stop();
  }

 private:
  std::vector<int> fds_;
};

class Sender : public Protocol {
 public:
  void connectionMade() override {
    fd_ = ::open(fileArg.c_str(), O_RDONLY | O_CLOEXEC);
    dynamic_cast<IUNIXTransport*>(transport)->sendFileDescriptor(fd_);
    ::close(fd_);  // the transport sends its own duplicate
    transport->write("F");
  }
  void dataReceived(std::string_view data) override {
    got_.append(data);
    if (!got_.empty() && got_.back() == '\n') {
      got_.pop_back();
      std::printf("cpp got: %s\n", got_.c_str());
      std::fflush(stdout);
      transport->loseConnection();
    }
  }
  void connectionLost(const Failure&) override { reactor().stop(); }

 private:
  int fd_ = -1;
  std::string got_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string mode = argv[1], path = argv[2];
  std::shared_ptr<IListeningPort> port;
  if (mode == "serve") {
    auto f = Factory::forProtocol<Reader>();
    f->noisy = false;
    port = reactor().listenUNIX(path, f);
    std::printf("cpp: listening\n");
    std::fflush(stdout);
  } else {
    if (argc < 4) return 2;
    fileArg = argv[3];
    auto f = std::make_shared<ClientFactory>();
    f->setProtocol<Sender>();
    reactor().connectUNIX(path, f);
  }
  reactor().run();
  return 0;
}
