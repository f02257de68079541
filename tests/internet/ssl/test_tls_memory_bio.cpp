// TLSMemoryBIOProtocol without sockets: a client and a server over iosim,
// pumped in whole chunks or one byte at a time. Handshake, queued writes,
// ALPN, SNI, versions, certificate verification, client certificates,
// resumption, the ways a connection ends, big and tiny writes, garbage,
// producers. Mirrors twisted/protocols/test/test_tls.py and the connection
// tests of twisted/test/test_sslverify.py.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>
#include <twisted/testing/iosim.h>

#include "internet/ssl/test_pki.h"
#include "internet/ssl/tls_pair.h"

namespace {

using namespace twisted::internet;
using tls_pair::Pair;
using tls_pair::Peer;
using twisted::python::Failure;
namespace iosim = twisted::testing::iosim;

class TLSMemoryBIOTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca = new test_pki::CA("memory BIO test CA");
    server = new test_pki::Issued(ca->issue());
    test_pki::Spec c;
    c.commonName = "client";
    c.dnsNames = {"client.example"};
    c.ipAddresses.clear();
    clientCert = new test_pki::Issued(ca->issue(c));
  }
  static void TearDownTestSuite() {
    delete clientCert;
    delete server;
    delete ca;
  }

  static ssl::CertificateOptions::Args serverArgs(const test_pki::Issued& issued = *server) {
    ssl::CertificateOptions::Args a;
    a.certificate = ssl::PrivateCertificate::loadPEM(issued.bothPEM());
    return a;
  }
  static ssl::CertificateOptions serverOptions(const test_pki::Issued& issued = *server) {
    return ssl::CertificateOptions(serverArgs(issued));
  }
  static ssl::TrustRoot caRoot() {
    return ssl::trustRootFromCertificates({ssl::Certificate::loadPEM(ca->root.certPEM)});
  }
  static ssl::CertificateOptions::Args clientArgs(const std::string& host = "localhost") {
    ssl::CertificateOptions::Args a;
    a.hostname = host;
    a.trustRoot = caRoot();
    return a;
  }
  static ssl::CertificateOptions clientOptions(const std::string& host = "localhost") {
    return ssl::optionsForClientTLS(host, caRoot());
  }

  static test_pki::CA* ca;
  static test_pki::Issued* server;
  static test_pki::Issued* clientCert;
};
test_pki::CA* TLSMemoryBIOTest::ca = nullptr;
test_pki::Issued* TLSMemoryBIOTest::server = nullptr;
test_pki::Issued* TLSMemoryBIOTest::clientCert = nullptr;

void echo(Peer& p) {
  p.onData = [](Peer& self, std::string_view d) { self.transport->write(d); };
}

// The client writes `message`, the server echoes, the client closes once
// it has it all.
void echoSetup(Pair& p, const std::string& message) {
  echo(*p.server);
  p.client->onMade = [message](Peer& c) { c.transport->write(message); };
  p.client->onData = [n = message.size()](Peer& c, std::string_view) {
    if (c.received.size() >= n) c.transport->loseConnection();
  };
}

// Both sides completed the handshake once and closed cleanly.
void expectCleanEcho(const Pair& p, const std::string& message) {
  EXPECT_EQ(p.client->made, 1);
  EXPECT_EQ(p.server->made, 1);
  EXPECT_EQ(p.client->handshakes, 1);
  EXPECT_EQ(p.server->handshakes, 1);
  EXPECT_EQ(p.server->received, message);
  EXPECT_EQ(p.client->received, message);
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

// The handshake failed on both sides with TLS errors; returns nothing, the
// caller checks the messages.
void expectBothFailed(const Pair& p) {
  EXPECT_EQ(p.server->handshakes, 0);
  EXPECT_TRUE(p.client->lostWith<ssl::TLSError>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<ssl::TLSError>()) << p.server->why();
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_TRUE(p.client->received.empty());
  EXPECT_TRUE(p.server->received.empty());
}

// --- handshake and data ------------------------------------------------------

TEST_F(TLSMemoryBIOTest, HandshakeAndEchoOneByteAtATime) {
  Pair p(serverOptions(), clientOptions());
  echoSetup(p, "hello, TLS, one byte at a time");
  p.connect();
  EXPECT_EQ(p.client->made, 1);
  EXPECT_FALSE(p.clientTLS().handshakeDone());
  p.flushBytewise();
  expectCleanEcho(p, "hello, TLS, one byte at a time");
  EXPECT_EQ(p.client->version, "TLSv1.3");
  ASSERT_TRUE(p.client->peerCertificate);
  EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, "localhost");
  // The server asked for no certificate.
  EXPECT_FALSE(p.server->peerCertificate);
}

TEST_F(TLSMemoryBIOTest, HandshakeAndEchoInBigChunks) {
  Pair p(serverOptions(), clientOptions());
  echoSetup(p, "hello, TLS");
  p.connect();
  // The first round carries the whole ClientHello, the second the server's
  // whole flight.
  p.flush();
  expectCleanEcho(p, "hello, TLS");
}

TEST_F(TLSMemoryBIOTest, NothingIsKnownBeforeTheHandshake) {
  Pair p(serverOptions(), clientOptions());
  p.connect();
  EXPECT_FALSE(p.clientTLS().handshakeDone());
  EXPECT_FALSE(p.clientTLS().getPeerCertificate());
  EXPECT_FALSE(p.clientTLS().negotiatedProtocol());
  EXPECT_EQ(p.clientTLS().tlsVersion(), "");
  EXPECT_FALSE(p.clientTLS().sessionReused());
  p.flush();
  EXPECT_TRUE(p.clientTLS().handshakeDone());
  EXPECT_TRUE(p.serverTLS().handshakeDone());
  EXPECT_EQ(p.serverTLS().tlsVersion(), "TLSv1.3");
}

TEST_F(TLSMemoryBIOTest, WritesBeforeTheHandshakeAreQueuedInOrder) {
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [](Peer& c) {
    c.transport->write("one ");
    std::vector<std::string_view> parts{"two ", "three "};
    c.transport->writeSequence(parts);
    c.transport->write("");
    c.transport->write("four");
  };
  // The server writes before its handshake is done too.
  p.server->onMade = [](Peer& s) { s.transport->write("from the server"); };
  p.connect();
  // Nothing but the ClientHello went out: no application data in clear.
  std::string hello = p.clientIO().stream;
  EXPECT_EQ(hello.find("one"), std::string::npos);
  EXPECT_EQ(p.serverIO().stream.find("from the server"), std::string::npos);
  p.flush();
  EXPECT_EQ(p.server->received, "one two three four");
  EXPECT_EQ(p.client->received, "from the server");
}

TEST_F(TLSMemoryBIOTest, HandshakeCompletedIsCalledOnce) {
  Pair p(serverOptions(), clientOptions());
  echo(*p.server);
  p.client->onHandshake = [](Peer& c) { c.transport->write("ping"); };
  int rounds = 0;
  p.client->onData = [&rounds](Peer& c, std::string_view) {
    if (++rounds < 5)
      c.transport->write("ping");
    else
      c.transport->loseConnection();
  };
  p.connect();
  p.flush();
  EXPECT_EQ(rounds, 5);
  EXPECT_EQ(p.client->handshakes, 1);
  EXPECT_EQ(p.server->handshakes, 1);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
}

TEST_F(TLSMemoryBIOTest, TinyAndHugeWritesArriveIntactAndInOrder) {
  // 16 MiB of a pattern that shows reordering or loss, between 1-byte writes.
  std::string big(16 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>((i * 7 + i / 4099) % 251);
  std::string expected;
  Pair p(serverOptions(), clientOptions());
  echo(*p.server);
  p.client->onHandshake = [&](Peer& c) {
    for (char ch : std::string("abc")) {
      c.transport->write(std::string_view(&ch, 1));
      expected += ch;
    }
    c.transport->write(big);
    expected += big;
    c.transport->write("z");
    expected += "z";
  };
  p.client->onData = [&](Peer& c, std::string_view) {
    if (c.received.size() >= expected.size()) c.transport->loseConnection();
  };
  p.connect();
  p.flush();
  ASSERT_EQ(p.server->received.size(), expected.size());
  EXPECT_TRUE(p.server->received == expected);
  ASSERT_EQ(p.client->received.size(), expected.size());
  EXPECT_TRUE(p.client->received == expected);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

TEST_F(TLSMemoryBIOTest, ManyOneByteWritesOneByteAtATime) {
  Pair p(serverOptions(), clientOptions());
  std::string sent;
  p.client->onHandshake = [&](Peer& c) {
    for (int i = 0; i < 300; ++i) {
      char ch = static_cast<char>('a' + i % 26);
      c.transport->write(std::string_view(&ch, 1));
      sent += ch;
    }
    c.transport->loseConnection();
  };
  p.connect();
  p.flushBytewise();
  EXPECT_EQ(p.server->received, sent);
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
}

TEST_F(TLSMemoryBIOTest, TheFactoryWrapsEveryProtocol) {
  class Echo : public Protocol {
   public:
    void dataReceived(std::string_view d) override { transport->write(d); }
  };
  auto rec = std::make_shared<Peer*>(nullptr);
  class Client : public Peer {};
  auto serverFactory = std::make_shared<tls::TLSMemoryBIOFactory>(serverOptions(), false,
                                                                  Factory::forProtocol<Echo>());
  auto clientFactory = std::make_shared<tls::TLSMemoryBIOFactory>(clientOptions(), true,
                                                                  Factory::forProtocol<Client>());
  EXPECT_FALSE(serverFactory->isClient());
  EXPECT_TRUE(clientFactory->isClient());
  iosim::ConnectOptions o;
  o.greet = false;
  auto io = iosim::connectedServerAndClient(serverFactory, clientFactory, o);
  auto* tlsClient = dynamic_cast<tls::TLSMemoryBIOProtocol*>(io.client.get());
  ASSERT_NE(tlsClient, nullptr);
  ASSERT_NE(dynamic_cast<tls::TLSMemoryBIOProtocol*>(io.server.get()), nullptr);
  EXPECT_NE(tlsClient->logPrefix().find("(TLS)"), std::string::npos) << tlsClient->logPrefix();
  auto* peer = dynamic_cast<Peer*>(tlsClient->wrappedProtocol.get());
  ASSERT_NE(peer, nullptr);
  peer->transport->write("via factories");
  io.pump.flush();
  EXPECT_EQ(peer->handshakes, 1);
  EXPECT_EQ(peer->received, "via factories");
  peer->transport->loseConnection();
  io.pump.flush();
  EXPECT_TRUE(peer->lostWith<error::ConnectionDone>()) << peer->why();
}

// --- ALPN --------------------------------------------------------------------

TEST_F(TLSMemoryBIOTest, ALPNTheServerPreferenceWins) {
  auto s = serverArgs();
  s.acceptableProtocols = {"h2", "http/1.1"};
  Pair p(ssl::CertificateOptions(s),
         ssl::optionsForClientTLS("localhost", caRoot(), std::nullopt, {"http/1.1", "h2"}));
  p.connect();
  p.flush();
  EXPECT_EQ(p.client->alpn, "h2");
  EXPECT_EQ(p.server->alpn, "h2");
  EXPECT_EQ(p.clientTLS().negotiatedProtocol(), "h2");
}

TEST_F(TLSMemoryBIOTest, ALPNTheOnlyCommonProtocol) {
  auto s = serverArgs();
  s.acceptableProtocols = {"h2", "http/1.1"};
  Pair p(ssl::CertificateOptions(s),
         ssl::optionsForClientTLS("localhost", caRoot(), std::nullopt, {"spdy/3", "http/1.1"}));
  p.connect();
  p.flush();
  EXPECT_EQ(p.client->alpn, "http/1.1");
  EXPECT_EQ(p.server->alpn, "http/1.1");
}

TEST_F(TLSMemoryBIOTest, ALPNDisjointListsFailBothSides) {
  auto s = serverArgs();
  s.acceptableProtocols = {"h2"};
  Pair p(ssl::CertificateOptions(s),
         ssl::optionsForClientTLS("localhost", caRoot(), std::nullopt, {"http/1.1"}));
  p.connect();
  p.flush();
  expectBothFailed(p);
  EXPECT_EQ(p.client->handshakes, 0);
  EXPECT_TRUE(p.client->tlsErrorMentions("no application protocol")) << p.client->why();
  EXPECT_TRUE(p.server->tlsErrorMentions("no application protocol")) << p.server->why();
}

TEST_F(TLSMemoryBIOTest, ALPNOnOneSideOnlyNegotiatesNothing) {
  auto s = serverArgs();
  s.acceptableProtocols = {"h2"};
  {
    Pair p(ssl::CertificateOptions(s), clientOptions());
    p.connect();
    p.flush();
    EXPECT_EQ(p.client->handshakes, 1);
    EXPECT_EQ(p.client->alpn, std::nullopt);
    EXPECT_EQ(p.server->alpn, std::nullopt);
  }
  {
    Pair p(serverOptions(), ssl::optionsForClientTLS("localhost", caRoot(), std::nullopt, {"h2"}));
    p.connect();
    p.flush();
    EXPECT_EQ(p.client->handshakes, 1);
    EXPECT_EQ(p.client->alpn, std::nullopt);
    EXPECT_EQ(p.server->alpn, std::nullopt);
  }
}

// --- SNI ---------------------------------------------------------------------

class SNITest : public TLSMemoryBIOTest {
 protected:
  static test_pki::Issued named(const std::string& name) {
    test_pki::Spec spec;
    spec.commonName = name;
    spec.dnsNames = {name};
    spec.ipAddresses.clear();
    return ca->issue(spec);
  }
};

TEST_F(SNITest, WithServerNamesPicksTheCertificate) {
  auto a = named("a.example");
  auto b = named("b.example");
  auto options = ssl::CertificateOptions::withServerNames(
      serverArgs(), {{"a.example", serverOptions(a)}, {"B.Example", serverOptions(b)}});
  for (const std::string host : {"a.example", "b.example", "B.EXAMPLE"}) {
    Pair p(options, clientOptions(host));
    p.connect();
    p.flush();
    ASSERT_EQ(p.client->handshakes, 1) << host << ": " << p.client->why();
    ASSERT_TRUE(p.client->peerCertificate);
    std::string expected = host == "a.example" ? "a.example" : "b.example";
    EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, expected);
    EXPECT_EQ(p.server->sni, host);
    EXPECT_EQ(p.serverTLS().serverName(), host);
  }
  // An unknown name, and no name: the default certificate.
  {
    auto c = clientArgs("c.example");
    c.insecurelySkipVerification = true;
    Pair p(options, ssl::CertificateOptions(c));
    p.connect();
    p.flush();
    ASSERT_TRUE(p.client->peerCertificate) << p.client->why();
    EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, "localhost");
    EXPECT_EQ(p.server->sni, "c.example");
  }
  {
    // An IP address is never sent as SNI.
    Pair p(options, clientOptions("127.0.0.1"));
    p.connect();
    p.flush();
    ASSERT_TRUE(p.client->peerCertificate) << p.client->why();
    EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, "localhost");
    EXPECT_EQ(p.server->sni, std::nullopt);
  }
}

TEST_F(SNITest, ServerNameCallbackPicksTheCertificate) {
  auto b = named("b.example");
  auto bOptions = serverOptions(b);
  std::vector<std::string> asked;
  auto s = serverArgs();
  s.serverNameCallback = [&](std::string_view name) -> std::optional<ssl::CertificateOptions> {
    asked.emplace_back(name);
    if (name == "b.example") return bOptions;
    return std::nullopt;
  };
  ssl::CertificateOptions options(s);
  {
    Pair p(options, clientOptions("b.example"));
    p.connect();
    p.flush();
    ASSERT_TRUE(p.client->peerCertificate) << p.client->why();
    EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, "b.example");
    EXPECT_EQ(p.server->sni, "b.example");
  }
  {
    Pair p(options, clientOptions("localhost"));
    p.connect();
    p.flush();
    ASSERT_TRUE(p.client->peerCertificate) << p.client->why();
    EXPECT_EQ(p.client->peerCertificate->getSubject().commonName, "localhost");
    EXPECT_EQ(p.server->sni, "localhost");
  }
  EXPECT_EQ(asked, (std::vector<std::string>{"b.example", "localhost"}));
}

TEST_F(SNITest, ServerNameCallbackThatThrowsFailsTheHandshake) {
  auto s = serverArgs();
  s.serverNameCallback = [](std::string_view) -> std::optional<ssl::CertificateOptions> {
    throw std::runtime_error("no such name here");
  };
  Pair p(ssl::CertificateOptions(s), clientOptions());
  p.connect();
  p.flush();
  expectBothFailed(p);
}

TEST_F(SNITest, SNIOptionsAskForClientCertificates) {
  // The options chosen by name bring their own verification settings.
  auto b = named("b.example");
  auto bArgs = serverArgs(b);
  bArgs.trustRoot = caRoot();
  auto options = ssl::CertificateOptions::withServerNames(
      serverArgs(), {{"b.example", ssl::CertificateOptions(bArgs)}});
  Pair p(options,
         ssl::optionsForClientTLS("b.example", caRoot(),
                                  ssl::PrivateCertificate::loadPEM(clientCert->bothPEM())));
  p.connect();
  p.flush();
  ASSERT_EQ(p.server->handshakes, 1) << p.server->why();
  ASSERT_TRUE(p.server->peerCertificate);
  EXPECT_EQ(p.server->peerCertificate->getSubject().commonName, "client");
}

// --- versions ------------------------------------------------------------------

TEST_F(TLSMemoryBIOTest, TLS12Only) {
  auto s = serverArgs();
  s.maximumVersion = ssl::TLSVersion::TLSv1_2;
  Pair p(ssl::CertificateOptions(s), clientOptions());
  echoSetup(p, "over TLS 1.2");
  p.connect();
  p.flushBytewise();
  expectCleanEcho(p, "over TLS 1.2");
  EXPECT_EQ(p.client->version, "TLSv1.2");
  EXPECT_EQ(p.server->version, "TLSv1.2");
}

TEST_F(TLSMemoryBIOTest, TLS13Only) {
  auto s = serverArgs();
  s.minimumVersion = ssl::TLSVersion::TLSv1_3;
  auto c = clientArgs();
  c.minimumVersion = ssl::TLSVersion::TLSv1_3;
  Pair p{ssl::CertificateOptions(s), ssl::CertificateOptions(c)};
  echoSetup(p, "over TLS 1.3");
  p.connect();
  p.flush();
  expectCleanEcho(p, "over TLS 1.3");
  EXPECT_EQ(p.client->version, "TLSv1.3");
  EXPECT_EQ(p.server->version, "TLSv1.3");
}

TEST_F(TLSMemoryBIOTest, NoCommonVersionFailsBothSides) {
  auto s = serverArgs();
  s.minimumVersion = ssl::TLSVersion::TLSv1_3;
  auto c = clientArgs();
  c.maximumVersion = ssl::TLSVersion::TLSv1_2;
  Pair p{ssl::CertificateOptions(s), ssl::CertificateOptions(c)};
  p.connect();
  p.flush();
  expectBothFailed(p);
  EXPECT_EQ(p.client->handshakes, 0);
  EXPECT_TRUE(p.server->tlsErrorMentions("unsupported protocol")) << p.server->why();
  EXPECT_TRUE(p.client->tlsErrorMentions("protocol version")) << p.client->why();
}

// --- verification ----------------------------------------------------------------

class VerifyTest : public TLSMemoryBIOTest {
 protected:
  // Runs a handshake of a server with `issued` (and `chain`) against a
  // client of `client` options.
  std::unique_ptr<Pair> run(const test_pki::Issued& issued, ssl::CertificateOptions client,
                            std::vector<std::string> chain = {}) {
    auto s = serverArgs(issued);
    for (const auto& pem : chain)
      s.extraCertChain.push_back(ssl::Certificate::loadPEM(pem));
    auto p = std::make_unique<Pair>(ssl::CertificateOptions(s), std::move(client));
    p->connect();
    p->flush();
    return p;
  }
  // The client refused the server: a TLSError naming `reason` with the
  // verification code; the server saw the client's alert.
  static void expectRefused(const Pair& p, const std::string& reason, long code) {
    expectBothFailed(p);
    EXPECT_EQ(p.client->handshakes, 0);
    ASSERT_TRUE(p.client->lostWith<ssl::TLSError>()) << p.client->why();
    EXPECT_TRUE(std::regex_search(p.client->why(), std::regex("certificate verify failed")))
        << p.client->why();
    EXPECT_TRUE(std::regex_search(p.client->why(), std::regex(reason))) << p.client->why();
    const auto* e = p.client->lost->valueAs<ssl::TLSError>();
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->verifyResult(), code) << e->what();
  }
};

TEST_F(VerifyTest, ChainThroughAnIntermediate) {
  auto inter = ca->intermediate("an intermediate");
  auto leaf = inter.issue();
  auto p = run(leaf, clientOptions(), {inter.root.certPEM});
  EXPECT_EQ(p->client->handshakes, 1) << p->client->why();
  EXPECT_EQ(p->server->handshakes, 1) << p->server->why();
  ASSERT_TRUE(p->client->peerCertificate);
  EXPECT_EQ(p->client->peerCertificate->getIssuer().commonName, "an intermediate");
}

TEST_F(VerifyTest, MissingIntermediate) {
  auto inter = ca->intermediate("an intermediate");
  auto p = run(inter.issue(), clientOptions());
  expectRefused(*p, "unable to get local issuer certificate",
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(VerifyTest, WrongHost) {
  auto p = run(*server, clientOptions("www.example.com"));
  expectRefused(*p, "hostname mismatch", X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(VerifyTest, NoPartialWildcards) {
  test_pki::Spec spec;
  spec.dnsNames = {"*.example.com", "w*.example.org"};
  auto issued = ca->issue(spec);
  EXPECT_EQ(run(issued, clientOptions("www.example.com"))->client->handshakes, 1);
  // A wildcard covers one label, and never a partial one.
  expectRefused(*run(issued, clientOptions("a.b.example.com")), "hostname mismatch",
                X509_V_ERR_HOSTNAME_MISMATCH);
  expectRefused(*run(issued, clientOptions("www.example.org")), "hostname mismatch",
                X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(VerifyTest, IPAddressHost) {
  // The certificate has IP:127.0.0.1 and IP:::1.
  EXPECT_EQ(run(*server, clientOptions("127.0.0.1"))->client->handshakes, 1);
  EXPECT_EQ(run(*server, clientOptions("::1"))->client->handshakes, 1);
  expectRefused(*run(*server, clientOptions("10.1.2.3")), "IP address mismatch",
                X509_V_ERR_IP_ADDRESS_MISMATCH);
  // An address is matched as an address, not as a DNS name.
  test_pki::Spec spec;
  spec.dnsNames = {"127.0.0.1"};
  spec.ipAddresses.clear();
  expectRefused(*run(ca->issue(spec), clientOptions("127.0.0.1")), "IP address mismatch",
                X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(VerifyTest, Expired) {
  test_pki::Spec spec;
  spec.notBeforeDays = -10;
  spec.notAfterDays = -1;
  expectRefused(*run(ca->issue(spec), clientOptions()), "certificate has expired",
                X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(VerifyTest, NotYetValid) {
  test_pki::Spec spec;
  spec.notBeforeDays = 1;
  spec.notAfterDays = 30;
  expectRefused(*run(ca->issue(spec), clientOptions()), "certificate is not yet valid",
                X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST_F(VerifyTest, SelfSigned) {
  expectRefused(*run(test_pki::selfSigned(), clientOptions()), "self[- ]signed",
                X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST_F(VerifyTest, SelfSignedTrustedExplicitly) {
  auto self = test_pki::selfSigned();
  auto p = run(
      self, ssl::optionsForClientTLS("localhost", ssl::trustRootFromCertificates(
                                                      {ssl::Certificate::loadPEM(self.certPEM)})));
  EXPECT_EQ(p->client->handshakes, 1) << p->client->why();
}

TEST_F(VerifyTest, UnknownCA) {
  test_pki::CA stranger("stranger CA");
  expectRefused(*run(stranger.issue(), clientOptions()), "unable to get local issuer certificate",
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(VerifyTest, ThePlatformDoesNotTrustOurCA) {
  expectRefused(*run(*server, ssl::optionsForClientTLS("localhost")),
                "unable to get local issuer certificate",
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(VerifyTest, InsecurelySkipVerificationAcceptsASelfSignedServer) {
  auto c = clientArgs("not-the-name.example");
  c.insecurelySkipVerification = true;
  auto p = run(test_pki::selfSigned(), ssl::CertificateOptions(c));
  EXPECT_EQ(p->client->handshakes, 1) << p->client->why();
  ASSERT_TRUE(p->client->peerCertificate);
  EXPECT_EQ(p->client->peerCertificate->getSubject().commonName, "localhost");
}

// --- client certificates ---------------------------------------------------------

class ClientCertificateTest : public TLSMemoryBIOTest {
 protected:
  static ssl::CertificateOptions serverRequiring(bool require) {
    auto s = serverArgs();
    s.trustRoot = caRoot();
    s.requireCertificate = require;
    return ssl::CertificateOptions(s);
  }
  static ssl::CertificateOptions clientWith(const test_pki::Issued* cert) {
    return ssl::optionsForClientTLS(
        "localhost", caRoot(),
        cert ? std::optional(ssl::PrivateCertificate::loadPEM(cert->bothPEM())) : std::nullopt);
  }
};

TEST_F(ClientCertificateTest, RequiredAndAbsentFailsBothSides) {
  Pair p(serverRequiring(true), clientWith(nullptr));
  p.client->onHandshake = [](Peer& c) { c.transport->write("too early"); };
  p.connect();
  p.flush();
  // TLS 1.3: the client is done before the server has looked at what it
  // sent; the server's alert ends it.
  EXPECT_EQ(p.server->handshakes, 0);
  EXPECT_TRUE(p.server->tlsErrorMentions("peer did not return a certificate")) << p.server->why();
  EXPECT_TRUE(p.client->tlsErrorMentions("certificate required")) << p.client->why();
  EXPECT_TRUE(p.server->received.empty());
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_EQ(p.client->losts, 1);
}

TEST_F(ClientCertificateTest, RequiredAndAbsentOverTLS12) {
  auto s = serverArgs();
  s.trustRoot = caRoot();
  s.maximumVersion = ssl::TLSVersion::TLSv1_2;
  Pair p(ssl::CertificateOptions(s), clientWith(nullptr));
  p.connect();
  p.flush();
  expectBothFailed(p);
  EXPECT_EQ(p.client->handshakes, 0);
  EXPECT_TRUE(p.server->tlsErrorMentions("peer did not return a certificate")) << p.server->why();
}

TEST_F(ClientCertificateTest, OptionalAndAbsent) {
  Pair p(serverRequiring(false), clientWith(nullptr));
  echoSetup(p, "anonymous");
  p.connect();
  p.flush();
  expectCleanEcho(p, "anonymous");
  EXPECT_FALSE(p.server->peerCertificate);
}

TEST_F(ClientCertificateTest, OptionalAndPresent) {
  Pair p(serverRequiring(false), clientWith(clientCert));
  echoSetup(p, "known");
  p.connect();
  p.flush();
  expectCleanEcho(p, "known");
  ASSERT_TRUE(p.server->peerCertificate);
  EXPECT_EQ(p.server->peerCertificate->getSubject().commonName, "client");
  EXPECT_EQ(p.serverTLS().getPeerCertificate()->getSubject().commonName, "client");
}

TEST_F(ClientCertificateTest, RequiredAndPresentIsVerified) {
  Pair p(serverRequiring(true), clientWith(clientCert));
  echoSetup(p, "verified");
  p.connect();
  p.flushBytewise();
  expectCleanEcho(p, "verified");
  ASSERT_TRUE(p.server->peerCertificate);
  EXPECT_EQ(p.server->peerCertificate->getSubject().commonName, "client");
}

TEST_F(ClientCertificateTest, PresentFromAnUnknownCAIsRefused) {
  test_pki::CA stranger("stranger CA");
  auto strangerClient = stranger.issue();
  for (bool require : {true, false}) {
    Pair p(serverRequiring(require), clientWith(&strangerClient));
    p.connect();
    p.flush();
    EXPECT_EQ(p.server->handshakes, 0);
    EXPECT_TRUE(p.server->tlsErrorMentions("certificate verify failed")) << p.server->why();
    EXPECT_TRUE(p.client->lostWith<ssl::TLSError>()) << p.client->why();
    EXPECT_TRUE(p.server->received.empty());
  }
}

// --- resumption --------------------------------------------------------------------

class ResumptionTest : public TLSMemoryBIOTest {
 protected:
  // Two connections with the same options objects; returns whether each
  // side of the second one resumed, after checking the first did not.
  std::pair<bool, bool> twice(const ssl::CertificateOptions& s, const ssl::CertificateOptions& c) {
    for (int i = 0;; ++i) {
      Pair p(s, c);
      echoSetup(p, "session " + std::to_string(i));
      p.connect();
      p.flush();
      expectCleanEcho(p, "session " + std::to_string(i));
      EXPECT_EQ(p.clientTLS().sessionReused(), p.client->reused);
      if (i == 1) return {p.client->reused, p.server->reused};
      EXPECT_FALSE(p.client->reused);
      EXPECT_FALSE(p.server->reused);
    }
  }
};

TEST_F(ResumptionTest, EnableSessionsResumesTLS13) {
  auto s = serverArgs();
  s.enableSessions = true;
  auto c = clientArgs();
  c.enableSessions = true;
  auto [clientReused, serverReused] = twice(ssl::CertificateOptions(s), ssl::CertificateOptions(c));
  EXPECT_TRUE(clientReused);
  EXPECT_TRUE(serverReused);
}

TEST_F(ResumptionTest, EnableSessionsResumesTLS12) {
  auto s = serverArgs();
  s.enableSessions = true;
  s.maximumVersion = ssl::TLSVersion::TLSv1_2;
  auto c = clientArgs();
  c.enableSessions = true;
  auto [clientReused, serverReused] = twice(ssl::CertificateOptions(s), ssl::CertificateOptions(c));
  EXPECT_TRUE(clientReused);
  EXPECT_TRUE(serverReused);
}

TEST_F(ResumptionTest, SessionsAreOffByDefault) {
  auto s = serverArgs();
  s.enableSessions = true;
  auto [clientReused, serverReused] = twice(ssl::CertificateOptions(s), clientOptions());
  EXPECT_FALSE(clientReused);
  EXPECT_FALSE(serverReused);
  auto c = clientArgs();
  c.enableSessions = true;
  auto [clientReused2, serverReused2] = twice(serverOptions(), ssl::CertificateOptions(c));
  EXPECT_FALSE(clientReused2);
  EXPECT_FALSE(serverReused2);
}

// --- endings ------------------------------------------------------------------------

TEST_F(TLSMemoryBIOTest, CloseNotifyFromTheServerIsAConnectionDone) {
  Pair p(serverOptions(), clientOptions());
  p.server->onHandshake = [](Peer& s) {
    s.transport->write("bye");
    s.transport->loseConnection();
    EXPECT_TRUE(s.transport->disconnecting());
  };
  p.connect();
  p.flushBytewise();
  EXPECT_EQ(p.client->received, "bye");
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.server->losts, 1);
}

TEST_F(TLSMemoryBIOTest, DroppedWithoutCloseNotifyIsAConnectionLost) {
  Pair p(serverOptions(), clientOptions());
  p.client->onHandshake = [](Peer& c) { c.transport->write("last words"); };
  p.connect();
  p.flush();
  ASSERT_EQ(p.server->received, "last words");
  // The client's TCP connection ends under TLS: no close_notify.
  p.clientIO().loseConnection();
  p.flush();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionLost>()) << p.server->why();
  EXPECT_FALSE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_EQ(p.client->losts, 1);
}

TEST_F(TLSMemoryBIOTest, DroppedDuringTheHandshakeIsAConnectionLost) {
  Pair p(serverOptions(), clientOptions());
  p.connect();
  p.pump();  // the ClientHello arrives
  p.clientIO().getOutBuffer();
  p.clientIO().loseConnection();
  p.flush();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionLost>()) << p.server->why();
  EXPECT_EQ(p.server->handshakes, 0);
  EXPECT_EQ(p.server->losts, 1);
}

TEST_F(TLSMemoryBIOTest, LoseConnectionBeforeTheHandshakeAborts) {
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [](Peer& c) { c.transport->loseConnection(); };
  p.connect();
  EXPECT_TRUE(p.clientIO().aborted);
  p.flush();
  EXPECT_EQ(p.client->handshakes, 0);
  EXPECT_EQ(p.server->handshakes, 0);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionAborted>()) << p.client->why();
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_FALSE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

TEST_F(TLSMemoryBIOTest, LoseConnectionWithQueuedWritesDeliversThemFirst) {
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [](Peer& c) {
    c.transport->write("queued before the handshake");
    c.transport->loseConnection();
    c.transport->write("dropped: written after loseConnection");
  };
  p.connect();
  EXPECT_FALSE(p.clientIO().aborted);
  p.flush();
  EXPECT_EQ(p.server->received, "queued before the handshake");
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

TEST_F(TLSMemoryBIOTest, AbortMidHandshake) {
  Pair p(serverOptions(), clientOptions());
  p.server->onMade = [](Peer& s) { s.transport->write("never seen"); };
  p.connect();
  p.pump();  // ClientHello to the server, nothing back yet
  ASSERT_FALSE(p.serverIO().stream.empty());
  p.client->transport->abortConnection();
  p.client->transport->abortConnection();  // twice is harmless
  p.flush();
  EXPECT_EQ(p.client->handshakes, 0);
  EXPECT_TRUE(p.client->received.empty());
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionAborted>()) << p.client->why();
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_EQ(p.server->handshakes, 0);
}

TEST_F(TLSMemoryBIOTest, AbortFromHandshakeCompleted) {
  for (auto version : {ssl::TLSVersion::TLSv1_2, ssl::TLSVersion::TLSv1_3}) {
    auto s = serverArgs();
    s.maximumVersion = version;
    Pair p(ssl::CertificateOptions(s), clientOptions());
    // TLS 1.2: the server is done first, and its data rides with its
    // Finished, in the chunk that completes the client's handshake.
    p.server->onMade = [](Peer& sp) { sp.transport->write("queued by the server"); };
    p.server->onHandshake = [](Peer& sp) { sp.transport->write("more from the server"); };
    p.client->onHandshake = [](Peer& c) {
      c.transport->abortConnection();
      c.transport->write("after the abort");
    };
    p.connect();
    p.flush();
    EXPECT_EQ(p.client->handshakes, 1);
    EXPECT_TRUE(p.client->received.empty()) << p.client->received;
    EXPECT_EQ(p.client->losts, 1);
    EXPECT_EQ(p.client->dataAfterLost, 0);
    EXPECT_TRUE(p.client->lostWith<error::ConnectionAborted>()) << p.client->why();
    EXPECT_TRUE(p.server->received.empty()) << p.server->received;
    EXPECT_EQ(p.server->losts, 1);
  }
}

TEST_F(TLSMemoryBIOTest, NoDataAfterAbort) {
  Pair p(serverOptions(), clientOptions());
  // More than one delivery's worth (64 KiB), all in the chunk the client
  // gets in one pump.
  p.server->onHandshake = [](Peer& s) {
    for (int i = 0; i < 4; ++i)
      s.transport->write(std::string(40 * 1024, 'd'));
  };
  int afterAbort = 0;
  bool aborted = false;
  p.client->onData = [&](Peer& c, std::string_view) {
    if (aborted) {
      ++afterAbort;
      return;
    }
    aborted = true;
    c.transport->abortConnection();
  };
  p.connect();
  p.flush();
  EXPECT_TRUE(aborted);
  EXPECT_EQ(afterAbort, 0);
  EXPECT_LT(p.client->received.size(), 160u * 1024);
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.client->dataAfterLost, 0);
  EXPECT_TRUE(p.client->lostWith<error::ConnectionAborted>()) << p.client->why();
}

// --- garbage -------------------------------------------------------------------------

class RawClient : public Protocol {
 public:
  explicit RawClient(std::string send) : send_(std::move(send)) {}
  void connectionMade() override { transport->write(send_); }
  void dataReceived(std::string_view d) override { received.append(d); }
  void connectionLost(const Failure& r) override { lost = r; }
  std::string received;
  std::optional<Failure> lost;

 private:
  std::string send_;
};

TEST_F(TLSMemoryBIOTest, GarbageInsteadOfAClientHello) {
  const std::string garbage[] = {
      "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
      std::string(64, '\0'),
      std::string("\x16\x03\x01\xff\xff", 5) + std::string(300, 'x'),
      std::string("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 10),
  };
  for (const auto& g : garbage) {
    auto peer = std::make_unique<Peer>();
    Peer* tlsServer = peer.get();
    iosim::ConnectOptions o;
    o.greet = false;
    auto io = iosim::connectedServerAndClient(
        [&] {
          return std::make_unique<tls::TLSMemoryBIOProtocol>(serverOptions(), false,
                                                             std::move(peer));
        },
        [&] { return std::make_unique<RawClient>(g); }, o);
    io.pump.flush();
    EXPECT_EQ(tlsServer->handshakes, 0);
    EXPECT_EQ(tlsServer->losts, 1);
    EXPECT_TRUE(tlsServer->lostWith<ssl::TLSError>()) << tlsServer->why();
    EXPECT_TRUE(tlsServer->received.empty());
    EXPECT_TRUE(io.client->lost.has_value());
  }
}

TEST_F(TLSMemoryBIOTest, GarbageAfterTheHandshake) {
  Pair p(serverOptions(), clientOptions());
  p.connect();
  p.flush();
  ASSERT_EQ(p.server->handshakes, 1);
  // A record with a broken authentication tag.
  p.serverIO().bufferReceived(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'x'));
  p.flush();
  EXPECT_TRUE(p.server->lostWith<ssl::TLSError>()) << p.server->why();
  EXPECT_EQ(p.server->losts, 1);
  EXPECT_TRUE(p.client->lostWith<ssl::TLSError>()) << p.client->why();
}

// --- producers -------------------------------------------------------------------------

class CountingProducer : public IPushProducer {
 public:
  void pauseProducing() override { ++pauses; }
  void resumeProducing() override { ++resumes; }
  void stopProducing() override { ++stops; }
  int pauses = 0;
  int resumes = 0;
  int stops = 0;
};

TEST_F(TLSMemoryBIOTest, ProducerIsPausedUntilTheHandshakeAndResumed) {
  CountingProducer producer;
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [&](Peer& c) {
    c.transport->write("waits for the handshake");
    c.transport->registerProducer(&producer, true);
    EXPECT_EQ(producer.pauses, 1);
    EXPECT_EQ(producer.resumes, 0);
  };
  p.connect();
  EXPECT_EQ(producer.pauses, 1);
  p.flush();
  EXPECT_EQ(p.server->received, "waits for the handshake");
  EXPECT_EQ(producer.resumes, 1);
  EXPECT_EQ(producer.pauses, 1);
  p.client->transport->unregisterProducer();
  p.client->transport->loseConnection();
  p.flush();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
}

TEST_F(TLSMemoryBIOTest, ProducerThatWritesBeforeTheHandshakeIsPaused) {
  CountingProducer producer;
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [&](Peer& c) {
    c.transport->registerProducer(&producer, true);
    EXPECT_EQ(producer.pauses, 0);
    c.transport->write("first");
    EXPECT_EQ(producer.pauses, 1);
  };
  p.connect();
  p.flush();
  EXPECT_EQ(p.server->received, "first");
  EXPECT_EQ(producer.resumes, 1);
  // loseConnection waits for the producer to be unregistered (Twisted's
  // rule), then closes cleanly.
  p.client->transport->loseConnection();
  p.flush();
  EXPECT_EQ(p.client->losts, 0);
  p.client->transport->unregisterProducer();
  p.flush();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

TEST_F(TLSMemoryBIOTest, ProducerFollowsTheTransportBuffer) {
  // After the handshake writes go straight through: the transport's own
  // buffer pauses and resumes the producer.
  CountingProducer producer;
  Pair p(serverOptions(), clientOptions());
  p.client->onHandshake = [&](Peer& c) {
    c.transport->registerProducer(&producer, true);
    c.transport->write(std::string(200 * 1024, 'p'));
  };
  p.connect();
  p.flush();
  EXPECT_EQ(p.server->received.size(), 200u * 1024);
  EXPECT_GE(producer.pauses, 1);
  EXPECT_EQ(producer.resumes, producer.pauses);
  p.client->transport->unregisterProducer();
  p.client->transport->loseConnection();
  p.flush();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
}

// A pull producer: asked for a piece each time the transport wants more.
class PullProducer : public IProducer {
 public:
  PullProducer(ITransport*& transport, int pieces) : transport_(transport), left_(pieces) {}
  void resumeProducing() override {
    ++asked;
    if (left_ == 0) return;
    transport_->write(std::string(100 * 1024, static_cast<char>('0' + left_ % 10)));
    if (--left_ == 0) {
      transport_->unregisterProducer();
      transport_->loseConnection();
    }
  }
  void stopProducing() override { ++stops; }
  int asked = 0;
  int stops = 0;

 private:
  ITransport*& transport_;
  int left_;
};

TEST_F(TLSMemoryBIOTest, PullProducerRegisteredBeforeTheHandshake) {
  ITransport* transport = nullptr;
  PullProducer producer(transport, 10);
  Pair p(serverOptions(), clientOptions());
  p.client->onMade = [&](Peer& c) {
    transport = c.transport;
    c.transport->registerProducer(&producer, false);
  };
  p.connect();
  p.flush();
  EXPECT_EQ(p.server->received.size(), 10u * 100 * 1024);
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
}

TEST_F(TLSMemoryBIOTest, LoseConnectionTwiceSendsOneCloseNotify) {
  Pair p(serverOptions(), clientOptions());
  p.connect();
  p.flush();
  p.client->transport->loseConnection();
  std::string first = p.clientIO().stream;
  EXPECT_FALSE(first.empty());  // the close_notify alert
  p.client->transport->loseConnection();
  EXPECT_EQ(p.clientIO().stream, first);
  p.flush();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
  EXPECT_EQ(p.client->losts, 1);
  EXPECT_EQ(p.server->losts, 1);
}

TEST_F(TLSMemoryBIOTest, TCPSettingsPassThroughButNoHalfClose) {
  Pair p(serverOptions(), clientOptions());
  p.connect();
  auto& tcp = dynamic_cast<ITCPTransport&>(*p.client->transport);
  tcp.setTcpNoDelay(true);
  EXPECT_TRUE(p.clientIO().getTcpNoDelay());
  EXPECT_TRUE(tcp.getTcpNoDelay());
  tcp.setTcpKeepAlive(true);
  EXPECT_TRUE(p.clientIO().getTcpKeepAlive());
  EXPECT_THROW(tcp.loseWriteConnection(), std::logic_error);
  EXPECT_EQ(tcp.getPeer(), p.clientIO().getPeer());
  p.flush();
  EXPECT_EQ(p.client->handshakes, 1);
}

TEST_F(TLSMemoryBIOTest, LoseConnectionFromHandshakeCompleted) {
  for (bool serverCloses : {true, false}) {
    for (bool bytewise : {true, false}) {
      Pair p(serverOptions(), clientOptions());
      Peer* closer = serverCloses ? p.server : p.client;
      closer->onHandshake = [](Peer& c) { c.transport->loseConnection(); };
      p.connect();
      if (bytewise)
        p.flushBytewise();
      else
        p.flush();
      SCOPED_TRACE(std::string(serverCloses ? "server" : "client") + " closes, " +
                   (bytewise ? "bytewise" : "chunks"));
      EXPECT_EQ(p.client->handshakes, 1);
      EXPECT_EQ(p.server->handshakes, 1);
      EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
      EXPECT_TRUE(p.server->lostWith<error::ConnectionDone>()) << p.server->why();
    }
  }
}

TEST_F(TLSMemoryBIOTest, PeerClosingWithoutAnsweringOurCloseNotifyIsClean) {
  Pair p(serverOptions(), clientOptions());
  p.client->onHandshake = [](Peer& c) { c.transport->write("before the close"); };
  p.connect();
  p.flush();
  p.client->transport->loseConnection();
  // The server's TCP connection ends without its close_notify.
  p.serverIO().loseConnection();
  p.flush();
  EXPECT_TRUE(p.client->lostWith<error::ConnectionDone>()) << p.client->why();
  EXPECT_EQ(p.server->received, "before the close");
}

}  // namespace
