// Unix stream sockets (listenUNIX, connectUNIX, IUNIXTransport, descriptor
// passing, the lock file) and adopted stream sockets (IReactorSocket), on
// every reactor backend: the cases of Twisted's
// src/twisted/internet/test/test_unix.py and test_socket.py that matter for
// the shared stream transport, plus bad input (paths too long, stale socket
// files, closed descriptors, descriptors nobody asked for).
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/unix.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

int openDescriptors() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d))
      ++n;
    ::closedir(d);
  }
  return n;
}

bool isOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int countMessages(const twisted::testing::EventLoggingObserver& logs, std::string_view text) {
  int n = 0;
  for (auto& e : logs.events())
    for (auto& m : e.message)
      if (m.find(text) != std::string::npos) ++n;
  return n;
}

class UNIXTest : public testing_internal::RealReactorTest {
 protected:
  void SetUp() override {
    RealReactorTest::SetUp();
    char tmpl[] = "/tmp/twistedcpp-unix-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    r.reset();  // closes what is still open first
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name = "sock") const { return dir + "/" + name; }
  std::string dir;
};

struct Record {
  std::string received;
  bool made = false;
  int lostCount = 0;
  std::optional<Failure> lostReason;
  std::optional<Address> peer, host;
  std::optional<PeerCredentials> creds;
  std::vector<int> fds;  // received descriptors (closed by the test)
};

class Recorder : public Protocol {
 public:
  explicit Recorder(std::shared_ptr<Record> rec) : rec_(std::move(rec)) {}
  void connectionMade() override {
    rec_->made = true;
    rec_->peer = transport->getPeer();
    rec_->host = transport->getHost();
    if (auto* u = dynamic_cast<IUNIXTransport*>(transport)) rec_->creds = u->getPeerCredentials();
  }
  void dataReceived(std::string_view data) override { rec_->received.append(data); }
  void connectionLost(const Failure& reason) override {
    ++rec_->lostCount;
    rec_->lostReason = reason;
  }

 protected:
  std::shared_ptr<Record> rec_;
};

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

// Sends `message` on connect, closes after `expect` bytes, stops the reactor when gone.
class Sender : public Recorder {
 public:
  Sender(std::shared_ptr<Record> rec, std::string message, std::size_t expect, ReactorBase* r)
      : Recorder(std::move(rec)), message_(std::move(message)), expect_(expect), r_(r) {}
  void connectionMade() override {
    Recorder::connectionMade();
    transport->write(message_);
  }
  void dataReceived(std::string_view data) override {
    Recorder::dataReceived(data);
    if (rec_->received.size() >= expect_) transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override {
    Recorder::connectionLost(reason);
    if (r_) r_->stop();
  }

 private:
  std::string message_;
  std::size_t expect_;
  ReactorBase* r_;
};

class CallbackClientFactory : public ClientFactory {
 public:
  std::function<void(IConnector&, const Failure&)> onFailed;
  void clientConnectionFailed(IConnector& c, const Failure& f) override {
    if (onFailed) onFailed(c, f);
  }
};

// Connects to `address` and returns the failure clientConnectionFailed got.
std::optional<Failure> failedConnect(ReactorBase& r, const std::string& address,
                                     bool checkPID = false) {
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  cf->onFailed = [&](IConnector&, const Failure& f) { failure = f; };
  r.connectUNIX(address, cf, 30, checkPID);
  EXPECT_FALSE(failure) << "never inside connectUNIX";
  for (int i = 0; i < 500 && !failure; ++i)
    r.iterate(0.01);
  EXPECT_EQ(cf->numPorts, 0) << "doStop ran after the failure";
  return failure;
}

TEST_P(UNIXTest, EchoRoundTripAddressesAndCleanClose) {
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<Recorder>(serverRec));
  EXPECT_EQ(port->getHost(), Address(UNIXAddress{path()}));
  port->stopListening();
  r->iterate(0);
  port = r->listenUNIX(path(), Factory::forProtocol<Echo>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("hello, unix"), 11u, r.get());
  auto connector = r->connectUNIX(path(), cf);
  EXPECT_EQ(connector->getDestination(), Address(UNIXAddress{path()}));
  runBounded();
  EXPECT_EQ(rec->received, "hello, unix");
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>())
      << rec->lostReason->getErrorMessage();
  ASSERT_TRUE(rec->peer);
  EXPECT_EQ(*rec->peer, Address(UNIXAddress{path()}));  // Twisted's Client.getPeer
  EXPECT_EQ(*rec->host, Address(UNIXAddress{""}));      // an unbound client
}

TEST_P(UNIXTest, ServerSeesPeerCredentialsAndAnUnnamedPeer) {
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<Recorder>(serverRec));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Recorder>(rec);
  r->connectUNIX(path(), cf);
  spinUntil([&] { return serverRec->made && rec->made; });
  ASSERT_TRUE(serverRec->creds);
  EXPECT_EQ(serverRec->creds->pid, ::getpid());
  EXPECT_EQ(serverRec->creds->uid, ::getuid());
  EXPECT_EQ(serverRec->creds->gid, ::getgid());
  EXPECT_EQ(*serverRec->host, Address(UNIXAddress{path()}));
  EXPECT_EQ(*serverRec->peer, Address(UNIXAddress{""}));
}

TEST_P(UNIXTest, AbstractNamespaceMakesNoFile) {
  std::string name =
      std::string(1, '\0') + "twistedcpp-test-" + std::to_string(::getpid()) + "-" + GetParam();
  auto port = r->listenUNIX(name, Factory::forProtocol<Echo>());
  EXPECT_EQ(port->getHost(), Address(UNIXAddress{name}));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("abstract"), 8u, r.get());
  r->connectUNIX(name, cf);
  runBounded();
  EXPECT_EQ(rec->received, "abstract");
  EXPECT_EQ(*rec->peer, Address(UNIXAddress{name}));
}

TEST_P(UNIXTest, PathTooLongIsAClearError) {
  std::string longPath = dir + "/" + std::string(200, 'x');
  try {
    r->listenUNIX(longPath, Factory::forProtocol<Echo>());
    FAIL() << "expected CannotListenError";
  } catch (const error::CannotListenError& e) {
    EXPECT_EQ(e.path(), longPath);
    EXPECT_NE(std::string(e.what()).find("Unix socket path too long"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Couldn't listen on any:" + longPath), std::string::npos);
  }
  auto failure = failedConnect(*r, longPath);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::ConnectError>());
  EXPECT_NE(failure->getErrorMessage().find("Unix socket path too long"), std::string::npos)
      << failure->getErrorMessage();
}

TEST_P(UNIXTest, ConnectingToNothingFails) {
  auto missing = failedConnect(*r, path("missing"));
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->check<error::ConnectError>());
  EXPECT_NE(missing->getErrorMessage().find("No such file or directory"), std::string::npos);
  // A socket file nobody listens on: refused.
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path("dead").c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(s);
  auto refused = failedConnect(*r, path("dead"));
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->check<error::ConnectionRefusedError>()) << refused->getErrorMessage();
}

TEST_P(UNIXTest, StopConnectingBeforeTheAttemptRanGivesUserError) {
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<Recorder>(serverRec));
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  cf->onFailed = [&](IConnector&, const Failure& f) { failure = f; };
  auto c = r->connectUNIX(path(), cf);
  c->stopConnecting();  // the connect() itself waits for the next iteration
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::UserError>());
  spinFor(0.1);
  EXPECT_FALSE(serverRec->made) << "the stopped attempt connected anyway";
  // connect() again from the same connector works.
  failure.reset();
  c->connect();
  spinUntil([&] { return serverRec->made; });
  EXPECT_FALSE(failure);
}

TEST_P(UNIXTest, StaleSocketFileIsReplacedButALiveOneIsNot) {
  // A socket file left by a server that is gone: listening takes it over.
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path().c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(s);
  auto port = r->listenUNIX(path(), Factory::forProtocol<Echo>());
  // A live one is never touched: a second listen fails, the first serves on.
  try {
    r->listenUNIX(path(), Factory::forProtocol<Echo>());
    FAIL() << "expected CannotListenError";
  } catch (const error::CannotListenError& e) {
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
  }
  // Neither is a regular file that happens to be there.
  {
    int f = ::open(path("plain").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ::close(f);
    EXPECT_THROW(r->listenUNIX(path("plain"), Factory::forProtocol<Echo>()),
                 error::CannotListenError);
    EXPECT_TRUE(std::filesystem::exists(path("plain")));
  }
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("still here"), 10u, r.get());
  r->connectUNIX(path(), cf);
  runBounded();
  EXPECT_EQ(rec->received, "still here");
}

TEST_P(UNIXTest, SocketFileHasItsModeAndGoesWithThePort) {
  auto port = r->listenUNIX(path(), Factory::forProtocol<Echo>(), 50, 0600);
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_FALSE(std::filesystem::exists(path()));
  // startListening again makes it again.
  port->startListening();
  EXPECT_TRUE(std::filesystem::exists(path()));
}

// A pid that is certainly dead: a child that exited and was reaped.
pid_t deadPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST_P(UNIXTest, WantPIDTakesTheLockAndCheckPIDNeedsIt) {
  // checkPID with nobody holding the lock: BadFileError.
  {
    auto plain = r->listenUNIX(path(), Factory::forProtocol<Echo>());
    auto failure = failedConnect(*r, path(), /*checkPID=*/true);
    ASSERT_TRUE(failure);
    EXPECT_TRUE(failure->check<error::BadFileError>()) << failure->getErrorMessage();
    bool stopped = false;
    plain->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped; });
  }
  auto port = r->listenUNIX(path(), Factory::forProtocol<Echo>(), 50, 0666, /*wantPID=*/true);
  char target[32] = {};
  ASSERT_GT(::readlink((path() + ".lock").c_str(), target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), std::to_string(::getpid()));
  // A second wantPID listener cannot take the lock (a live process holds it).
  try {
    r->listenUNIX(path(), Factory::forProtocol<Echo>(), 50, 0666, true);
    FAIL() << "expected CannotListenError";
  } catch (const error::CannotListenError& e) {
    EXPECT_NE(std::string(e.what()).find("Cannot acquire lock"), std::string::npos) << e.what();
  }
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("locked"), 6u, r.get());
  r->connectUNIX(path(), cf, 30, /*checkPID=*/true);
  runBounded();
  EXPECT_EQ(rec->received, "locked");
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_FALSE(std::filesystem::exists(path()));
  EXPECT_FALSE(std::filesystem::is_symlink(path() + ".lock"));
}

TEST_P(UNIXTest, AStaleLockAndItsSocketAreTakenOver) {
  // What a crashed wantPID server leaves: its lock and its socket file.
  ASSERT_EQ(::symlink(std::to_string(deadPid()).c_str(), (path() + ".lock").c_str()), 0);
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path().c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(s);
  auto port = r->listenUNIX(path(), Factory::forProtocol<Echo>(), 50, 0666, true);
  char target[32] = {};
  ASSERT_GT(::readlink((path() + ".lock").c_str(), target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), std::to_string(::getpid()));
}

class HalfCloseServer : public Protocol, public IHalfCloseableProtocol {
 public:
  void dataReceived(std::string_view data) override { got_.append(data); }
  void readConnectionLost() override {
    transport->write("got " + got_);
    transport->loseConnection();
  }
  void writeConnectionLost() override {}

 private:
  std::string got_;
};

class HalfCloseClient : public Sender, public IHalfCloseableProtocol {
 public:
  using Sender::Sender;
  void connectionMade() override {
    Sender::connectionMade();
    static_cast<ITCPTransport*>(transport)->loseWriteConnection();  // as over TCP
  }
  void readConnectionLost() override { transport->loseConnection(); }
  void writeConnectionLost() override {}
};

TEST_P(UNIXTest, HalfClose) {
  auto port = r->listenUNIX(path(), Factory::forProtocol<HalfCloseServer>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<HalfCloseClient>(rec, std::string("question"), 1000u, r.get());
  r->connectUNIX(path(), cf);
  runBounded();
  EXPECT_EQ(rec->received, "got question");
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
}

// Options: a Unix transport is also an ITCPTransport (as Twisted's); TCP_NODELAY
// is refused (OSError in Twisted), keepalive accepted.
class OptionsProbe : public Recorder {
 public:
  using Recorder::Recorder;
  void connectionMade() override {
    Recorder::connectionMade();
    auto* tcp = dynamic_cast<ITCPTransport*>(transport);
    ASSERT_NE(tcp, nullptr);
    EXPECT_NE(dynamic_cast<IUNIXTransport*>(transport), nullptr);
    EXPECT_FALSE(tcp->getTcpNoDelay());
    try {
      tcp->setTcpNoDelay(true);
      ADD_FAILURE() << "setTcpNoDelay should refuse";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), EOPNOTSUPP);
    }
    EXPECT_NO_THROW(tcp->setTcpKeepAlive(true));
    transport->loseConnection();
  }
};

TEST_P(UNIXTest, TCPOptionsOnAUnixTransport) {
  auto rec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<OptionsProbe>(rec));
  auto cf = std::make_shared<CallbackClientFactory>();
  auto crec = std::make_shared<Record>();
  cf->setProtocol<Sender>(crec, std::string(), 1u, r.get());
  r->connectUNIX(path(), cf);
  runBounded();
  EXPECT_TRUE(rec->made);
}

// --- descriptor passing ---------------------------------------------------

class FdReceiver : public Recorder, public IFileDescriptorReceiver {
 public:
  using Recorder::Recorder;
  void fileDescriptorReceived(int fd) override { rec_->fds.push_back(fd); }
};

// Sends each of `fds` then `data` on connect.
class FdSender : public Recorder {
 public:
  FdSender(std::shared_ptr<Record> rec, std::vector<int> fds, std::string data)
      : Recorder(std::move(rec)), fds_(std::move(fds)), data_(std::move(data)) {}
  void connectionMade() override {
    Recorder::connectionMade();
    auto* u = dynamic_cast<IUNIXTransport*>(transport);
    ASSERT_NE(u, nullptr);
    for (int fd : fds_)
      u->sendFileDescriptor(fd);
    transport->write(data_);
  }

 private:
  std::vector<int> fds_;
  std::string data_;
};

TEST_P(UNIXTest, SendFileDescriptorReachesAReceiver) {
  const int baseline = openDescriptors();
  {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    auto serverRec = std::make_shared<Record>();
    auto port = r->listenUNIX(path(), Factory::forProtocol<FdReceiver>(serverRec));
    auto rec = std::make_shared<Record>();
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->setProtocol<FdSender>(rec, std::vector<int>{p[0]}, std::string("fd!"));
    auto c = r->connectUNIX(path(), cf);
    spinUntil([&] { return rec->made; });
    ::close(p[0]);  // ours: the transport sends its own duplicate
    spinUntil([&] { return serverRec->received == "fd!"; });
    ASSERT_EQ(serverRec->fds.size(), 1u);
    int got = serverRec->fds[0];
    EXPECT_TRUE(::fcntl(got, F_GETFD) & FD_CLOEXEC);
    ASSERT_EQ(::write(p[1], "through", 7), 7);
    char buf[16];
    EXPECT_EQ(::read(got, buf, sizeof buf), 7);
    ::close(got);
    ::close(p[1]);
    c->disconnect();
    bool stopped = false;
    port->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped && serverRec->lostCount == 1; });
  }
  EXPECT_EQ(openDescriptors(), baseline);
}

TEST_P(UNIXTest, DescriptorsNobodyAskedForAreClosed) {
  twisted::testing::EventLoggingObserver logs;
  const int baseline = openDescriptors();
  {
    auto serverRec = std::make_shared<Record>();
    auto port = r->listenUNIX(path(), Factory::forProtocol<Recorder>(serverRec));
    auto rec = std::make_shared<Record>();
    auto cf = std::make_shared<CallbackClientFactory>();
    // Three descriptors, three bytes (one each), then more data.
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    cf->setProtocol<FdSender>(rec, std::vector<int>{devnull, devnull, devnull},
                              std::string("abcdef"));
    auto c = r->connectUNIX(path(), cf);
    spinUntil([&] { return serverRec->received == "abcdef"; });
    ::close(devnull);
    EXPECT_EQ(countMessages(logs, "does not provide IFileDescriptorReceiver"), 3);
    c->disconnect();
    bool stopped = false;
    port->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped && serverRec->lostCount == 1; });
  }
  EXPECT_EQ(openDescriptors(), baseline) << "a received descriptor leaked";
}

// A receiver whose fileDescriptorReceived throws: the exception is logged
// and disconnects (rule 7), and nothing it was not handed leaks.
class ThrowingReceiver : public Recorder, public IFileDescriptorReceiver {
 public:
  using Recorder::Recorder;
  void fileDescriptorReceived(int fd) override {
    ::close(fd);  // it was handed over: ours
    throw std::runtime_error("no descriptors today");
  }
};

TEST_P(UNIXTest, AThrowingReceiverDisconnectsAndLeaksNothing) {
  twisted::testing::EventLoggingObserver logs;
  const int baseline = openDescriptors();
  {
    auto serverRec = std::make_shared<Record>();
    auto port = r->listenUNIX(path(), Factory::forProtocol<ThrowingReceiver>(serverRec));
    auto rec = std::make_shared<Record>();
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->setProtocol<FdSender>(rec, std::vector<int>{0, 1, 2}, std::string("abc"));
    r->connectUNIX(path(), cf);
    spinUntil([&] { return serverRec->lostCount == 1 && rec->lostCount == 1; });
    EXPECT_NE(serverRec->lostReason->getErrorMessage().find("no descriptors today"),
              std::string::npos);
    bool stopped = false;
    port->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped; });
  }
  EXPECT_EQ(openDescriptors(), baseline) << "a descriptor leaked";
}

class ClosedFdSender : public Recorder {
 public:
  using Recorder::Recorder;
  void connectionMade() override {
    Recorder::connectionMade();
    auto* u = dynamic_cast<IUNIXTransport*>(transport);
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::close(fd);
    try {
      u->sendFileDescriptor(fd);
      ADD_FAILURE() << "a closed descriptor was accepted";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), EBADF);
      EXPECT_NE(std::string(e.what()).find("sendFileDescriptor(" + std::to_string(fd) + ")"),
                std::string::npos)
          << e.what();
    }
    // Nothing was queued: a plain write goes through.
    transport->write("ok");
  }
};

TEST_P(UNIXTest, SendingAClosedDescriptorIsAClearError) {
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<Recorder>(serverRec));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<ClosedFdSender>(rec);
  r->connectUNIX(path(), cf);
  spinUntil([&] { return serverRec->received == "ok"; });
}

TEST_P(UNIXTest, MoreDescriptorsThanBytesIsAnOverrun) {
  const int baseline = openDescriptors();
  {
    auto serverRec = std::make_shared<Record>();
    auto port = r->listenUNIX(path(), Factory::forProtocol<FdReceiver>(serverRec));
    auto rec = std::make_shared<Record>();
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->setProtocol<FdSender>(rec, std::vector<int>{0, 1}, std::string("x"));
    r->connectUNIX(path(), cf);
    spinUntil([&] { return rec->lostCount == 1 && serverRec->lostCount == 1; });
    ASSERT_TRUE(rec->lostReason);
    EXPECT_TRUE(rec->lostReason->check<error::FileDescriptorOverrun>())
        << rec->lostReason->getErrorMessage();
    EXPECT_TRUE(serverRec->fds.empty());
    bool stopped = false;
    port->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped; });
  }
  EXPECT_EQ(openDescriptors(), baseline) << "a queued duplicate leaked";
}

// A protocol losing its connection inside dataReceived (lifetime rule 10).
class CloseOnData : public Recorder {
 public:
  using Recorder::Recorder;
  void dataReceived(std::string_view data) override {
    Recorder::dataReceived(data);
    transport->abortConnection();
    transport->loseConnection();
  }
};

TEST_P(UNIXTest, ProtocolLosesItsOwnConnectionInsideDataReceived) {
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<CloseOnData>(serverRec));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("bye"), 1000u, r.get());
  r->connectUNIX(path(), cf);
  runBounded();
  EXPECT_EQ(serverRec->lostCount, 1);
  EXPECT_TRUE(serverRec->lostReason->check<error::ConnectionAborted>());
}

// A server echoing to a client that never reads: bounded by the transport
// being its own streaming producer, as over TCP.
struct EchoStats {
  std::size_t echoed = 0;
};

class BoundedEcho : public Protocol {
 public:
  explicit BoundedEcho(std::shared_ptr<EchoStats> s) : stats_(std::move(s)) {}
  void connectionMade() override { transport->registerProducer(transport, true); }
  void dataReceived(std::string_view data) override {
    transport->write(data);
    stats_->echoed += data.size();
  }

 private:
  std::shared_ptr<EchoStats> stats_;
};

class Flooder : public Protocol {
 public:
  explicit Flooder(ReactorBase* r) : r_(r) {}
  void connectionMade() override {
    transport->pauseProducing();
    chunk_.assign(64 * 1024, 'x');
    pump();
  }
  void pump() {
    for (int i = 0; i < 16; ++i)
      transport->write(chunk_);
    if (++rounds_ < 64) r_->callLater(0.005, [this] { pump(); });
  }

 private:
  ReactorBase* r_;
  std::string chunk_;
  int rounds_ = 0;
};

TEST_P(UNIXTest, EchoToAClientThatNeverReadsKeepsBoundedMemory) {
  auto stats = std::make_shared<EchoStats>();
  auto port = r->listenUNIX(path(), Factory::forProtocol<BoundedEcho>(stats));
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Flooder>(r.get());
  auto c = r->connectUNIX(path(), cf);
  r->callLater(1.0, [&] { r->stop(); });
  runBounded(10);
  EXPECT_LT(stats->echoed, 32u * 1024 * 1024) << "reading was never paused";
  EXPECT_GT(stats->echoed, 0u);
}

TEST_P(UNIXTest, ManyClientsPastTheBacklog) {
  // More clients at once than the backlog: connects that find it full retry.
  auto port = r->listenUNIX(path(), Factory::forProtocol<Echo>(), 5);
  constexpr int kClients = 40;
  int done = 0;
  std::vector<std::shared_ptr<Record>> recs;
  for (int i = 0; i < kClients; ++i) {
    auto rec = std::make_shared<Record>();
    recs.push_back(rec);
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->setProtocol<Sender>(rec, "client " + std::to_string(i), 7u + std::to_string(i).size(),
                            nullptr);
    cf->onFailed = [&](IConnector&, const Failure& f) {
      ADD_FAILURE() << f.getErrorMessage();
      ++done;
    };
    r->connectUNIX(path(), cf);
  }
  spinUntil([&] {
    int lost = 0;
    for (auto& rec : recs)
      lost += rec->lostCount;
    return lost + done == kClients;
  });
  for (int i = 0; i < kClients; ++i)
    EXPECT_EQ(recs[i]->received, "client " + std::to_string(i));
}

// --- adopted sockets (IReactorSocket) ----------------------------------------

int boundUnixSocket(const std::string& p, bool listening) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, p.c_str());
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  if (listening) ::listen(s, 10);
  return s;
}

TEST_P(UNIXTest, AdoptStreamPortServesOnADuplicate) {
  int s = boundUnixSocket(path(), true);
  ASSERT_GE(s, 0);
  auto port = r->adoptStreamPort(s, AF_UNIX, Factory::forProtocol<Echo>());
  EXPECT_EQ(port->getHost(), Address(UNIXAddress{path()}));
  EXPECT_TRUE(isOpen(s));
  ::close(s);  // the caller's own: the port has its duplicate
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("adopted"), 7u, r.get());
  r->connectUNIX(path(), cf);
  runBounded();
  EXPECT_EQ(rec->received, "adopted");
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_TRUE(std::filesystem::exists(path())) << "an adopted socket's file is its owner's";
}

TEST_P(UNIXTest, AdoptStreamPortOfTCP) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(s, 10), 0);
  auto port = r->adoptStreamPort(s, AF_INET, Factory::forProtocol<Echo>());
  ::close(s);
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("tcp adopted"), 11u, r.get());
  r->connectTCP("127.0.0.1", portOf(port->getHost()), cf);
  runBounded();
  EXPECT_EQ(rec->received, "tcp adopted");
}

TEST_P(UNIXTest, AdoptingTheWrongSocketIsRefused) {
  const int baseline = openDescriptors();
  int notListening = boundUnixSocket(path(), false);
  EXPECT_THROW(r->adoptStreamPort(notListening, AF_UNIX, Factory::forProtocol<Echo>()),
               error::CannotListenError);
  EXPECT_THROW(r->adoptStreamPort(notListening, AF_INET, Factory::forProtocol<Echo>()),
               error::CannotListenError);
  EXPECT_THROW(r->adoptStreamConnection(notListening, AF_UNIX, Factory::forProtocol<Echo>()),
               std::invalid_argument);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  try {
    r->adoptStreamPort(devnull, AF_UNIX, Factory::forProtocol<Echo>());
    ADD_FAILURE() << "adopted /dev/null";
  } catch (const error::CannotListenError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a socket"), std::string::npos) << e.what();
  }
  ::close(devnull);
  ::close(notListening);
  EXPECT_EQ(openDescriptors(), baseline);
}

TEST_P(UNIXTest, AdoptStreamConnectionOfASocketPair) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto serverRec = std::make_shared<Record>();
  auto f = Factory::forProtocol<Recorder>(serverRec);
  r->adoptStreamConnection(sv[0], AF_UNIX, f);
  EXPECT_TRUE(serverRec->made);
  EXPECT_TRUE(serverRec->creds);
  EXPECT_TRUE(isOpen(sv[0]));
  ::close(sv[0]);
  ASSERT_EQ(::write(sv[1], "pair", 4), 4);
  spinUntil([&] { return serverRec->received == "pair"; });
  ::close(sv[1]);
  spinUntil([&] { return serverRec->lostCount == 1; });
  EXPECT_TRUE(serverRec->lostReason->check<error::ConnectionDone>());
}

TWISTED_INSTANTIATE_BACKENDS(UNIXTest);

}  // namespace
