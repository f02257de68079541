// The code snippets of docs/unix.md, verbatim, so the guide cannot drift
// from what compiles; each is run on an independent reactor (makeReactor)
// with a safety bound.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic.h>

// docs/unix.md, top.
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/unix.h>  // IUNIXTransport, IFileDescriptorReceiver
using namespace twisted::internet;
using twisted::python::Failure;

namespace doc_examples {

class Echo : public Protocol {
  void dataReceived(std::string_view data) override { transport->write(data); }
};

// --- "A server that knows its clients" ------------------------------------------

class Whoami : public twisted::protocols::basic::LineReceiver {
  void connectionMade() override {
    auto* local = dynamic_cast<IUNIXTransport*>(transport);
    std::optional<PeerCredentials> peer = local->getPeerCredentials();
    sendLine(peer ? "uid " + std::to_string(peer->uid) : "unknown");
    transport->loseConnection();
  }
  void lineReceived(std::string_view) override {}
};

std::shared_ptr<IListeningPort> serveWhoami(ReactorBase& reactor, const std::string& path) {
  // 0600: only our own user may connect (the file's mode is the access check).
  return reactor.listenUNIX(path, Factory::forProtocol<Whoami>(), /*backlog=*/50, /*mode=*/0600);
}

// --- "Passing a descriptor" -----------------------------------------------------

class PassLog : public Protocol {  // client: hands the server its log file
 public:
  explicit PassLog(int logFd) : logFd_(logFd) {}
  void connectionMade() override {
    dynamic_cast<IUNIXTransport*>(transport)->sendFileDescriptor(logFd_);
    transport->write("L");  // carries the descriptor
    transport->loseConnection();
  }

 private:
  int logFd_;
};

class LogWriter : public Protocol, public IFileDescriptorReceiver {  // server
 public:
  void fileDescriptorReceived(int fd) override { fds_.push_back(fd); }
  void dataReceived(std::string_view) override {
    for (int fd : fds_) {
      std::string_view line = "written by the server\n";
      (void)::write(fd, line.data(), line.size());
      ::close(fd);  // ours to close
    }
    fds_.clear();
  }
  void connectionLost(const Failure&) override {
    for (int fd : fds_)
      ::close(fd);
  }

 private:
  std::vector<int> fds_;
};

// --- "Adopting a socket made elsewhere" -------------------------------------------

// `fd` is a listening socket inherited from a supervisor (e.g. systemd's
// LISTEN_FDS: fd 3). The reactor serves on its own duplicate.
std::shared_ptr<IListeningPort> serveInherited(ReactorBase& reactor, int fd, int family) {
  auto port = reactor.adoptStreamPort(fd, family, Factory::forProtocol<Echo>());
  ::close(fd);  // the reactor keeps its duplicate
  return port;
}

// --- "Unix datagrams" -----------------------------------------------------------

class DatagramEcho : public DatagramProtocol {  // the guide's `Echo`
  void datagramReceived(std::string_view data, const Address& from) override {
    transport->write(data, from);  // from: UNIXAddress{the sender's path}
  }
};

std::shared_ptr<IUDPPort> serveDatagramEcho(ReactorBase& reactor, const std::string& path) {
  return reactor.listenUNIXDatagram(path, std::make_shared<DatagramEcho>());
}

}  // namespace doc_examples

namespace {

using namespace doc_examples;

class Collect : public Protocol {
 public:
  Collect(std::string* out, ReactorBase* r, std::string send = {})
      : out_(out), r_(r), send_(std::move(send)) {}
  void connectionMade() override {
    if (!send_.empty()) transport->write(send_);
  }
  void dataReceived(std::string_view data) override {
    out_->append(data);
    if (!send_.empty() && out_->size() >= send_.size()) transport->loseConnection();
  }
  void connectionLost(const Failure&) override { r_->stop(); }

 private:
  std::string* out_;
  ReactorBase* r_;
  std::string send_;
};

class UnixDocExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/twistedcpp-unixdoc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    r = makeReactor("epoll");
  }
  void TearDown() override {
    r.reset();
    std::filesystem::remove_all(dir);
  }
  void runBounded() {
    auto guard = r->callLater(10, [this] {
      ADD_FAILURE() << "timed out";
      r->stop();
    });
    r->run(false);
    if (guard.active()) guard.cancel();
  }
  std::string dir;
  std::unique_ptr<ReactorBase> r;
};

TEST_F(UnixDocExamples, WhoamiAnswersWithOurUid) {
  const std::string path = dir + "/whoami";
  auto port = serveWhoami(*r, path);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string got;
  auto f = std::make_shared<ClientFactory>();
  f->setProtocol<Collect>(&got, r.get());
  r->connectUNIX(path, f);
  runBounded();
  EXPECT_EQ(got, "uid " + std::to_string(::getuid()) + "\r\n");
}

TEST_F(UnixDocExamples, PassLogHandsTheServerAFileToWrite) {
  const std::string path = dir + "/logs";
  const std::string logPath = dir + "/client.log";
  auto port = r->listenUNIX(path, Factory::forProtocol<LogWriter>());
  int logFd = ::open(logPath.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(logFd, 0);
  auto f = std::make_shared<ClientFactory>();
  f->setProtocol<PassLog>(logFd);
  r->connectUNIX(path, f);
  for (int i = 0; i < 500 && std::filesystem::file_size(logPath) == 0; ++i)
    r->iterate(0.01);
  ::close(logFd);
  EXPECT_EQ(std::filesystem::file_size(logPath), std::string("written by the server\n").size());
}

TEST_F(UnixDocExamples, ServeInheritedSocket) {
  const std::string path = dir + "/inherited";
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(s, 5), 0);
  auto port = serveInherited(*r, s, AF_UNIX);
  std::string got;
  auto f = std::make_shared<ClientFactory>();
  f->setProtocol<Collect>(&got, r.get(), std::string("inherited"));
  r->connectUNIX(path, f);
  runBounded();
  EXPECT_EQ(got, "inherited");
}

TEST_F(UnixDocExamples, UnixDatagramEcho) {
  auto port = serveDatagramEcho(*r, dir + "/echo.dgram");
  struct Client : DatagramProtocol {
    std::string got;
    void datagramReceived(std::string_view data, const Address&) override { got = data; }
  };
  auto client = std::make_shared<Client>();
  auto clientPort = r->listenUNIXDatagram(dir + "/client.dgram", client);
  clientPort->write("datagram", UNIXAddress{dir + "/echo.dgram"});
  for (int i = 0; i < 500 && client->got.empty(); ++i)
    r->iterate(0.01);
  EXPECT_EQ(client->got, "datagram");
}

}  // namespace
