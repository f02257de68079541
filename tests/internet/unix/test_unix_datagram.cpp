// Unix datagram sockets (listenUNIXDatagram, connectUNIXDatagram) and
// adopted datagram sockets (adoptDatagramPort), on every reactor backend:
// the UDP port's class with AF_UNIX or a socket made elsewhere. Bad input:
// paths too long, a file already there, an IP address given to a Unix port,
// a peer that is not there, truncation, the wrong kind of socket to adopt.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/unix.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

struct Datagram {
  std::string data;
  Address from;
};

class Recorder : public ConnectedDatagramProtocol {
 public:
  void startProtocol() override { ++started; }
  void stopProtocol() override { ++stopped; }
  void datagramReceived(std::string_view data, const Address& addr) override {
    received.push_back({std::string(data), addr});
    if (echo) transport->write(data, addr);
  }
  void connectionFailed(const Failure& reason) override { failed = reason; }

  bool echo = false;
  int started = 0;
  int stopped = 0;
  std::vector<Datagram> received;
  std::optional<Failure> failed;
};

bool isOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

class UNIXDatagramTest : public testing_internal::RealReactorTest {
 protected:
  void SetUp() override {
    RealReactorTest::SetUp();
    char tmpl[] = "/tmp/twistedcpp-unixdgram-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    r.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return dir + "/" + name; }
  std::string dir;
};

TEST_P(UNIXDatagramTest, DatagramsBetweenTwoPortsCarryTheSendersPath) {
  auto server = std::make_shared<Recorder>();
  server->echo = true;
  auto serverPort = r->listenUNIXDatagram(path("server"), server);
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->listenUNIXDatagram(path("client"), client);
  EXPECT_EQ(serverPort->getHost(), Address(UNIXAddress{path("server")}));
  EXPECT_EQ(server->started, 1);
  clientPort->write("ping", UNIXAddress{path("server")});
  spinUntil([&] { return !client->received.empty(); });
  ASSERT_EQ(server->received.size(), 1u);
  EXPECT_EQ(server->received[0].data, "ping");
  EXPECT_EQ(server->received[0].from, Address(UNIXAddress{path("client")}));
  EXPECT_EQ(client->received[0].data, "ping");
  EXPECT_EQ(client->received[0].from, Address(UNIXAddress{path("server")}));
}

TEST_P(UNIXDatagramTest, SocketFileHasItsModeAndGoesWithThePort) {
  auto p = std::make_shared<Recorder>();
  auto port = r->listenUNIXDatagram(path("s"), p, 8192, 0600);
  struct stat st {};
  ASSERT_EQ(::stat(path("s").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_EQ(p->stopped, 1);
  EXPECT_FALSE(std::filesystem::exists(path("s")));
}

// As listenUNIX: a socket file nobody is bound to (a crash left it) is
// replaced; a live one, or a file that is not a socket, makes listening fail.
TEST_P(UNIXDatagramTest, AStaleSocketFileIsReplacedButALiveOneIsNot) {
  auto bindRaw = [&](const std::string& p) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, p.c_str());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  };
  ::close(bindRaw(path("stale")));
  auto server = std::make_shared<Recorder>();
  auto port = r->listenUNIXDatagram(path("stale"), server);
  auto clientPort = r->listenUNIXDatagram(path("c"), std::make_shared<Recorder>());
  clientPort->write("fresh", UNIXAddress{path("stale")});
  spinUntil([&] { return !server->received.empty(); });

  int live = bindRaw(path("live"));
  try {
    r->listenUNIXDatagram(path("live"), std::make_shared<Recorder>());
    FAIL() << "listened on a path someone is bound to";
  } catch (const error::CannotListenError& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::exists(path("live")));
  ::close(live);

  { std::ofstream(path("plain")) << "not a socket"; }
  EXPECT_THROW(r->listenUNIXDatagram(path("plain"), std::make_shared<Recorder>()),
               error::CannotListenError);
  EXPECT_TRUE(std::filesystem::exists(path("plain")));
}

TEST_P(UNIXDatagramTest, PathTooLongIsAClearError) {
  std::string longPath = dir + "/" + std::string(200, 'x');
  try {
    r->listenUNIXDatagram(longPath, std::make_shared<Recorder>());
    FAIL() << "a path longer than sun_path was accepted";
  } catch (const error::CannotListenError& e) {
    EXPECT_NE(std::string(e.what()).find("too long"), std::string::npos) << e.what();
  }
}

TEST_P(UNIXDatagramTest, AbstractNamespaceMakesNoFile) {
  std::string name =
      std::string(1, '\0') + "twistedcpp-dgram-" + std::to_string(::getpid()) + "-" + GetParam();
  auto server = std::make_shared<Recorder>();
  auto port = r->listenUNIXDatagram(name, server);
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->listenUNIXDatagram(path("c"), client);
  clientPort->write("abstract", UNIXAddress{name});
  spinUntil([&] { return !server->received.empty(); });
  EXPECT_EQ(server->received[0].data, "abstract");
  EXPECT_EQ(port->getHost(), Address(UNIXAddress{name}));
}

TEST_P(UNIXDatagramTest, WritingToAnIPAddressIsInvalid) {
  auto port = r->listenUNIXDatagram(path("s"), std::make_shared<Recorder>());
  EXPECT_THROW(port->write("x", Address(IPv4Address{"UDP", "127.0.0.1", 9})),
               error::InvalidAddressError);
  EXPECT_THROW(port->write("x", UNIXAddress{dir + "/" + std::string(200, 'y')}),
               error::InvalidAddressError);
  EXPECT_THROW(port->connect("127.0.0.1", 9), error::InvalidAddressError);
}

TEST_P(UNIXDatagramTest, LongDatagramsAreTruncatedToMaxPacketSize) {
  auto server = std::make_shared<Recorder>();
  auto port = r->listenUNIXDatagram(path("s"), server, 10);
  auto clientPort = r->listenUNIXDatagram(path("c"), std::make_shared<Recorder>());
  clientPort->write(std::string(100, 'z'), UNIXAddress{path("s")});
  spinUntil([&] { return !server->received.empty(); });
  EXPECT_EQ(server->received[0].data, std::string(10, 'z'));
}

TEST_P(UNIXDatagramTest, ConnectedPortTalksToItsPeer) {
  auto server = std::make_shared<Recorder>();
  server->echo = true;
  auto serverPort = r->listenUNIXDatagram(path("server"), server);
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->connectUNIXDatagram(path("server"), client, 8192, 0666, path("client"));
  ASSERT_FALSE(client->failed) << client->failed->getErrorMessage();
  EXPECT_TRUE(clientPort->isConnected());
  EXPECT_EQ(client->started, 1);
  clientPort->write("hi");
  spinUntil([&] { return !client->received.empty(); });
  EXPECT_EQ(server->received[0].from, Address(UNIXAddress{path("client")}));
  EXPECT_EQ(client->received[0].data, "hi");
  EXPECT_EQ(client->received[0].from, Address(UNIXAddress{path("server")}));
  // Only the peer: another address is refused.
  EXPECT_THROW(clientPort->write("x", UNIXAddress{path("elsewhere")}), error::InvalidAddressError);
}

TEST_P(UNIXDatagramTest, ConnectingToNothingGoesToConnectionFailed) {
  auto client = std::make_shared<Recorder>();
  std::shared_ptr<IUDPPort> port;
  EXPECT_NO_THROW(port =
                      r->connectUNIXDatagram(path("nobody"), client, 8192, 0666, path("client")));
  ASSERT_TRUE(client->failed);
  EXPECT_TRUE(client->failed->check<error::ConnectError>()) << client->failed->getErrorMessage();
  EXPECT_EQ(client->started, 0);
  EXPECT_FALSE(std::filesystem::exists(path("client")));  // its bound file went too
}

// --- adoptDatagramPort ------------------------------------------------------

TEST_P(UNIXDatagramTest, AdoptDatagramPortServesUDPOnADuplicate) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto server = std::make_shared<Recorder>();
  server->echo = true;
  auto port = r->adoptDatagramPort(fd, AF_INET, server);
  EXPECT_EQ(portOf(port->getHost()), ntohs(a.sin_port));
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->listenUDP(0, client, "127.0.0.1");
  clientPort->write("adopted", "127.0.0.1", ntohs(a.sin_port));
  spinUntil([&] { return !client->received.empty(); });
  EXPECT_EQ(client->received[0].data, "adopted");
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_TRUE(isOpen(fd));  // the caller's own descriptor is untouched
  ::close(fd);
}

TEST_P(UNIXDatagramTest, AdoptDatagramPortOfAUnixSocketPair) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
  auto server = std::make_shared<Recorder>();
  auto port = r->adoptDatagramPort(pair[0], AF_UNIX, server);
  ::close(pair[0]);  // the port has its duplicate
  ASSERT_EQ(::send(pair[1], "pair", 4, 0), 4);
  spinUntil([&] { return !server->received.empty(); });
  EXPECT_EQ(server->received[0].data, "pair");
  EXPECT_EQ(server->received[0].from, Address(UNIXAddress{""}));  // unnamed peer
  ::close(pair[1]);
}

TEST_P(UNIXDatagramTest, AdoptingTheWrongSocketIsRefused) {
  int stream = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_THROW(r->adoptDatagramPort(stream, AF_INET, std::make_shared<Recorder>()),
               error::CannotListenError);
  int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_THROW(r->adoptDatagramPort(udp, AF_INET6, std::make_shared<Recorder>()),
               error::CannotListenError);
  EXPECT_THROW(r->adoptDatagramPort(1000000, AF_INET, std::make_shared<Recorder>()),
               error::CannotListenError);
  EXPECT_TRUE(isOpen(stream));
  EXPECT_TRUE(isOpen(udp));
  ::close(stream);
  ::close(udp);
}

TWISTED_INSTANTIATE_BACKENDS(UNIXDatagramTest);

}  // namespace
