// TLS over real loopback TCP (and Unix sockets), on every backend:
// listenSSL/connectSSL, the handshake, verification failures, close_notify,
// startTLS after a plaintext exchange, a stalled handshake, flow control
// under TLS and a close with a large pending write.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>
#include <twisted/protocols/policies/timeout_mixin.h>

#include "internet/reactor_fixture.h"
#include "internet/ssl/test_pki.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

struct Record {
  std::string received;
  bool made = false;
  bool handshake = false;
  std::optional<Failure> lost;
  std::optional<std::string> alpn;
  std::string version;
  std::optional<ssl::Certificate> peer;
};

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view d) override { transport->write(d); }
};

class Client : public Protocol, public IHandshakeListener {
 public:
  Client(std::shared_ptr<Record> rec, std::string send)
      : rec_(std::move(rec)), send_(std::move(send)) {}
  void connectionMade() override {
    rec_->made = true;
    transport->write(send_);  // queued until the handshake is done
  }
  void handshakeCompleted() override {
    rec_->handshake = true;
    auto* t = dynamic_cast<ISSLTransport*>(transport);
    rec_->alpn = t->negotiatedProtocol();
    rec_->version = t->tlsVersion();
    rec_->peer = t->getPeerCertificate();
  }
  void dataReceived(std::string_view d) override {
    rec_->received.append(d);
    if (rec_->received.size() >= send_.size()) transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  std::shared_ptr<Record> rec_;
  std::string send_;
};

class ClientFactoryOf : public ClientFactory {
 public:
  ClientFactoryOf(std::shared_ptr<Record> rec, std::string send)
      : rec_(std::move(rec)), send_(std::move(send)) {}
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    return std::make_unique<Client>(rec_, send_);
  }
  void clientConnectionLost(IConnector&, const Failure& reason) override { lost = reason; }
  std::optional<Failure> lost;

 private:
  std::shared_ptr<Record> rec_;
  std::string send_;
};

struct StartTLSRun;

class TLSTest : public testing_internal::RealReactorTest {
 protected:
  static void SetUpTestSuite() {
    ca = new test_pki::CA();
    server = new test_pki::Issued(ca->issue());
  }
  static void TearDownTestSuite() {
    delete server;
    delete ca;
  }
  ssl::CertificateOptions serverOptions() {
    ssl::CertificateOptions::Args a;
    a.certificate = ssl::PrivateCertificate::loadPEM(server->bothPEM());
    return ssl::CertificateOptions(std::move(a));
  }
  // Defined with the startTLS protocols below.
  StartTLSRun startTLSOverTCP(const std::string& hostname, const std::string& secret);
  ssl::TrustRoot caRoot() {
    return ssl::trustRootFromCertificates({ssl::Certificate::loadPEM(ca->root.certPEM)});
  }
  static test_pki::CA* ca;
  static test_pki::Issued* server;
};
test_pki::CA* TLSTest::ca = nullptr;
test_pki::Issued* TLSTest::server = nullptr;

TEST_P(TLSTest, EchoOverListenSSLAndConnectSSL) {
  auto port = r->listenSSL(0, Factory::forProtocol<Echo>(), serverOptions(), 50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryOf>(rec, "hello, TLS");
  r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                ssl::optionsForClientTLS("localhost", caRoot()));
  spinUntil([&] { return rec->lost.has_value(); });
  EXPECT_TRUE(rec->made);
  EXPECT_TRUE(rec->handshake);
  EXPECT_EQ(rec->received, "hello, TLS");
  EXPECT_EQ(rec->version, "TLSv1.3");
  ASSERT_TRUE(rec->peer);
  EXPECT_EQ(rec->peer->getSubject().commonName, "localhost");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  port->stopListening();
}

TEST_P(TLSTest, WrongHostnameFailsVerification) {
  auto port = r->listenSSL(0, Factory::forProtocol<Echo>(), serverOptions(), 50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryOf>(rec, "x");
  r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                ssl::optionsForClientTLS("example.com", caRoot()));
  spinUntil([&] { return rec->lost.has_value() && f->lost.has_value(); });
  EXPECT_FALSE(rec->handshake);
  ASSERT_TRUE(rec->lost);
  ASSERT_TRUE(rec->lost->check<ssl::TLSError>()) << rec->lost->getErrorMessage();
  EXPECT_NE(rec->lost->getErrorMessage().find("hostname mismatch"), std::string::npos)
      << rec->lost->getErrorMessage();
  ASSERT_TRUE(f->lost);
  EXPECT_TRUE(f->lost->check<ssl::TLSError>());
  port->stopListening();
}

// A ClientFactory building protocols with a function, recording
// clientConnectionLost.
class ClientFactoryFn : public ClientFactory {
 public:
  explicit ClientFactoryFn(std::function<std::unique_ptr<Protocol>()> make)
      : make_(std::move(make)) {}
  std::unique_ptr<Protocol> buildProtocol(const Address&) override { return make_(); }
  void clientConnectionLost(IConnector&, const Failure& reason) override { lost = reason; }
  void clientConnectionFailed(IConnector&, const Failure& reason) override { failed = reason; }
  std::optional<Failure> lost;
  std::optional<Failure> failed;

 private:
  std::function<std::unique_ptr<Protocol>()> make_;
};

class FactoryFn : public Factory {
 public:
  explicit FactoryFn(std::function<std::unique_ptr<Protocol>()> make) : make_(std::move(make)) {}
  std::unique_ptr<Protocol> buildProtocol(const Address&) override { return make_(); }

 private:
  std::function<std::unique_ptr<Protocol>()> make_;
};

// --- connectSSL verification failures ---------------------------------------

TEST_P(TLSTest, VerificationFailureReachesClientConnectionLost) {
  test_pki::CA stranger("stranger CA");
  auto strangers = stranger.issue();
  ssl::CertificateOptions::Args a;
  a.certificate = ssl::PrivateCertificate::loadPEM(strangers.bothPEM());
  auto serverRec = std::make_shared<Record>();
  auto port = r->listenSSL(0, std::make_shared<FactoryFn>([serverRec] {
                             return std::make_unique<Client>(serverRec, "");
                           }),
                           ssl::CertificateOptions(a), 50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryOf>(rec, "never sent");
  r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                ssl::optionsForClientTLS("localhost", caRoot()));
  spinUntil([&] { return f->lost.has_value() && serverRec->lost.has_value(); });
  EXPECT_FALSE(rec->handshake);
  ASSERT_TRUE(f->lost);
  ASSERT_TRUE(f->lost->check<ssl::TLSError>()) << f->lost->getErrorMessage();
  EXPECT_NE(f->lost->getErrorMessage().find("unable to get local issuer certificate"),
            std::string::npos)
      << f->lost->getErrorMessage();
  EXPECT_EQ(f->lost->valueAs<ssl::TLSError>()->verifyResult(),
            20 /* X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY */);
  ASSERT_TRUE(serverRec->lost);
  EXPECT_TRUE(serverRec->lost->check<ssl::TLSError>()) << serverRec->lost->getErrorMessage();
  EXPECT_FALSE(serverRec->handshake);
  EXPECT_TRUE(serverRec->received.empty());
}

// --- startTLS ------------------------------------------------------------------

// The server of a STARTTLS exchange: "STARTTLS\r\n" in plaintext, "GO\r\n"
// back in plaintext, then TLS; then it echoes.
class StartTLSServer : public Protocol, public IHandshakeListener {
 public:
  StartTLSServer(std::shared_ptr<Record> rec, ssl::CertificateOptions options)
      : rec_(std::move(rec)), options_(std::move(options)) {}
  void connectionMade() override { rec_->made = true; }
  void dataReceived(std::string_view d) override {
    if (tls_) {
      rec_->received.append(d);
      transport->write(d);
      return;
    }
    plain_.append(d);
    if (plain_ == "STARTTLS\r\n") {
      transport->write("GO\r\n");
      auto* t = dynamic_cast<ITLSTransport*>(transport);
      ASSERT_NE(t, nullptr);
      t->startTLS(options_);
      tls_ = true;
      EXPECT_NE(dynamic_cast<ISSLTransport*>(transport), nullptr);
      // Only once.
      EXPECT_THROW(t->startTLS(options_), std::logic_error);
    }
  }
  void handshakeCompleted() override {
    rec_->handshake = true;
    rec_->version = dynamic_cast<ISSLTransport*>(transport)->tlsVersion();
  }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  std::shared_ptr<Record> rec_;
  ssl::CertificateOptions options_;
  std::string plain_;
  bool tls_ = false;
};

// The client: asks, waits for "GO\r\n", starts TLS, sends `secret` (queued
// until the handshake is done), closes once it is echoed.
class StartTLSClient : public Protocol, public IHandshakeListener {
 public:
  StartTLSClient(std::shared_ptr<Record> rec, ssl::CertificateOptions options, std::string secret)
      : rec_(std::move(rec)), options_(std::move(options)), secret_(std::move(secret)) {}
  void connectionMade() override {
    rec_->made = true;
    transport->write("STARTTLS\r\n");
  }
  void dataReceived(std::string_view d) override {
    if (tls_) {
      rec_->received.append(d);
      if (rec_->received.size() >= secret_.size()) transport->loseConnection();
      return;
    }
    plain_.append(d);
    if (plain_ == "GO\r\n") {
      dynamic_cast<ITLSTransport*>(transport)->startTLS(options_);
      tls_ = true;
      transport->write(secret_);
    }
  }
  void handshakeCompleted() override {
    rec_->handshake = true;
    auto* t = dynamic_cast<ISSLTransport*>(transport);
    rec_->version = t->tlsVersion();
    rec_->peer = t->getPeerCertificate();
  }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  std::shared_ptr<Record> rec_;
  ssl::CertificateOptions options_;
  std::string secret_;
  std::string plain_;
  bool tls_ = false;
};

// A STARTTLS exchange over TCP (the client expects `hostname`, then sends
// `secret` encrypted), run until both sides are gone.
struct StartTLSRun {
  std::shared_ptr<Record> server = std::make_shared<Record>();
  std::shared_ptr<Record> client = std::make_shared<Record>();
  std::shared_ptr<ClientFactoryFn> factory;
};

StartTLSRun TLSTest::startTLSOverTCP(const std::string& hostname, const std::string& secret) {
  StartTLSRun run;
  auto options = serverOptions();
  auto port = r->listenTCP(0, std::make_shared<FactoryFn>([rec = run.server, options] {
                             return std::make_unique<StartTLSServer>(rec, options);
                           }),
                           50, "127.0.0.1");
  auto clientOptions = ssl::optionsForClientTLS(hostname, caRoot());
  run.factory = std::make_shared<ClientFactoryFn>([rec = run.client, clientOptions, secret] {
    return std::make_unique<StartTLSClient>(rec, clientOptions, secret);
  });
  r->connectTCP("127.0.0.1", portOf(port->getHost()), run.factory);
  spinUntil([&] { return run.client->lost.has_value() && run.server->lost.has_value(); });
  port->stopListening();
  return run;
}

TEST_P(TLSTest, StartTLSOverTCP) {
  auto run = startTLSOverTCP("localhost", "encrypted after STARTTLS");
  auto& serverRec = run.server;
  auto& rec = run.client;
  auto& f = run.factory;
  EXPECT_TRUE(rec->handshake);
  EXPECT_TRUE(serverRec->handshake);
  EXPECT_EQ(rec->version, "TLSv1.3");
  ASSERT_TRUE(rec->peer);
  EXPECT_EQ(rec->peer->getSubject().commonName, "localhost");
  EXPECT_EQ(serverRec->received, "encrypted after STARTTLS");
  EXPECT_EQ(rec->received, "encrypted after STARTTLS");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  ASSERT_TRUE(serverRec->lost);
  EXPECT_TRUE(serverRec->lost->check<error::ConnectionDone>())
      << serverRec->lost->getErrorMessage();
  ASSERT_TRUE(f->lost);
  EXPECT_TRUE(f->lost->check<error::ConnectionDone>()) << f->lost->getErrorMessage();
}

// A client-side startTLS with options that name no host is refused before
// anything changes: the connection goes on in plaintext, the protocol keeps
// its transport.
class RefusedStartTLSClient : public Protocol {
 public:
  explicit RefusedStartTLSClient(std::shared_ptr<Record> rec) : rec_(std::move(rec)) {}
  void connectionMade() override {
    ssl::CertificateOptions::Args a;
    a.trustRoot = ssl::TrustRoot::platform();
    ITransport* before = transport;
    try {
      dynamic_cast<ITLSTransport*>(transport)->startTLS(ssl::CertificateOptions(a));
    } catch (const std::invalid_argument&) {
      rec_->made = true;  // refused, as it should be
    }
    rec_->handshake = transport != before || dynamic_cast<ISSLTransport*>(transport) != nullptr;
    transport->write("still plain");
  }
  void dataReceived(std::string_view d) override {
    rec_->received.append(d);
    if (rec_->received == "still plain") transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  std::shared_ptr<Record> rec_;
};

TEST_P(TLSTest, ClientStartTLSWithoutAHostnameIsRefusedAndTheConnectionStaysPlain) {
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryFn>(
      [rec] { return std::make_unique<RefusedStartTLSClient>(rec); });
  r->connectTCP("127.0.0.1", portOf(port->getHost()), f);
  spinUntil([&] { return rec->lost.has_value(); });
  EXPECT_TRUE(rec->made) << "startTLS did not refuse";
  EXPECT_FALSE(rec->handshake) << "the transport changed";
  EXPECT_EQ(rec->received, "still plain");
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  port->stopListening();
}

TEST_P(TLSTest, StartTLSOverUnixSockets) {
  char tmpl[] = "/tmp/twistedcpp-starttls-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/sock";
  auto serverRec = std::make_shared<Record>();
  auto options = serverOptions();
  auto port = r->listenUNIX(path, std::make_shared<FactoryFn>([serverRec, options] {
                              return std::make_unique<StartTLSServer>(serverRec, options);
                            }));
  auto rec = std::make_shared<Record>();
  auto clientOptions = ssl::optionsForClientTLS("localhost", caRoot());
  auto f = std::make_shared<ClientFactoryFn>([rec, clientOptions] {
    return std::make_unique<StartTLSClient>(rec, clientOptions, "over a Unix socket");
  });
  r->connectUNIX(path, f);
  spinUntil([&] { return rec->lost.has_value() && serverRec->lost.has_value(); });
  EXPECT_TRUE(rec->handshake);
  EXPECT_TRUE(serverRec->handshake);
  EXPECT_EQ(serverRec->received, "over a Unix socket");
  EXPECT_EQ(rec->received, "over a Unix socket");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  ASSERT_TRUE(serverRec->lost);
  EXPECT_TRUE(serverRec->lost->check<error::ConnectionDone>())
      << serverRec->lost->getErrorMessage();
  port->stopListening();
  r->iterate(0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_P(TLSTest, StartTLSWithAWrongHostFails) {
  auto run = startTLSOverTCP("www.example.com", "never sent");
  auto& serverRec = run.server;
  auto& rec = run.client;
  EXPECT_FALSE(rec->handshake);
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<ssl::TLSError>()) << rec->lost->getErrorMessage();
  EXPECT_NE(rec->lost->getErrorMessage().find("hostname mismatch"), std::string::npos)
      << rec->lost->getErrorMessage();
  ASSERT_TRUE(serverRec->lost);
  EXPECT_TRUE(serverRec->lost->check<ssl::TLSError>()) << serverRec->lost->getErrorMessage();
  EXPECT_TRUE(serverRec->received.empty());
}

// --- a stalled handshake -----------------------------------------------------------

// A server protocol that gives the handshake a deadline (TimeoutMixin: the
// timeout calls loseConnection, which before the handshake aborts).
class HandshakeDeadline : public Protocol,
                          public IHandshakeListener,
                          public twisted::protocols::policies::TimeoutMixin {
 public:
  HandshakeDeadline(std::shared_ptr<Record> rec, IReactorTime* reactorClock)
      : rec_(std::move(rec)) {
    clock = reactorClock;
  }
  void connectionMade() override {
    rec_->made = true;
    setTimeout(0.3);
  }
  void handshakeCompleted() override {
    rec_->handshake = true;
    setTimeout(std::nullopt);
  }
  void timeoutConnection() override {
    timedOut = true;
    TimeoutMixin::timeoutConnection();
  }
  void dataReceived(std::string_view d) override { rec_->received.append(d); }
  void connectionLost(const Failure& reason) override {
    setTimeout(std::nullopt);
    rec_->lost = reason;
    rec_->alpn = timedOut ? "timed out" : "";
  }
  bool timedOut = false;

 private:
  std::shared_ptr<Record> rec_;
};

class Silent : public Protocol {
 public:
  explicit Silent(std::shared_ptr<Record> rec) : rec_(std::move(rec)) {}
  void connectionMade() override { rec_->made = true; }
  void dataReceived(std::string_view d) override { rec_->received.append(d); }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  std::shared_ptr<Record> rec_;
};

TEST_P(TLSTest, StalledHandshakeIsClosed) {
  auto serverRec = std::make_shared<Record>();
  IReactorTime* clock = r.get();
  auto port = r->listenSSL(0, std::make_shared<FactoryFn>([serverRec, clock] {
                             return std::make_unique<HandshakeDeadline>(serverRec, clock);
                           }),
                           serverOptions(), 50, "127.0.0.1");
  // A client that connects over plain TCP and never says a word.
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryFn>([rec] { return std::make_unique<Silent>(rec); });
  r->connectTCP("127.0.0.1", portOf(port->getHost()), f);
  spinUntil([&] { return rec->lost.has_value() && serverRec->lost.has_value(); });
  EXPECT_TRUE(serverRec->made);
  EXPECT_FALSE(serverRec->handshake);
  EXPECT_EQ(serverRec->alpn, "timed out");
  ASSERT_TRUE(serverRec->lost);
  EXPECT_TRUE(serverRec->lost->check<error::ConnectionAborted>())
      << serverRec->lost->getErrorMessage();
  // The client got nothing but the end.
  EXPECT_TRUE(rec->received.empty());
  port->stopListening();
}

// --- flow control -----------------------------------------------------------------

// Byte i of a stream is kPattern[i % 251]: shows loss, duplication or
// reordering.
std::string_view patternAt(std::size_t offset, std::size_t n) {
  static const std::string pattern = [] {
    std::string p((1 << 20) + 251, '\0');
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i] = static_cast<char>((i % 251) * 3 + 1);
    return p;
  }();
  return std::string_view(pattern).substr(offset % 251, n);
}

struct Flow {
  std::size_t total = 0;
  // Client (the producer).
  std::size_t sent = 0;
  bool producerPaused = false;
  int producerPauses = 0;
  // Server.
  std::size_t received = 0;
  bool intact = true;
  bool serverPaused = false;
  std::size_t receivedAtPause = 0;
  std::optional<Failure> serverLost;
  std::optional<Failure> clientLost;
  ITransport* serverTransport = nullptr;  // valid until serverLost
};

// Writes flow->total bytes of the pattern as a streaming producer of its
// TLS transport, then closes.
class PatternProducer : public Protocol, public IHandshakeListener, public IPushProducer {
 public:
  explicit PatternProducer(std::shared_ptr<Flow> flow) : flow_(std::move(flow)) {}
  void handshakeCompleted() override {
    transport->registerProducer(this, true);
    produce();
  }
  void pauseProducing() override {
    flow_->producerPaused = true;
    ++flow_->producerPauses;
  }
  void resumeProducing() override {
    flow_->producerPaused = false;
    produce();
  }
  void stopProducing() override {}
  void connectionLost(const Failure& reason) override { flow_->clientLost = reason; }

 private:
  void produce() {
    if (producing_ || done_) return;
    producing_ = true;
    while (!flow_->producerPaused && flow_->sent < flow_->total) {
      std::size_t n = std::min<std::size_t>(256 * 1024, flow_->total - flow_->sent);
      auto chunk = patternAt(flow_->sent, n);
      flow_->sent += n;
      transport->write(chunk);
    }
    producing_ = false;
    if (flow_->sent == flow_->total && !done_) {
      done_ = true;
      transport->unregisterProducer();
      transport->loseConnection();
    }
  }
  std::shared_ptr<Flow> flow_;
  bool producing_ = false;
  bool done_ = false;
};

// Checks what arrives against the pattern; pauses its transport after the
// first piece.
class PatternSink : public Protocol {
 public:
  explicit PatternSink(std::shared_ptr<Flow> flow) : flow_(std::move(flow)) {}
  void dataReceived(std::string_view d) override {
    if (patternAt(flow_->received, d.size()) != d) flow_->intact = false;
    flow_->received += d.size();
    if (!pausedOnce_) {
      pausedOnce_ = true;
      flow_->serverPaused = true;
      flow_->receivedAtPause = flow_->received;
      flow_->serverTransport = transport;
      transport->pauseProducing();
    }
  }
  void connectionLost(const Failure& reason) override {
    flow_->serverLost = reason;
    flow_->serverTransport = nullptr;
  }

 private:
  std::shared_ptr<Flow> flow_;
  bool pausedOnce_ = false;
};

TEST_P(TLSTest, PausedServerStopsReadingUnderTLS) {
  auto flow = std::make_shared<Flow>();
  flow->total = 64u << 20;
  auto port = r->listenSSL(
      0, std::make_shared<FactoryFn>([flow] { return std::make_unique<PatternSink>(flow); }),
      serverOptions(), 50, "127.0.0.1");
  auto f =
      std::make_shared<ClientFactoryFn>([flow] { return std::make_unique<PatternProducer>(flow); });
  r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                ssl::optionsForClientTLS("localhost", caRoot()));
  // The server paused after its first piece; the client fills the kernel's
  // buffers and its own, and is paused in turn.
  spinUntil([&] { return flow->serverPaused && flow->producerPaused; });
  // Stay paused a while: the client stays paused and the server reads
  // nothing more (only what it had decrypted from the chunk it was in).
  int quiet = 0;
  spinUntil([&] {
    quiet = flow->producerPaused ? quiet + 1 : 0;
    return quiet >= 50;
  });
  EXPECT_LE(flow->received - flow->receivedAtPause, 128u * 1024)
      << "the paused server went on reading";
  EXPECT_LT(flow->sent, flow->total) << "the client could write everything: no back-pressure";
  EXPECT_FALSE(flow->serverLost);
  // Resume: everything arrives, intact, then a clean close.
  ASSERT_FALSE(flow->clientLost);
  ASSERT_NE(flow->serverTransport, nullptr);
  flow->serverTransport->resumeProducing();
  spinUntil([&] { return flow->serverLost.has_value() && flow->clientLost.has_value(); }, 60);
  EXPECT_EQ(flow->received, flow->total);
  EXPECT_TRUE(flow->intact);
  ASSERT_TRUE(flow->serverLost);
  EXPECT_TRUE(flow->serverLost->check<error::ConnectionDone>())
      << flow->serverLost->getErrorMessage();
  port->stopListening();
}

// Writes `size` bytes of the pattern and loseConnection at once: before the
// handshake (queued in the TLS layer) or after it (in the transport's buffer).
class BigWriter : public Protocol, public IHandshakeListener {
 public:
  BigWriter(std::size_t size, bool early) : size_(size), early_(early) {}
  void connectionMade() override {
    if (early_) writeAndClose();
  }
  void handshakeCompleted() override {
    if (!early_) writeAndClose();
  }

 private:
  void writeAndClose() {
    std::string data;
    data.reserve(size_);
    for (std::size_t off = 0; off < size_; off += 1 << 20)
      data.append(patternAt(off, std::min<std::size_t>(1 << 20, size_ - off)));
    transport->write(data);
    transport->loseConnection();
  }
  std::size_t size_;
  bool early_;
};

TEST_P(TLSTest, LoseConnectionDeliversALargePendingWrite) {
  for (bool early : {false, true}) {
    const std::size_t size = 16u << 20;
    auto port = r->listenSSL(0, std::make_shared<FactoryFn>([size, early] {
                               return std::make_unique<BigWriter>(size, early);
                             }),
                             serverOptions(), 50, "127.0.0.1");
    auto flow = std::make_shared<Flow>();
    class Reader : public Protocol {
     public:
      explicit Reader(std::shared_ptr<Flow> f) : flow_(std::move(f)) {}
      void dataReceived(std::string_view d) override {
        if (patternAt(flow_->received, d.size()) != d) flow_->intact = false;
        flow_->received += d.size();
      }
      void connectionLost(const Failure& reason) override { flow_->clientLost = reason; }

     private:
      std::shared_ptr<Flow> flow_;
    };
    auto f = std::make_shared<ClientFactoryFn>([flow] { return std::make_unique<Reader>(flow); });
    r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                  ssl::optionsForClientTLS("localhost", caRoot()));
    spinUntil([&] { return flow->clientLost.has_value(); }, 60);
    EXPECT_EQ(flow->received, size) << (early ? "queued before the handshake" : "after it");
    EXPECT_TRUE(flow->intact);
    ASSERT_TRUE(flow->clientLost);
    EXPECT_TRUE(flow->clientLost->check<error::ConnectionDone>())
        << flow->clientLost->getErrorMessage();
    port->stopListening();
  }
}

TEST_P(TLSTest, ConnectSSLRefusedReachesClientConnectionFailed) {
  // A port that was just free: nothing listens there.
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  int number = portOf(port->getHost());
  port->stopListening();
  r->iterate(0);
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryFn>([rec] { return std::make_unique<Silent>(rec); });
  r->connectSSL("127.0.0.1", number, f, ssl::optionsForClientTLS("localhost", caRoot()));
  spinUntil([&] { return f->failed.has_value(); });
  ASSERT_TRUE(f->failed);
  EXPECT_TRUE(f->failed->check<error::ConnectionRefusedError>()) << f->failed->getErrorMessage();
  EXPECT_FALSE(f->lost);
  EXPECT_FALSE(rec->made);
}

// startTLS(options, normal=false): the side that accepted is the TLS client.
class SwappedStarter : public Protocol, public IHandshakeListener {
 public:
  SwappedStarter(std::shared_ptr<Record> rec, ssl::CertificateOptions options, bool accepted)
      : rec_(std::move(rec)), options_(std::move(options)), accepted_(accepted) {}
  void connectionMade() override {
    rec_->made = true;
    if (accepted_) return;
    // The TLS server says it and starts at once: it sends nothing until the
    // ClientHello (the other way round, the ClientHello could arrive in the
    // same read as a "GO", before the protocol started TLS).
    transport->write("STARTTLS\r\n");
    start();
    transport->write("hello");
  }
  void dataReceived(std::string_view d) override {
    if (tls_) {
      rec_->received.append(d);
      if (accepted_)
        transport->write(d);
      else if (rec_->received.size() >= 5)
        transport->loseConnection();
      return;
    }
    plain_.append(d);
    if (accepted_ && plain_ == "STARTTLS\r\n") start();
  }
  void handshakeCompleted() override {
    rec_->handshake = true;
    rec_->peer = dynamic_cast<ISSLTransport*>(transport)->getPeerCertificate();
  }
  void connectionLost(const Failure& reason) override { rec_->lost = reason; }

 private:
  void start() {
    dynamic_cast<ITLSTransport*>(transport)->startTLS(options_, /*normal=*/false);
    tls_ = true;
  }
  std::shared_ptr<Record> rec_;
  ssl::CertificateOptions options_;
  bool accepted_;
  std::string plain_;
  bool tls_ = false;
};

TEST_P(TLSTest, StartTLSWithTheRolesSwapped) {
  auto serverRec = std::make_shared<Record>();
  // The accepting side verifies the connecting side's certificate.
  auto asClient = ssl::optionsForClientTLS("localhost", caRoot());
  auto port = r->listenTCP(0, std::make_shared<FactoryFn>([serverRec, asClient] {
                             return std::make_unique<SwappedStarter>(serverRec, asClient, true);
                           }),
                           50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto asServer = serverOptions();
  auto f = std::make_shared<ClientFactoryFn>(
      [rec, asServer] { return std::make_unique<SwappedStarter>(rec, asServer, false); });
  r->connectTCP("127.0.0.1", portOf(port->getHost()), f);
  spinUntil([&] { return rec->lost.has_value() && serverRec->lost.has_value(); });
  EXPECT_TRUE(rec->handshake);
  EXPECT_TRUE(serverRec->handshake);
  // The accepting side saw the connecting side's certificate.
  ASSERT_TRUE(serverRec->peer);
  EXPECT_EQ(serverRec->peer->getSubject().commonName, "localhost");
  EXPECT_EQ(serverRec->received, "hello");
  EXPECT_EQ(rec->received, "hello");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  port->stopListening();
}

TEST_P(TLSTest, TLSMemoryBIOFactoryOverUnixSockets) {
  char tmpl[] = "/tmp/twistedcpp-tlsunix-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/sock";
  auto port = r->listenUNIX(path, std::make_shared<tls::TLSMemoryBIOFactory>(
                                      serverOptions(), false, Factory::forProtocol<Echo>()));
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryOf>(rec, "TLS over a Unix socket");
  r->connectUNIX(path, std::make_shared<tls::TLSMemoryBIOFactory>(
                           ssl::optionsForClientTLS("localhost", caRoot()), true, f));
  spinUntil([&] { return rec->lost.has_value() && f->lost.has_value(); });
  EXPECT_TRUE(rec->handshake);
  EXPECT_EQ(rec->received, "TLS over a Unix socket");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionDone>()) << rec->lost->getErrorMessage();
  ASSERT_TRUE(f->lost);
  EXPECT_TRUE(f->lost->check<error::ConnectionDone>()) << f->lost->getErrorMessage();
  port->stopListening();
  r->iterate(0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// After the handshake, writes and closes the TCP connection under its TLS
// layer: no close_notify.
class Truncator : public Protocol, public IHandshakeListener {
 public:
  void handshakeCompleted() override {
    transport->write("cut short");
    auto* tlsLayer = dynamic_cast<tls::TLSMemoryBIOProtocol*>(transport);
    ASSERT_NE(tlsLayer, nullptr);
    tlsLayer->transport->loseConnection();
  }
};

TEST_P(TLSTest, TCPClosedWithoutCloseNotifyIsAConnectionLost) {
  auto port = r->listenSSL(0, Factory::forProtocol<Truncator>(), serverOptions(), 50, "127.0.0.1");
  auto rec = std::make_shared<Record>();
  auto f = std::make_shared<ClientFactoryFn>([rec] { return std::make_unique<Silent>(rec); });
  r->connectSSL("127.0.0.1", portOf(port->getHost()), f,
                ssl::optionsForClientTLS("localhost", caRoot()));
  spinUntil([&] { return rec->lost.has_value() && f->lost.has_value(); });
  EXPECT_EQ(rec->received, "cut short");
  ASSERT_TRUE(rec->lost);
  EXPECT_TRUE(rec->lost->check<error::ConnectionLost>()) << rec->lost->getErrorMessage();
  EXPECT_NE(rec->lost->getErrorMessage().find("close_notify"), std::string::npos)
      << rec->lost->getErrorMessage();
  ASSERT_TRUE(f->lost);
  EXPECT_TRUE(f->lost->check<error::ConnectionLost>()) << f->lost->getErrorMessage();
  port->stopListening();
}

TWISTED_INSTANTIATE_BACKENDS(TLSTest);

}  // namespace
