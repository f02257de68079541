// Certificates, keys, trust roots and CertificateOptions without a network:
// PEM round trips, names, fingerprints, the loading errors, and the option
// checks. Mirrors the certificate parts of twisted/test/test_sslverify.py.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <stdexcept>
#include <string>

#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>

#include "internet/ssl/test_pki.h"
#include "internet/ssl/tls_pair.h"

namespace {

using namespace twisted::internet;
using tls_pair::Pair;

// Runs `f` and returns the CertificateError's message ("" if none thrown).
template <class F>
std::string certificateErrorOf(F f) {
  try {
    f();
  } catch (const ssl::CertificateError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class CertificatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca = new test_pki::CA("certificates test CA");
    leaf = new test_pki::Issued(ca->issue());
  }
  static void TearDownTestSuite() {
    delete leaf;
    delete ca;
  }
  void SetUp() override {
    char tmpl[] = "/tmp/twistedcpp-certs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string path(const std::string& name) const { return dir + "/" + name; }
  ssl::TrustRoot caRoot() const {
    return ssl::trustRootFromCertificates({ssl::Certificate::loadPEM(ca->root.certPEM)});
  }
  ssl::CertificateOptions serverWith(const test_pki::Issued& issued) const {
    ssl::CertificateOptions::Args a;
    a.certificate = ssl::PrivateCertificate::loadPEM(issued.bothPEM());
    return ssl::CertificateOptions(std::move(a));
  }

  static test_pki::CA* ca;
  static test_pki::Issued* leaf;
  std::string dir;
};
test_pki::CA* CertificatesTest::ca = nullptr;
test_pki::Issued* CertificatesTest::leaf = nullptr;

// A handshake in memory; returns the client's failure message ("" if the
// handshake succeeded on both sides).
std::string handshake(const ssl::CertificateOptions& server,
                      const ssl::CertificateOptions& client) {
  Pair p(server, client);
  p.connect();
  p.flush();
  if (p.client->handshakes == 1 && p.server->handshakes == 1 && !p.client->lost) return "";
  return p.client->why();
}

// --- Certificate -----------------------------------------------------------

TEST_F(CertificatesTest, CertificatePEMRoundTrip) {
  auto cert = ssl::Certificate::loadPEM(leaf->certPEM);
  EXPECT_EQ(cert.dumpPEM(), leaf->certPEM);
  auto again = ssl::Certificate::loadPEM(cert.dumpPEM());
  EXPECT_TRUE(again == cert);
  EXPECT_EQ(again.digest(), cert.digest());
  // Another certificate is another certificate.
  auto other = ssl::Certificate::loadPEM(ca->issue().certPEM);
  EXPECT_FALSE(other == cert);
  EXPECT_NE(other.digest(), cert.digest());
}

TEST_F(CertificatesTest, SubjectIssuerAndNames) {
  test_pki::Spec spec;
  spec.commonName = "www.example.org";
  spec.dnsNames = {"www.example.org", "example.org", "*.example.net"};
  spec.ipAddresses = {"192.0.2.7"};
  auto cert = ssl::Certificate::loadPEM(ca->issue(spec).certPEM);
  auto subject = cert.getSubject();
  EXPECT_EQ(subject.commonName, "www.example.org");
  EXPECT_EQ(subject.organizationName, "twistedcpp tests");
  EXPECT_EQ(subject.organizationalUnitName, "");
  EXPECT_EQ(subject.countryName, "");
  EXPECT_TRUE(contains(subject.text, "CN=www.example.org")) << subject.text;
  EXPECT_TRUE(contains(subject.text, "O=twistedcpp tests")) << subject.text;
  EXPECT_EQ(cert.getIssuer().commonName, "certificates test CA");
  // IP addresses are not DNS names.
  EXPECT_EQ(cert.dnsNames(),
            (std::vector<std::string>{"www.example.org", "example.org", "*.example.net"}));
  EXPECT_TRUE(std::regex_match(cert.serialNumber(), std::regex("[0-9]+"))) << cert.serialNumber();
  // A CA has no subjectAltName.
  EXPECT_TRUE(ssl::Certificate::loadPEM(ca->root.certPEM).dnsNames().empty());
}

TEST_F(CertificatesTest, DigestIsTheSHA256Fingerprint) {
  auto cert = ssl::Certificate::loadPEM(leaf->certPEM);
  const std::string d = cert.digest();
  EXPECT_TRUE(std::regex_match(d, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}"))) << d;
  // The same as OpenSSL computes from the PEM text on its own.
  BIO* b = BIO_new_mem_buf(leaf->certPEM.data(), static_cast<int>(leaf->certPEM.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  ASSERT_NE(x, nullptr);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(x, EVP_sha256(), md, &n);
  X509_free(x);
  BIO_free(b);
  std::string expected;
  for (unsigned int i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, i ? ":%02X" : "%02X", md[i]);
    expected += hex;
  }
  EXPECT_EQ(d, expected);
}

TEST_F(CertificatesTest, LoadPEMChainKeepsTheOrder) {
  auto inter = ca->intermediate("chain intermediate");
  auto leaf2 = inter.issue();
  auto chain = ssl::Certificate::loadPEMChain(leaf2.certPEM + inter.root.certPEM);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].getSubject().commonName, "localhost");
  EXPECT_EQ(chain[1].getSubject().commonName, "chain intermediate");
  EXPECT_EQ(chain[1].getIssuer().commonName, "certificates test CA");
  // loadPEM takes the first of them.
  EXPECT_TRUE(ssl::Certificate::loadPEM(leaf2.certPEM + inter.root.certPEM) == chain[0]);
}

TEST_F(CertificatesTest, CertificateLoadFile) {
  test_pki::writeFile(path("leaf.pem"), leaf->certPEM);
  EXPECT_TRUE(ssl::Certificate::loadFile(path("leaf.pem")) ==
              ssl::Certificate::loadPEM(leaf->certPEM));
}

TEST_F(CertificatesTest, GarbageIsNotACertificate) {
  EXPECT_THROW(ssl::Certificate::loadPEM(""), ssl::CertificateError);
  auto msg = certificateErrorOf([] { ssl::Certificate::loadPEM("hello, I am not a certificate"); });
  EXPECT_TRUE(contains(msg, "no PEM certificate")) << msg;
  // A PEM frame around a corrupt body.
  EXPECT_THROW(ssl::Certificate::loadPEM(
                   "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n"),
               ssl::CertificateError);
  // A truncated certificate.
  std::string truncated =
      leaf->certPEM.substr(0, leaf->certPEM.size() / 2) + "\n-----END CERTIFICATE-----\n";
  EXPECT_THROW(ssl::Certificate::loadPEM(truncated), ssl::CertificateError);
  // A key is not a certificate.
  EXPECT_THROW(ssl::Certificate::loadPEM(leaf->keyPEM), ssl::CertificateError);
  EXPECT_THROW(ssl::Certificate::loadPEMChain("garbage"), ssl::CertificateError);
}

TEST_F(CertificatesTest, MissingFilesAreNamed) {
  const std::string missing = path("no-such-file.pem");
  auto msg = certificateErrorOf([&] { ssl::Certificate::loadFile(missing); });
  EXPECT_TRUE(contains(msg, missing)) << msg;
  msg = certificateErrorOf([&] { ssl::KeyPair::loadFile(missing); });
  EXPECT_TRUE(contains(msg, missing)) << msg;
  EXPECT_TRUE(contains(msg, "private key")) << msg;
  // A file that holds no certificate is named too.
  test_pki::writeFile(path("junk.pem"), "junk");
  msg = certificateErrorOf([&] { ssl::Certificate::loadFile(path("junk.pem")); });
  EXPECT_TRUE(contains(msg, path("junk.pem"))) << msg;
  msg = certificateErrorOf([&] { ssl::KeyPair::loadFile(path("junk.pem")); });
  EXPECT_TRUE(contains(msg, path("junk.pem"))) << msg;
}

// --- KeyPair, PrivateCertificate ----------------------------------------------

TEST_F(CertificatesTest, KeyPairPEMRoundTrip) {
  for (const char* type : {"EC", "RSA"}) {
    test_pki::Spec spec;
    spec.keyType = type;
    auto issued = ca->issue(spec);
    auto key = ssl::KeyPair::load(issued.keyPEM);
    EXPECT_EQ(key.dump(), issued.keyPEM) << type;  // both PKCS#8
    EXPECT_EQ(ssl::KeyPair::load(key.dump()).dump(), key.dump()) << type;
    test_pki::writeFile(path("key.pem"), issued.keyPEM);
    EXPECT_EQ(ssl::KeyPair::loadFile(path("key.pem")).dump(), issued.keyPEM) << type;
  }
}

TEST_F(CertificatesTest, GarbageIsNotAKey) {
  auto msg = certificateErrorOf([] { ssl::KeyPair::load("not a key"); });
  EXPECT_TRUE(contains(msg, "no PEM private key")) << msg;
  EXPECT_THROW(ssl::KeyPair::load(leaf->certPEM), ssl::CertificateError);
  EXPECT_THROW(
      ssl::KeyPair::load("-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n"),
      ssl::CertificateError);
}

TEST_F(CertificatesTest, PrivateCertificatePEMRoundTrip) {
  auto pc = ssl::PrivateCertificate::loadPEM(leaf->bothPEM());
  EXPECT_EQ(pc.dumpPEM(), leaf->certPEM + leaf->keyPEM);
  EXPECT_EQ(pc.privateKey().dump(), leaf->keyPEM);
  EXPECT_EQ(pc.getSubject().commonName, "localhost");
  auto again = ssl::PrivateCertificate::loadPEM(pc.dumpPEM());
  EXPECT_TRUE(again == pc);
  // The key may come first in the text.
  EXPECT_TRUE(ssl::PrivateCertificate::loadPEM(leaf->keyPEM + leaf->certPEM) == pc);
  auto built = ssl::PrivateCertificate::fromCertificateAndKeyPair(
      ssl::Certificate::loadPEM(leaf->certPEM), ssl::KeyPair::load(leaf->keyPEM));
  EXPECT_EQ(built.dumpPEM(), pc.dumpPEM());
}

TEST_F(CertificatesTest, KeyNotMatchingTheCertificate) {
  auto other = ca->issue();
  auto msg =
      certificateErrorOf([&] { ssl::PrivateCertificate::loadPEM(leaf->certPEM + other.keyPEM); });
  EXPECT_TRUE(contains(msg, "does not match")) << msg;
  EXPECT_TRUE(contains(msg, "CN=localhost")) << msg;
  msg = certificateErrorOf([&] {
    ssl::PrivateCertificate::fromCertificateAndKeyPair(ssl::Certificate::loadPEM(leaf->certPEM),
                                                       ssl::KeyPair::load(other.keyPEM));
  });
  EXPECT_TRUE(contains(msg, "does not match")) << msg;
  // A certificate without its key, a key without its certificate.
  EXPECT_THROW(ssl::PrivateCertificate::loadPEM(leaf->certPEM), ssl::CertificateError);
  EXPECT_THROW(ssl::PrivateCertificate::loadPEM(leaf->keyPEM), ssl::CertificateError);
}

// --- TrustRoot -------------------------------------------------------------------

TEST_F(CertificatesTest, TrustRootFromAFile) {
  test_pki::writeFile(path("ca.pem"), ca->root.certPEM);
  auto root = ssl::TrustRoot::fromPath(path("ca.pem"));
  EXPECT_EQ(handshake(serverWith(*leaf), ssl::optionsForClientTLS("localhost", root)), "");
  // Not trusted: a server from another CA.
  test_pki::CA stranger("stranger CA");
  auto msg = handshake(serverWith(stranger.issue()), ssl::optionsForClientTLS("localhost", root));
  EXPECT_TRUE(contains(msg, "unable to get local issuer certificate")) << msg;
}

TEST_F(CertificatesTest, TrustRootFromADirectory) {
  test_pki::CA second("second CA");
  std::filesystem::create_directory(path("roots"));
  test_pki::writeFile(path("roots/first.pem"), ca->root.certPEM);
  // One file with a certificate and one with nothing usable.
  test_pki::writeFile(path("roots/second.crt"), second.root.certPEM);
  test_pki::writeFile(path("roots/README"), "not a certificate");
  std::filesystem::create_directory(path("roots/subdir"));
  auto root = ssl::TrustRoot::fromPath(path("roots"));
  // Both CAs are trusted.
  EXPECT_EQ(handshake(serverWith(*leaf), ssl::optionsForClientTLS("localhost", root)), "");
  EXPECT_EQ(handshake(serverWith(second.issue()), ssl::optionsForClientTLS("localhost", root)), "");
  test_pki::CA stranger("stranger CA");
  auto msg = handshake(serverWith(stranger.issue()), ssl::optionsForClientTLS("localhost", root));
  EXPECT_TRUE(contains(msg, "unable to get local issuer certificate")) << msg;
}

TEST_F(CertificatesTest, TrustRootErrors) {
  auto msg = certificateErrorOf([&] { ssl::TrustRoot::fromPath(path("missing")); });
  EXPECT_TRUE(contains(msg, path("missing"))) << msg;
  std::filesystem::create_directory(path("empty"));
  msg = certificateErrorOf([&] { ssl::TrustRoot::fromPath(path("empty")); });
  EXPECT_TRUE(contains(msg, "no PEM certificate")) << msg;
  test_pki::writeFile(path("junk"), "junk");
  EXPECT_THROW(ssl::TrustRoot::fromPath(path("junk")), ssl::CertificateError);
  EXPECT_THROW(ssl::TrustRoot::fromCertificates({}), std::invalid_argument);
}

// --- DefaultOpenSSLContextFactory ------------------------------------------------

TEST_F(CertificatesTest, DefaultOpenSSLContextFactoryWithAChainFile) {
  auto inter = ca->intermediate("factory intermediate");
  auto issued = inter.issue();
  test_pki::writeFile(path("server.key"), issued.keyPEM);
  test_pki::writeFile(path("server.pem"), issued.certPEM + inter.root.certPEM);
  auto options = ssl::DefaultOpenSSLContextFactory(path("server.key"), path("server.pem"));
  ASSERT_TRUE(options.args().certificate);
  EXPECT_EQ(options.args().certificate->getSubject().commonName, "localhost");
  ASSERT_EQ(options.args().extraCertChain.size(), 1u);
  EXPECT_EQ(options.args().extraCertChain[0].getSubject().commonName, "factory intermediate");
  // The chain is sent: a client trusting only the root verifies it.
  EXPECT_EQ(handshake(options, ssl::optionsForClientTLS("localhost", caRoot())), "");
}

TEST_F(CertificatesTest, DefaultOpenSSLContextFactoryErrors) {
  auto other = ca->issue();
  test_pki::writeFile(path("server.key"), leaf->keyPEM);
  test_pki::writeFile(path("server.pem"), leaf->certPEM);
  test_pki::writeFile(path("other.key"), other.keyPEM);
  test_pki::writeFile(path("junk.pem"), "junk");
  auto msg = certificateErrorOf(
      [&] { ssl::DefaultOpenSSLContextFactory(path("missing.key"), path("server.pem")); });
  EXPECT_TRUE(contains(msg, path("missing.key"))) << msg;
  msg = certificateErrorOf(
      [&] { ssl::DefaultOpenSSLContextFactory(path("server.key"), path("missing.pem")); });
  EXPECT_TRUE(contains(msg, path("missing.pem"))) << msg;
  msg = certificateErrorOf(
      [&] { ssl::DefaultOpenSSLContextFactory(path("server.key"), path("junk.pem")); });
  EXPECT_TRUE(contains(msg, path("junk.pem"))) << msg;
  msg = certificateErrorOf(
      [&] { ssl::DefaultOpenSSLContextFactory(path("other.key"), path("server.pem")); });
  EXPECT_TRUE(contains(msg, "does not match")) << msg;
  EXPECT_TRUE(contains(msg, path("other.key"))) << msg;
  EXPECT_TRUE(contains(msg, path("server.pem"))) << msg;
}

// --- CertificateOptions ----------------------------------------------------------

TEST_F(CertificatesTest, MinimumAboveMaximumIsRefused) {
  ssl::CertificateOptions::Args a;
  a.minimumVersion = ssl::TLSVersion::TLSv1_3;
  a.maximumVersion = ssl::TLSVersion::TLSv1_2;
  EXPECT_THROW(ssl::CertificateOptions{a}, std::invalid_argument);
  // Equal is fine.
  a.maximumVersion = ssl::TLSVersion::TLSv1_3;
  EXPECT_NO_THROW(ssl::CertificateOptions{a});
}

TEST_F(CertificatesTest, BadALPNNamesAreRefused) {
  ssl::CertificateOptions::Args a;
  a.acceptableProtocols = {"h2", ""};
  EXPECT_THROW(ssl::CertificateOptions{a}, std::invalid_argument);
  a.acceptableProtocols = {std::string(256, 'x')};
  EXPECT_THROW(ssl::CertificateOptions{a}, std::invalid_argument);
  a.acceptableProtocols = {std::string(255, 'x'), "http/1.1"};
  EXPECT_NO_THROW(ssl::CertificateOptions{a});
  EXPECT_THROW(ssl::optionsForClientTLS("localhost", caRoot(), std::nullopt, {""}),
               std::invalid_argument);
}

TEST_F(CertificatesTest, ExtraCertChainNeedsACertificate) {
  ssl::CertificateOptions::Args a;
  a.extraCertChain = {ssl::Certificate::loadPEM(ca->root.certPEM)};
  EXPECT_THROW(ssl::CertificateOptions{a}, std::invalid_argument);
}

TEST_F(CertificatesTest, UnusableCipherListIsRefused) {
  ssl::CertificateOptions::Args a;
  a.acceptableCiphers = "NO-SUCH-CIPHER";
  EXPECT_THROW(ssl::CertificateOptions{a}, std::invalid_argument);
}

TEST_F(CertificatesTest, OptionsForClientTLSNeedsAHostname) {
  EXPECT_THROW(ssl::optionsForClientTLS(""), std::invalid_argument);
  auto options = ssl::optionsForClientTLS("example.com");
  EXPECT_EQ(options.args().hostname, "example.com");
  EXPECT_TRUE(options.args().trustRoot.has_value());  // the platform's
  EXPECT_FALSE(options.args().insecurelySkipVerification);
}

// A verifying client must know whom to expect: without a hostname any
// certificate from a trusted CA would do. Refused when the client side is
// made, not at the first connection.
TEST_F(CertificatesTest, ClientOptionsWithoutAHostnameAreRefusedForTheClientRole) {
  ssl::CertificateOptions::Args a;
  a.trustRoot = ssl::TrustRoot::platform();
  ssl::CertificateOptions noHost(a);
  auto wrapped = std::make_shared<Factory>();
  wrapped->setProtocol<Protocol>();
  try {
    tls::TLSMemoryBIOFactory f(noHost, true, wrapped);
    ADD_FAILURE() << "a client factory without a hostname was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("optionsForClientTLS"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tls::TLSMemoryBIOProtocol(noHost, true, std::make_unique<Protocol>()),
               std::invalid_argument);
  // The server role, and a client that skips verification loudly, are fine.
  EXPECT_NO_THROW(tls::TLSMemoryBIOFactory(noHost, false, wrapped));
  ssl::CertificateOptions::Args insecure;
  insecure.insecurelySkipVerification = true;
  EXPECT_NO_THROW(tls::TLSMemoryBIOFactory(ssl::CertificateOptions(insecure), true, wrapped));
}

TEST_F(CertificatesTest, OptionsKeepTheirArguments) {
  ssl::CertificateOptions::Args a;
  a.certificate = ssl::PrivateCertificate::loadPEM(leaf->bothPEM());
  a.acceptableProtocols = {"h2", "http/1.1"};
  a.enableSessions = true;
  ssl::CertificateOptions options(a);
  ssl::CertificateOptions copy = options;  // shared, cheap
  EXPECT_EQ(copy.data(), options.data());
  EXPECT_EQ(copy.args().acceptableProtocols, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_TRUE(copy.args().enableSessions);
  EXPECT_EQ(copy.args().minimumVersion, ssl::TLSVersion::TLSv1_2);
  EXPECT_EQ(copy.args().maximumVersion, ssl::TLSVersion::TLSv1_3);
}

}  // namespace
