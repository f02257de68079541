// The file handling of the "ssl" server and "tls" client description types
// (detail/tls_files.h): one file with both, separate files, an extra chain;
// every bad file is a CertificateError naming it. And resolveInterface.
#include <twisted/internet/endpoints/detail/tls_files.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "internet/ssl/test_pki.h"

namespace {

namespace detail = twisted::internet::endpoints::detail;

struct TLSServerFiles {
  std::string privateKey, certKey, extraCertChain;
};

// serverTLSOptions reads the files: one file with both, separate files, an
// extra chain; every bad file is a CertificateError naming it.
class TLSFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/endpoint-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    test_pki::CA ca;
    test_pki::CA mid = ca.intermediate("Mid CA");
    leaf = mid.issue();
    test_pki::writeFile(dir + "/both.pem", leaf.bothPEM());
    test_pki::writeFile(dir + "/key.pem", leaf.keyPEM);
    test_pki::writeFile(dir + "/cert.pem", leaf.certPEM);
    test_pki::writeFile(dir + "/chain.pem", mid.root.certPEM);
    test_pki::writeFile(dir + "/other-key.pem", test_pki::CA().issue().keyPEM);
    test_pki::writeFile(dir + "/garbage.pem", "not a PEM file\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string message(const TLSServerFiles& files) {
    try {
      detail::serverTLSOptions(files.privateKey, files.certKey, files.extraCertChain);
    } catch (const twisted::internet::ssl::CertificateError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no CertificateError";
    return {};
  }

  std::string dir;
  test_pki::Issued leaf;
};

TEST_F(TLSFilesTest, GoodFiles) {
  auto serverTLSOptions = [](const TLSServerFiles& f) {
    return detail::serverTLSOptions(f.privateKey, f.certKey, f.extraCertChain);
  };
  auto both = serverTLSOptions({dir + "/both.pem", dir + "/both.pem", ""});
  ASSERT_TRUE(both.args().certificate);
  EXPECT_EQ(both.args().certificate->dumpPEM().substr(0, leaf.certPEM.size()), leaf.certPEM);
  EXPECT_TRUE(both.args().extraCertChain.empty());
  auto split = serverTLSOptions({dir + "/key.pem", dir + "/cert.pem", dir + "/chain.pem"});
  ASSERT_EQ(split.args().extraCertChain.size(), 1u);
  EXPECT_EQ(split.args().extraCertChain[0].getSubject().commonName, "Mid CA");
}

TEST_F(TLSFilesTest, BadFilesNameTheFile) {
  std::string m = message({dir + "/missing.pem", dir + "/missing.pem", ""});
  EXPECT_NE(m.find("missing.pem"), std::string::npos) << m;
  m = message({dir + "/key.pem", dir + "/garbage.pem", ""});
  EXPECT_NE(m.find("garbage.pem"), std::string::npos) << m;
  m = message({dir + "/garbage.pem", dir + "/cert.pem", ""});
  EXPECT_NE(m.find("garbage.pem"), std::string::npos) << m;
  m = message({dir + "/other-key.pem", dir + "/cert.pem", ""});
  EXPECT_NE(m.find("other-key.pem"), std::string::npos) << m;
  m = message({dir + "/key.pem", dir + "/cert.pem", dir + "/nope.pem"});
  EXPECT_NE(m.find("nope.pem"), std::string::npos) << m;
  m = message({dir + "/key.pem", dir + "/cert.pem", dir + "/garbage.pem"});
  EXPECT_NE(m.find("garbage.pem"), std::string::npos) << m;
  // Each message is one line.
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST_F(TLSFilesTest, ClientTLSOptions) {
  auto o = detail::clientTLSOptions("localhost", dir + "/chain.pem", "", "");
  EXPECT_EQ(o.args().hostname, "localhost");
  ASSERT_TRUE(o.args().trustRoot);
  EXPECT_FALSE(o.args().certificate);
  auto mine = detail::clientTLSOptions("localhost", "", dir + "/cert.pem", dir + "/key.pem");
  ASSERT_TRUE(mine.args().certificate);
  EXPECT_TRUE(detail::clientTLSOptions("localhost", "", dir + "/both.pem", "").args().certificate);
  try {
    detail::clientTLSOptions("localhost", dir + "/nope", "", "");
    ADD_FAILURE() << "a missing trust root was accepted";
  } catch (const twisted::internet::ssl::CertificateError& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
  try {
    detail::clientTLSOptions("localhost", "", dir + "/cert.pem", dir + "/other-key.pem");
    ADD_FAILURE() << "a mismatched key was accepted";
  } catch (const twisted::internet::ssl::CertificateError& e) {
    EXPECT_NE(std::string(e.what()).find("other-key.pem"), std::string::npos) << e.what();
  }
}

// A host name is resolved to its IPv4 address, as Twisted's listenTCP does;
// literals and "" stay as they are.
TEST(ResolveInterfaceTest, ResolvesHostNames) {
  using detail::resolveInterface;
  EXPECT_EQ(resolveInterface("localhost", 80), "127.0.0.1");
  EXPECT_EQ(resolveInterface("", 80), "");
  EXPECT_EQ(resolveInterface("127.0.0.1", 80), "127.0.0.1");
  EXPECT_EQ(resolveInterface("::1", 80), "::1");
}

}  // namespace
