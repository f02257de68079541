// `twist --listen`: the server endpoint syntax (a subset of
// twisted.internet.endpoints.serverFromString; cases after Twisted's
// test_endpoints.py ServerStringTests).
#include <gtest/gtest.h>

#include <string>

#include "endpoint.h"

namespace {

using twisted::twist::EndpointParseError;
using twisted::twist::parseServerEndpoint;
using twisted::twist::TCPServerEndpoint;
using twisted::twist::toString;

TEST(ServerEndpointTest, PortOnly) {
  EXPECT_EQ(parseServerEndpoint("tcp:8123"), (TCPServerEndpoint{8123, "", 50}));
  EXPECT_EQ(parseServerEndpoint("tcp:0"), (TCPServerEndpoint{0, "", 50}));
  EXPECT_EQ(parseServerEndpoint("tcp:65535").port, 65535);
}

TEST(ServerEndpointTest, KeywordsAndPositionals) {
  EXPECT_EQ(parseServerEndpoint("tcp:80:interface=127.0.0.1"),
            (TCPServerEndpoint{80, "127.0.0.1", 50}));
  EXPECT_EQ(parseServerEndpoint("tcp:port=80:backlog=7:interface=10.0.0.1"),
            (TCPServerEndpoint{80, "10.0.0.1", 7}));
  // Twisted's _parseTCP(factory, port, interface, backlog) order.
  EXPECT_EQ(parseServerEndpoint("tcp:80:127.0.0.1:9"), (TCPServerEndpoint{80, "127.0.0.1", 9}));
  EXPECT_EQ(parseServerEndpoint("tcp:80:interface="), (TCPServerEndpoint{80, "", 50}));
}

TEST(ServerEndpointTest, BackslashEscapesIPv6Colons) {
  EXPECT_EQ(parseServerEndpoint(R"(tcp:80:interface=\:\:1)"), (TCPServerEndpoint{80, "::1", 50}));
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
