// serverFromString / clientFromString build working endpoints: a server
// from each string listens for real (loopback, ephemeral ports) and a
// client from a string connects to it and gets its bytes echoed, on every
// backend.
#include <twisted/internet/endpoints/from_string.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>

#include "internet/reactor_fixture.h"
#include "internet/ssl/test_pki.h"

namespace {

using namespace twisted::internet;
namespace ep = twisted::internet::endpoints;
using twisted::python::Failure;

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

struct Result {
  std::string received;
  bool lost = false;
  bool failed = false;
  std::string error;
};

// Sends "hello" once connected and closes when it came back.
class Hello : public Protocol {
 public:
  explicit Hello(std::shared_ptr<Result> result) : result_(std::move(result)) {}
  void connectionMade() override { transport->write("hello"); }
  void dataReceived(std::string_view data) override {
    result_->received.append(data);
    if (result_->received.size() >= 5) transport->loseConnection();
  }
  void connectionLost(const Failure&) override { result_->lost = true; }

 private:
  std::shared_ptr<Result> result_;
};

class FromStringEndpointTest : public testing_internal::RealReactorTest {
 protected:
  void TearDown() override {
    for (auto& p : ports)
      p->stopListening();
    ports.clear();
    for (auto& path : cleanup)
      std::filesystem::remove_all(path);
  }

  // Listens with an echo factory on `description`; the port (null: failed,
  // the reason in `listenError`).
  std::shared_ptr<IListeningPort> listen(const std::string& description) {
    std::shared_ptr<IListeningPort> port;
    listenError.clear();
    ep::serverFromString(*r, description)
        ->listen(Factory::forProtocol<Echo>())
        .addCallbacks([&](std::shared_ptr<IListeningPort> p) { port = std::move(p); },
                      [&](const Failure& f) { listenError = f.getErrorMessage(); });
    if (port) ports.push_back(port);
    return port;
  }

  // Connects with `description`, sends "hello"; what came back.
  std::string roundTrip(const std::string& description) {
    auto result = std::make_shared<Result>();
    ep::clientFromString(*r, description)
        ->connect(Factory::forProtocol<Hello>(result))
        .addCallbacks([](Protocol*) {},
                      [result](const Failure& f) {
                        result->failed = true;
                        result->error = f.getErrorMessage();
                      });
    spinUntil([&] { return result->failed || result->lost; });
    EXPECT_FALSE(result->failed) << description << ": " << result->error;
    return result->received;
  }

  std::string tempDir() {
    char tmpl[] = "/tmp/from-string-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl), nullptr);
    cleanup.push_back(tmpl);
    return tmpl;
  }

  std::vector<std::shared_ptr<IListeningPort>> ports;
  std::vector<std::string> cleanup;
  std::string listenError;
};

TEST_P(FromStringEndpointTest, TCP) {
  auto port = listen("tcp:0:interface=127.0.0.1");
  ASSERT_TRUE(port) << listenError;
  std::string n = std::to_string(portOf(port->getHost()));
  EXPECT_EQ(roundTrip("tcp:127.0.0.1:" + n), "hello");
  EXPECT_EQ(roundTrip("tcp:host=127.0.0.1:port=" + n + ":timeout=5:bindAddress=127.0.0.1"),
            "hello");
}

TEST_P(FromStringEndpointTest, TCPReusePortSharesThePort) {
  // reusePort=1 (a C++ addition): a second socket may listen on the port,
  // one without the option may not; both accept and serve.
  auto first = listen("tcp:0:interface=127.0.0.1:reusePort=1");
  ASSERT_TRUE(first) << listenError;
  std::string n = std::to_string(portOf(first->getHost()));
  auto second = listen("tcp:" + n + ":interface=127.0.0.1:reusePort=1");
  ASSERT_TRUE(second) << listenError;
  EXPECT_EQ(portOf(second->getHost()), portOf(first->getHost()));
  EXPECT_FALSE(listen("tcp:" + n + ":interface=127.0.0.1"));
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(roundTrip("tcp:127.0.0.1:" + n), "hello");
  // Stopping one leaves the other serving.
  bool stopped = false;
  first->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(roundTrip("tcp:127.0.0.1:" + n), "hello");
}

TEST_P(FromStringEndpointTest, TCP6ReusePort) {
  auto port = listen("tcp6:0:interface=\\:\\:1:reusePort=1");
  if (!port && listenError.find("Cannot assign") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback: " << listenError;
  ASSERT_TRUE(port) << listenError;
  std::string n = std::to_string(portOf(port->getHost()));
  EXPECT_TRUE(listen("tcp6:" + n + ":interface=\\:\\:1:reusePort=1")) << listenError;
}

TEST_P(FromStringEndpointTest, TCPReusePortErrors) {
  EXPECT_FALSE(listen("tcp:0:interface=not-an-address!:reusePort=1"));
  EXPECT_FALSE(listenError.empty());
  EXPECT_THROW(ep::serverFromString(*r, "tcp:0:reusePort=2"), ep::EndpointParseError);
  EXPECT_THROW(ep::serverFromString(*r, "tcp:0:reusePort=yes"), ep::EndpointParseError);
}

TEST_P(FromStringEndpointTest, TCPInterfaceByName) {
  // Resolved when listening, to its IPv4 address (as Twisted's bind does).
  auto port = listen("tcp:0:interface=localhost");
  ASSERT_TRUE(port) << listenError;
  EXPECT_EQ(std::get<IPv4Address>(port->getHost()).host, "127.0.0.1");
  // A name that does not resolve fails listen(), not the parse.
  EXPECT_FALSE(listen("tcp:0:interface=no-such-host.invalid"));
  EXPECT_NE(listenError.find("no-such-host.invalid"), std::string::npos) << listenError;
}

TEST_P(FromStringEndpointTest, TCP6) {
  auto port = listen("tcp6:0:interface=\\:\\:1");
  if (!port) GTEST_SKIP() << "no IPv6 loopback: " << listenError;
  EXPECT_TRUE(std::holds_alternative<IPv6Address>(port->getHost()));
}

TEST_P(FromStringEndpointTest, UNIX) {
  std::string path = tempDir() + "/echo:sock";
  auto port = listen("unix:" + ep::quoteStringArgument(path) + ":mode=600");
  ASSERT_TRUE(port) << listenError;
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(roundTrip("unix:" + ep::quoteStringArgument(path) + ":timeout=5"), "hello");
}

TEST_P(FromStringEndpointTest, SSLServerAndTLSClient) {
  std::string dir = tempDir();
  test_pki::CA ca;
  test_pki::Issued leaf = ca.issue();  // for "localhost" and 127.0.0.1
  test_pki::writeFile(dir + "/both.pem", leaf.bothPEM());
  test_pki::writeFile(dir + "/ca.pem", ca.root.certPEM);
  auto port = listen("ssl:0:privateKey=" + ep::quoteStringArgument(dir + "/both.pem") +
                     ":interface=127.0.0.1");
  ASSERT_TRUE(port) << listenError;
  std::string n = std::to_string(portOf(port->getHost()));
  std::string trust = ":trustRoots=" + ep::quoteStringArgument(dir + "/ca.pem");
  // (An IP literal: resolving a name needs the reactor's thread pool, which
  // the spinning here does not start.)
  EXPECT_EQ(roundTrip("tls:127.0.0.1:" + n + trust), "hello");
  // Over an explicit inner endpoint: HOST only names the certificate.
  EXPECT_EQ(roundTrip("tls:localhost:" + n + trust +
                      ":endpoint=" + ep::quoteStringArgument("tcp:127.0.0.1:" + n)),
            "hello");
  // Files are read by serverFromString (Twisted's _parseSSL does too).
  EXPECT_THROW(ep::serverFromString(*r, "ssl:0:privateKey=" + dir + "/nope.pem"),
               ssl::CertificateError);
  EXPECT_THROW(ep::clientFromString(*r, "tls:localhost:1:trustRoots=" + dir + "/nope"),
               ssl::CertificateError);
}

TEST_P(FromStringEndpointTest, SystemdWithoutInheritedSockets) {
  // The test runner passes none (the real inheritance: tests/apps/twist
  // twist.systemd).
  try {
    ep::serverFromString(*r, "systemd:domain=INET:index=0");
    ADD_FAILURE() << "no error";
  } catch (const ep::EndpointParseError& e) {
    EXPECT_EQ(e.reason(),
              "no sockets were inherited (LISTEN_FDS and LISTEN_PID do not name this process)");
    EXPECT_EQ(e.position(), 20u);
  }
}

TEST_P(FromStringEndpointTest, Stdio) {
  EXPECT_TRUE(ep::serverFromString(*r, "stdio:"));
}

TEST_P(FromStringEndpointTest, RegisteredTypesGetTheReactorAndArguments) {
  ReactorBase* seen = nullptr;
  std::vector<std::string> args;
  std::map<std::string, std::string> kwargs;
  // "loop:PORT" is a TCP server on 127.0.0.1; "loopc:PORT" its client.
  ep::registerServerParser("loop", [&](ReactorBase& reactor, const auto& a, const auto& k) {
    seen = &reactor;
    args = a;
    kwargs = k;
    return ep::serverFromString(reactor, "tcp:" + a.at(0) + ":interface=127.0.0.1");
  });
  ep::registerClientParser("loopc", [](ReactorBase& reactor, const auto& a, const auto&) {
    return ep::clientFromString(reactor, "tcp:127.0.0.1:" + a.at(0));
  });
  auto port = listen("LOOP:0:x=y\\:z");
  ep::unregisterServerParser("loop");
  ASSERT_TRUE(port) << listenError;
  EXPECT_EQ(seen, r.get());
  EXPECT_EQ(args, std::vector<std::string>{"0"});
  EXPECT_EQ(kwargs, (std::map<std::string, std::string>{{"x", "y:z"}}));
  EXPECT_EQ(roundTrip("loopc:" + std::to_string(portOf(port->getHost()))), "hello");
  ep::unregisterClientParser("loopc");
  // A parser that returns nothing is a bug, reported.
  ep::registerServerParser("null", [](ReactorBase&, const auto&, const auto&) {
    return std::shared_ptr<IStreamServerEndpoint>();
  });
  EXPECT_THROW(ep::serverFromString(*r, "null:"), std::logic_error);
  ep::unregisterServerParser("null");
}

TWISTED_INSTANTIATE_BACKENDS(FromStringEndpointTest);

}  // namespace
