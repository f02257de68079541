// TLS over real loopback TCP, on every backend: listenSSL/connectSSL, the
// handshake, verification failures, close_notify.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>

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

TWISTED_INSTANTIATE_BACKENDS(TLSTest);

}  // namespace
