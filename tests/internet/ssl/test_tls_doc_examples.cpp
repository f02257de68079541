// The code snippets of docs/tls.md, verbatim, so the guide cannot drift
// from what compiles. They run on an independent reactor (makeReactor) over
// 127.0.0.1 with certificates from test_pki written to a temporary
// directory, and in memory (iosim) for TLSMemoryBIOProtocol.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/internet/client_creator.h>
#include <twisted/internet/error.h>
#include <twisted/internet/tls.h>
#include <twisted/protocols/basic/line_receiver.h>
#include <twisted/testing/iosim.h>

#include "internet/ssl/test_pki.h"

// docs/tls.md, top.
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
using namespace twisted::internet;

namespace doc_examples {

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

// reactor.listenSSL(port, factory, ssl.DefaultOpenSSLContextFactory(key, cert))
std::shared_ptr<IListeningPort> listenEcho(ReactorBase& reactor, int port,
                                           const std::string& keyFile,
                                           const std::string& certFile) {
  return reactor.listenSSL(port, Factory::forProtocol<Echo>(),
                           ssl::DefaultOpenSSLContextFactory(keyFile, certFile), 50, "127.0.0.1");
}

// --- "A client" ----------------------------------------------------------------------

struct Outcome {
  std::string version, peer, reply, error;
  bool lost = false, clean = false;
};

class Greeter : public Protocol, public IHandshakeListener {
 public:
  explicit Greeter(std::shared_ptr<Outcome> out) : out_(std::move(out)) {}
  void connectionMade() override { transport->write("hello\n"); }  // queued until verified
  void handshakeCompleted() override {
    auto* tls = dynamic_cast<ISSLTransport*>(transport);
    out_->version = tls->tlsVersion();  // "TLSv1.3"
    out_->peer = tls->getPeerCertificate()->getSubject().commonName;
  }
  void dataReceived(std::string_view data) override {
    out_->reply += data;
    if (out_->reply == "hello\n") transport->loseConnection();  // close_notify, then close
  }
  void connectionLost(const twisted::python::Failure& reason) override {
    out_->lost = true;
    out_->clean = reason.check<error::ConnectionDone>();
    if (reason.check<ssl::TLSError>()) out_->error = reason.getErrorMessage();
  }

 private:
  std::shared_ptr<Outcome> out_;
};

void greet(ReactorBase& reactor, int port, const std::string& caFile, std::string hostname,
           std::shared_ptr<Outcome> out) {
  // ssl.optionsForClientTLS(hostname, trustRoot=ca): SNI, and the server's
  // certificate must chain to caFile and carry `hostname`.
  ssl::CertificateOptions options =
      ssl::optionsForClientTLS(std::move(hostname), ssl::TrustRoot::fromPath(caFile));
  ClientCreator<Greeter>(reactor, std::move(out)).connectSSL("127.0.0.1", port, options);
}

// --- "Verification" ------------------------------------------------------------------

ssl::CertificateOptions trustAnything() {
  ssl::CertificateOptions::Args args;
  args.insecurelySkipVerification = true;  // tests only: anyone can be this server
  return ssl::CertificateOptions(std::move(args));
}

// --- "Client certificates" -----------------------------------------------------------

ssl::CertificateOptions requireClientCertificates(const std::string& serverPEM,
                                                  const std::string& clientCAFile) {
  ssl::CertificateOptions::Args args;
  args.certificate = ssl::PrivateCertificate::loadPEM(serverPEM);  // certificate + key
  args.trustRoot = ssl::TrustRoot::fromPath(clientCAFile);         // ask, verify against this
  args.requireCertificate = true;  // and refuse a client without one
  return ssl::CertificateOptions(std::move(args));
}

ssl::CertificateOptions clientWithCertificate(const std::string& caFile,
                                              const std::string& clientPEM) {
  return ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(caFile),
                                  ssl::PrivateCertificate::loadPEM(clientPEM));
}

// --- "ALPN" ----------------------------------------------------------------------------

ssl::CertificateOptions alpnServer(const std::string& serverPEM) {
  ssl::CertificateOptions::Args args;
  args.certificate = ssl::PrivateCertificate::loadPEM(serverPEM);
  args.acceptableProtocols = {"h2", "http/1.1"};  // our preference first
  return ssl::CertificateOptions(std::move(args));
}
// A client: optionsForClientTLS("localhost", ca, std::nullopt, {"http/1.1"});
// after the handshake, transport->negotiatedProtocol() == "http/1.1".

// --- "SNI" ----------------------------------------------------------------------------

ssl::CertificateOptions byServerName(const std::string& defaultPEM, const std::string& apiPEM) {
  ssl::CertificateOptions::Args api;
  api.certificate = ssl::PrivateCertificate::loadPEM(apiPEM);
  ssl::CertificateOptions::Args fallback;
  fallback.certificate = ssl::PrivateCertificate::loadPEM(defaultPEM);
  return ssl::CertificateOptions::withServerNames(
      std::move(fallback), {{"api.example.test", ssl::CertificateOptions(std::move(api))}});
}

// --- "Sessions" -----------------------------------------------------------------------

ssl::CertificateOptions resumingServer(const std::string& serverPEM) {
  ssl::CertificateOptions::Args args;
  args.certificate = ssl::PrivateCertificate::loadPEM(serverPEM);
  args.enableSessions = true;  // issue TLS 1.3 tickets, keep 1.2 session ids
  return ssl::CertificateOptions(std::move(args));
}

ssl::CertificateOptions resumingClient(const std::string& caFile) {
  ssl::CertificateOptions::Args args =
      ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(caFile)).args();
  args.enableSessions = true;  // remember the session for "localhost" in these options
  return ssl::CertificateOptions(std::move(args));
}
// Keep one resumingClient(...) object for every connection to the server:
// from the second one on, transport->sessionReused() is true.

// --- "startTLS" -----------------------------------------------------------------------

namespace basic = twisted::protocols::basic;

// The server: plaintext until the client says STARTTLS.
class StartTLSServer : public basic::LineReceiver {
 public:
  explicit StartTLSServer(ssl::CertificateOptions options) : options_(std::move(options)) {}
  void lineReceived(std::string_view line) override {
    if (line == "STARTTLS") {
      sendLine("GO");  // written before startTLS: goes out in plaintext
      dynamic_cast<ITLSTransport*>(transport)->startTLS(options_);
    } else {
      sendLine(line);  // an echo, encrypted once TLS started
    }
  }

 private:
  ssl::CertificateOptions options_;
};

// The client: asks, and starts TLS on the answer.
class StartTLSClient : public basic::LineReceiver, public IHandshakeListener {
 public:
  explicit StartTLSClient(ssl::CertificateOptions options) : options_(std::move(options)) {}
  void connectionMade() override { sendLine("STARTTLS"); }
  void lineReceived(std::string_view line) override {
    if (line == "GO") {
      dynamic_cast<ITLSTransport*>(transport)->startTLS(options_);
      sendLine("secret");  // written after startTLS: encrypted
    } else {
      echoed = line;
      transport->loseConnection();
    }
  }
  void handshakeCompleted() override { verified = true; }

  std::string echoed;
  bool verified = false;

 private:
  ssl::CertificateOptions options_;
};

// --- "TLS over any transport" ---------------------------------------------------------

namespace iosim = twisted::testing::iosim;

std::string echoInMemory(const ssl::CertificateOptions& server,
                         const ssl::CertificateOptions& client) {
  struct Say : Protocol {
    void connectionMade() override { transport->write("ping"); }
    void dataReceived(std::string_view d) override { heard += d; }
    std::string heard;
  };
  auto c = iosim::connectedServerAndClient(
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(server, false, std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(client, true, std::make_unique<Say>());
      });
  c.pump.flush();                                              // the handshake, "ping" and its echo
  return static_cast<Say&>(*c.client->wrappedProtocol).heard;  // "ping"
}

}  // namespace doc_examples

namespace {

using namespace doc_examples;

class TLSDocExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    r = makeReactor();
    char tmpl[] = "/tmp/tls-doc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    server = ca.issue();
    test_pki::writeFile(dir + "/ca.pem", ca.root.certPEM);
    test_pki::writeFile(dir + "/server.key", server.keyPEM);
    test_pki::writeFile(dir + "/server.pem", server.certPEM);
  }
  void TearDown() override {
    r.reset();
    std::filesystem::remove_all(dir);
  }
  template <class Done>
  void spinUntil(Done done) {
    double deadline = r->seconds() + 20;
    while (!done() && r->seconds() < deadline)
      r->iterate(0.01);
    ASSERT_TRUE(done()) << "not done after the safety bound";
  }
  std::unique_ptr<ReactorBase> r;
  test_pki::CA ca;
  test_pki::Issued server;
  std::string dir;
};

TEST_F(TLSDocExamples, ServerAndClient) {
  auto port = listenEcho(*r, 0, dir + "/server.key", dir + "/server.pem");
  auto out = std::make_shared<Outcome>();
  greet(*r, portOf(port->getHost()), dir + "/ca.pem", "localhost", out);
  spinUntil([&] { return out->lost; });
  EXPECT_EQ(out->version, "TLSv1.3");
  EXPECT_EQ(out->peer, "localhost");
  EXPECT_EQ(out->reply, "hello\n");
  EXPECT_TRUE(out->clean);
  EXPECT_EQ(out->error, "");
}

TEST_F(TLSDocExamples, WrongNameIsATLSError) {
  auto port = listenEcho(*r, 0, dir + "/server.key", dir + "/server.pem");
  auto out = std::make_shared<Outcome>();
  greet(*r, portOf(port->getHost()), dir + "/ca.pem", "example.com", out);
  spinUntil([&] { return out->lost; });
  EXPECT_EQ(out->reply, "");
  EXPECT_NE(out->error.find("certificate verify failed: hostname mismatch"), std::string::npos)
      << out->error;
}

TEST_F(TLSDocExamples, InsecureClientAcceptsAnyServer) {
  test_pki::Issued stranger = test_pki::selfSigned({});
  auto c = iosim::connectedServerAndClient(
      [&] {
        ssl::CertificateOptions::Args a;
        a.certificate = ssl::PrivateCertificate::loadPEM(stranger.bothPEM());
        return std::make_unique<tls::TLSMemoryBIOProtocol>(ssl::CertificateOptions(std::move(a)),
                                                           false, std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(trustAnything(), true,
                                                           std::make_unique<Protocol>());
      });
  c.pump.flush();
  EXPECT_TRUE(c.client->handshakeDone());
}

TEST_F(TLSDocExamples, ClientCertificates) {
  test_pki::Issued client = ca.issue({.commonName = "alice", .dnsNames = {}, .ipAddresses = {}});
  ssl::CertificateOptions serverOptions =
      requireClientCertificates(server.bothPEM(), dir + "/ca.pem");
  // With a certificate: served, and the server sees who it is.
  auto with = iosim::connectedServerAndClient(
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions, false,
                                                           std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(
            clientWithCertificate(dir + "/ca.pem", client.bothPEM()), true,
            std::make_unique<Protocol>());
      });
  with.pump.flush();
  ASSERT_TRUE(with.server->handshakeDone());
  EXPECT_EQ(with.server->getPeerCertificate()->getSubject().commonName, "alice");
  // Without: the server refuses.
  auto without = iosim::connectedServerAndClient(
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions, false,
                                                           std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(
            ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(dir + "/ca.pem")), true,
            std::make_unique<Protocol>());
      });
  without.pump.flush();
  EXPECT_FALSE(without.server->handshakeDone());
}

TEST_F(TLSDocExamples, ALPNAndSNI) {
  auto alpn = iosim::connectedServerAndClient(
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(alpnServer(server.bothPEM()), false,
                                                           std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(
            ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(dir + "/ca.pem"),
                                     std::nullopt, {"http/1.1"}),
            true, std::make_unique<Protocol>());
      });
  alpn.pump.flush();
  EXPECT_EQ(alpn.client->negotiatedProtocol(), "http/1.1");

  test_pki::Issued api =
      ca.issue({.commonName = "api", .dnsNames = {"api.example.test"}, .ipAddresses = {}});
  ssl::CertificateOptions sni = byServerName(server.bothPEM(), api.bothPEM());
  auto c = iosim::connectedServerAndClient(
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(sni, false, std::make_unique<Echo>());
      },
      [&] {
        return std::make_unique<tls::TLSMemoryBIOProtocol>(
            ssl::optionsForClientTLS("api.example.test", ssl::TrustRoot::fromPath(dir + "/ca.pem")),
            true, std::make_unique<Protocol>());
      });
  c.pump.flush();
  ASSERT_TRUE(c.client->handshakeDone());
  EXPECT_EQ(c.client->getPeerCertificate()->getSubject().commonName, "api");
  EXPECT_EQ(c.server->serverName(), "api.example.test");
}

TEST_F(TLSDocExamples, Sessions) {
  for (auto version : {ssl::TLSVersion::TLSv1_3, ssl::TLSVersion::TLSv1_2}) {
    ssl::CertificateOptions::Args serverArgs = resumingServer(server.bothPEM()).args();
    serverArgs.maximumVersion = version;
    ssl::CertificateOptions serverOptions(std::move(serverArgs));
    ssl::CertificateOptions client = resumingClient(dir + "/ca.pem");
    std::vector<bool> reused;
    for (int i = 0; i < 3; ++i) {
      auto c = iosim::connectedServerAndClient(
          [&] {
            return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions, false,
                                                               std::make_unique<Echo>());
          },
          [&] {
            return std::make_unique<tls::TLSMemoryBIOProtocol>(client, true,
                                                               std::make_unique<Protocol>());
          });
      c.pump.flush();
      ASSERT_TRUE(c.client->handshakeDone());
      reused.push_back(c.client->sessionReused());
      EXPECT_EQ(c.server->sessionReused(), reused.back());
      c.client->loseConnection();
      c.pump.flush();
    }
    EXPECT_EQ(reused, (std::vector<bool>{false, true, true})) << static_cast<int>(version);
  }
  // Off by default: never resumed.
  ssl::CertificateOptions::Args plain;
  plain.certificate = ssl::PrivateCertificate::loadPEM(server.bothPEM());
  ssl::CertificateOptions serverOptions(std::move(plain));
  ssl::CertificateOptions client =
      ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(dir + "/ca.pem"));
  for (int i = 0; i < 2; ++i) {
    auto c = iosim::connectedServerAndClient(
        [&] {
          return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions, false,
                                                             std::make_unique<Echo>());
        },
        [&] {
          return std::make_unique<tls::TLSMemoryBIOProtocol>(client, true,
                                                             std::make_unique<Protocol>());
        });
    c.pump.flush();
    ASSERT_TRUE(c.client->handshakeDone());
    EXPECT_FALSE(c.client->sessionReused());
  }
}

TEST_F(TLSDocExamples, StartTLS) {
  ssl::CertificateOptions serverOptions =
      ssl::DefaultOpenSSLContextFactory(dir + "/server.key", dir + "/server.pem");
  auto port = r->listenTCP(0, Factory::forProtocol<StartTLSServer>(serverOptions), 50, "127.0.0.1");
  // The client protocol, reporting what it saw before it is destroyed.
  struct Seen {
    std::string echoed;
    bool verified = false, lost = false, clean = false;
  };
  auto seen = std::make_shared<Seen>();
  struct Watch : StartTLSClient {
    Watch(ssl::CertificateOptions o, std::shared_ptr<Seen> seen)
        : StartTLSClient(std::move(o)), seen_(std::move(seen)) {}
    void connectionLost(const twisted::python::Failure& reason) override {
      seen_->echoed = echoed;
      seen_->verified = verified;
      seen_->clean = reason.check<error::ConnectionDone>();
      seen_->lost = true;
    }
    std::shared_ptr<Seen> seen_;
  };
  ClientCreator<Watch>(
      *r, ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(dir + "/ca.pem")), seen)
      .connectTCP("127.0.0.1", portOf(port->getHost()));
  spinUntil([&] { return seen->lost; });
  std::string echoed = seen->echoed;
  bool verified = seen->verified;
  EXPECT_TRUE(seen->clean);
  EXPECT_EQ(echoed, "secret");
  EXPECT_TRUE(verified);
}

TEST_F(TLSDocExamples, InMemory) {
  ssl::CertificateOptions::Args a;
  a.certificate = ssl::PrivateCertificate::loadPEM(server.bothPEM());
  EXPECT_EQ(echoInMemory(
                ssl::CertificateOptions(std::move(a)),
                ssl::optionsForClientTLS("localhost", ssl::TrustRoot::fromPath(dir + "/ca.pem"))),
            "ping");
}

}  // namespace
