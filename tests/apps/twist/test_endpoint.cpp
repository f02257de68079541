// `twist --listen`: the server endpoint syntax (a subset of
// twisted.internet.endpoints.serverFromString; cases after Twisted's
// test_endpoints.py ServerStringTests).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <twisted/internet/ssl.h>

#include "endpoint.h"
#include "internet/ssl/test_pki.h"

namespace {

using twisted::twist::EndpointParseError;
using twisted::twist::parseServerEndpoint;
using twisted::twist::ServerEndpoint;
using twisted::twist::TCPServerEndpoint;
using twisted::twist::TLSServerFiles;
using twisted::twist::toString;

TEST(ServerEndpointTest, PortOnly) {
  EXPECT_EQ(parseServerEndpoint("tcp:8123"), (TCPServerEndpoint{8123, "", 50, {}}));
  EXPECT_EQ(parseServerEndpoint("tcp:0"), (TCPServerEndpoint{0, "", 50, {}}));
  EXPECT_EQ(parseServerEndpoint("tcp:65535").port, 65535);
}

TEST(ServerEndpointTest, KeywordsAndPositionals) {
  EXPECT_EQ(parseServerEndpoint("tcp:80:interface=127.0.0.1"),
            (TCPServerEndpoint{80, "127.0.0.1", 50, {}}));
  EXPECT_EQ(parseServerEndpoint("tcp:port=80:backlog=7:interface=10.0.0.1"),
            (TCPServerEndpoint{80, "10.0.0.1", 7, {}}));
  // Twisted's _parseTCP(factory, port, interface, backlog) order.
  EXPECT_EQ(parseServerEndpoint("tcp:80:127.0.0.1:9"), (TCPServerEndpoint{80, "127.0.0.1", 9, {}}));
  EXPECT_EQ(parseServerEndpoint("tcp:80:interface="), (TCPServerEndpoint{80, "", 50, {}}));
}

TEST(ServerEndpointTest, BackslashEscapesIPv6Colons) {
  EXPECT_EQ(parseServerEndpoint(R"(tcp:80:interface=\:\:1)"),
            (TCPServerEndpoint{80, "::1", 50, {}}));
  EXPECT_EQ(parseServerEndpoint("tcp6:80").interface, "::");
  EXPECT_EQ(parseServerEndpoint(R"(tcp6:80:interface=\:\:1)").interface, "::1");
}

TEST(ServerEndpointTest, ToStringRoundTrips) {
  for (const char* d :
       {"tcp:8123", "tcp:80:interface=127.0.0.1", R"(tcp:80:interface=\:\:1)", "tcp:1:backlog=5"}) {
    EXPECT_EQ(toString(parseServerEndpoint(d)), d);
    EXPECT_EQ(parseServerEndpoint(toString(parseServerEndpoint(d))), parseServerEndpoint(d));
  }
}

// Each bad description fails with a message naming the problem.
void expectError(const std::string& description, const std::string& fragment) {
  try {
    parseServerEndpoint(description);
    ADD_FAILURE() << description << " parsed";
  } catch (const EndpointParseError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    EXPECT_NE(what.find("expected tcp:PORT"), std::string::npos) << what;
  }
}

TEST(ServerEndpointTest, Errors) {
  expectError("", "empty");
  expectError("8123", "did you mean tcp:8123?");
  expectError("udp:53", "unknown endpoint type 'udp'");
  expectError("tcp", "port is missing");
  expectError("tcp:", "port '' is not an integer");
  expectError("tcp:http", "port 'http' is not an integer");
  expectError("tcp:65536", "from 0 to 65535");
  expectError("tcp:-1", "port '-1'");
  expectError("tcp:80x", "port '80x'");
  expectError("tcp:80:backlog=0", "backlog '0'");
  expectError("tcp:80:foo=1", "unknown parameter 'foo'");
  expectError("tcp:80:port=81", "port is given twice");
  expectError("tcp:80:a:1:extra", "too many fields");
  expectError("tcp:80\\", "lone backslash");
  expectError("port=80", "must start with the endpoint type");
}

// ssl: Twisted's "ssl" endpoint (_parseSSL): positional port, privateKey,
// certKey; certKey defaults to privateKey.
TEST(ServerEndpointTest, SSL) {
  EXPECT_EQ(parseServerEndpoint("ssl:8443:privateKey=server.pem"),
            (ServerEndpoint{8443, "", 50, TLSServerFiles{"server.pem", "server.pem", ""}}));
  EXPECT_EQ(parseServerEndpoint("ssl:8443:privateKey=k.pem:certKey=c.pem:interface=127.0.0.1:"
                                "backlog=5:extraCertChain=chain.pem"),
            (ServerEndpoint{8443, "127.0.0.1", 5, TLSServerFiles{"k.pem", "c.pem", "chain.pem"}}));
  EXPECT_EQ(parseServerEndpoint("ssl:port=0:certKey=c.pem:privateKey=k.pem"),
            (ServerEndpoint{0, "", 50, TLSServerFiles{"k.pem", "c.pem", ""}}));
  // Positionals in _parseSSL's order; a path with ':' escaped.
  EXPECT_EQ(parseServerEndpoint(R"(ssl:443:/etc/k\:1.pem:/etc/c.pem)"),
            (ServerEndpoint{443, "", 50, TLSServerFiles{"/etc/k:1.pem", "/etc/c.pem", ""}}));
  EXPECT_EQ(parseServerEndpoint(R"(ssl:443:privateKey=k.pem:interface=\:\:1)").interface, "::1");
  EXPECT_FALSE(parseServerEndpoint("tcp:443").tls);
}

TEST(ServerEndpointTest, SSLToStringRoundTrips) {
  for (const char* d : {"ssl:8443:privateKey=server.pem", "ssl:1:privateKey=k.pem:certKey=c.pem",
                        R"(ssl:1:privateKey=a\:b.pem:extraCertChain=x.pem:interface=127.0.0.1)",
                        "ssl:0:privateKey=k.pem:backlog=9"}) {
    EXPECT_EQ(toString(parseServerEndpoint(d)), d);
  }
}

TEST(ServerEndpointTest, SSLErrors) {
  expectError("ssl:8443", "privateKey is missing");
  expectError("ssl:8443:privateKey=", "privateKey is missing");
  expectError("ssl:privateKey=k.pem", "port is missing");
  expectError("ssl:8443:privateKey=k.pem:sslmethod=TLSv1_METHOD", "sslmethod is not supported");
  expectError("ssl:8443:privateKey=k.pem:dhParameters=dh.pem", "dhParameters is not supported");
  expectError("ssl:8443:privateKey=k.pem:cert=c.pem", "unknown parameter 'cert'");
  expectError("ssl:8443:k.pem:c.pem:SSLv23_METHOD", "too many fields");
  expectError("ssl:8443:k.pem:privateKey=k.pem", "privateKey is given twice");
  expectError("ssl:99999:privateKey=k.pem", "from 0 to 65535");
  expectError("tcp:80:privateKey=k.pem", "unknown parameter 'privateKey'");
  expectError("tls:443", "unknown endpoint type 'tls' (supported: tcp, tcp6, ssl)");
  // The message names the ssl: syntax too.
  try {
    parseServerEndpoint("ssl:1");
  } catch (const EndpointParseError& e) {
    EXPECT_NE(std::string(e.what()).find("ssl:PORT:privateKey=KEY.pem"), std::string::npos);
  }
}

// serverTLSOptions reads the files: one file with both, separate files, an
// extra chain; every bad file is a CertificateError naming it.
class TLSFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/twist-tls-XXXXXX";
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
      twisted::twist::serverTLSOptions(files);
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
  using twisted::twist::serverTLSOptions;
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

// Client endpoints: tcp: and tls: (Twisted's clientFromString grammar).
TEST(ClientEndpointTest, ParsesTCPAndTLS) {
  using twisted::twist::ClientEndpoint;
  using twisted::twist::parseClientEndpoint;
  ClientEndpoint tcp = parseClientEndpoint("tcp:example.com:80");
  EXPECT_EQ(tcp.host, "example.com");
  EXPECT_EQ(tcp.port, 80);
  EXPECT_EQ(tcp.timeout, 30);
  EXPECT_FALSE(tcp.tls);
  EXPECT_EQ(parseClientEndpoint("tcp:host=example.com:port=80:timeout=5").timeout, 5);
  EXPECT_EQ(parseClientEndpoint("tcp:\\:\\:1:8080").host, "::1");
  ClientEndpoint tls =
      parseClientEndpoint("tls:example.com:443:trustRoots=/ca:certificate=c.pem:privateKey=k.pem");
  ASSERT_TRUE(tls.tls);
  EXPECT_EQ(tls.tls->trustRoots, "/ca");
  EXPECT_EQ(tls.tls->certificate, "c.pem");
  EXPECT_EQ(tls.tls->privateKey, "k.pem");
  ClientEndpoint bare = parseClientEndpoint("tls:example.com:443");
  ASSERT_TRUE(bare.tls);
  EXPECT_TRUE(bare.tls->trustRoots.empty());  // the platform's store
  for (const char* d : {"tcp:example.com:80", "tls:example.com:443:timeout=5:trustRoots=/ca\\:x",
                        "tcp:\\:\\:1:8080"})
    EXPECT_EQ(toString(parseClientEndpoint(d)), d);
}

TEST(ClientEndpointTest, Errors) {
  using twisted::twist::parseClientEndpoint;
  auto error = [](const char* d) -> std::string {
    try {
      parseClientEndpoint(d);
    } catch (const EndpointParseError& e) {
      return e.what();
    }
    ADD_FAILURE() << d << " parsed";
    return {};
  };
  EXPECT_NE(error("").find("it is empty"), std::string::npos);
  EXPECT_NE(error("ssl:example.com:443").find("unknown endpoint type 'ssl'"), std::string::npos);
  EXPECT_NE(error("tcp:example.com").find("port is missing"), std::string::npos);
  EXPECT_NE(error("tcp::80").find("host is missing"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:0").find("from 1 to 65535"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:80:x").find("too many fields"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:80:trustRoots=/ca").find("unknown parameter 'trustRoots'"),
            std::string::npos);
  EXPECT_NE(error("tls:example.com:443:privateKey=k.pem").find("privateKey without certificate"),
            std::string::npos);
  EXPECT_NE(error("tls:example.com:443:port=1").find("port is given twice"), std::string::npos);
  EXPECT_NE(error("tls:a:1:timeout=0").find("timeout"), std::string::npos);
  EXPECT_NE(error("tls:a:1\\").find("lone backslash"), std::string::npos);
  // The message names the client syntax.
  EXPECT_NE(error("tls:a").find("tls:HOST:PORT"), std::string::npos);
}

TEST_F(TLSFilesTest, ClientTLSOptions) {
  using twisted::twist::clientTLSOptions;
  using twisted::twist::parseClientEndpoint;
  auto o =
      clientTLSOptions(parseClientEndpoint("tls:localhost:443:trustRoots=" + dir + "/chain.pem"));
  EXPECT_EQ(o.args().hostname, "localhost");
  ASSERT_TRUE(o.args().trustRoot);
  EXPECT_FALSE(o.args().certificate);
  auto mine = clientTLSOptions(parseClientEndpoint("tls:localhost:443:certificate=" + dir +
                                                   "/cert.pem:privateKey=" + dir + "/key.pem"));
  ASSERT_TRUE(mine.args().certificate);
  EXPECT_TRUE(
      clientTLSOptions(parseClientEndpoint("tls:localhost:443:certificate=" + dir + "/both.pem"))
          .args()
          .certificate);
  try {
    clientTLSOptions(parseClientEndpoint("tls:localhost:443:trustRoots=" + dir + "/nope"));
    ADD_FAILURE() << "a missing trust root was accepted";
  } catch (const twisted::internet::ssl::CertificateError& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
  try {
    clientTLSOptions(parseClientEndpoint("tls:localhost:443:certificate=" + dir +
                                         "/cert.pem:privateKey=" + dir + "/other-key.pem"));
    ADD_FAILURE() << "a mismatched key was accepted";
  } catch (const twisted::internet::ssl::CertificateError& e) {
    EXPECT_NE(std::string(e.what()).find("other-key.pem"), std::string::npos) << e.what();
  }
}

// A host name is resolved to its IPv4 address, as Twisted's listenTCP does;
// literals and "" stay as they are.
TEST(ResolveInterfaceTest, ResolvesHostNames) {
  using twisted::twist::resolveInterface;
  EXPECT_EQ(resolveInterface("localhost", 80), "127.0.0.1");
  EXPECT_EQ(resolveInterface("", 80), "");
  EXPECT_EQ(resolveInterface("127.0.0.1", 80), "127.0.0.1");
  EXPECT_EQ(resolveInterface("::1", 80), "::1");
}

}  // namespace
