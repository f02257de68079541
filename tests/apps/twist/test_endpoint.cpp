// `twist portforward --connect`: the tcp:/tls: client descriptions, read
// with the library's clientFromString grammar (its own cases are in
// tests/internet/endpoints/test_from_string.cpp).
#include <gtest/gtest.h>

#include <string>

#include "endpoint.h"

namespace {

using twisted::twist::ClientEndpoint;
using twisted::twist::EndpointParseError;
using twisted::twist::parseClientEndpoint;

TEST(ClientEndpointTest, ParsesTCPAndTLS) {
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
}

TEST(ClientEndpointTest, Errors) {
  auto error = [](const char* d) -> std::string {
    try {
      parseClientEndpoint(d);
    } catch (const EndpointParseError& e) {
      return e.what();
    }
    ADD_FAILURE() << d << " parsed";
    return {};
  };
  EXPECT_NE(error("").find("Unknown endpoint type: ''"), std::string::npos);
  EXPECT_NE(error("ssl:example.com:443").find("Unknown endpoint type: 'ssl'"), std::string::npos);
  EXPECT_NE(error("tcp:example.com").find("missing argument 'port'"), std::string::npos);
  EXPECT_NE(error("tcp::80").find("the host is empty"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:0").find("from 1 to 65535"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:80:x").find("too many arguments"), std::string::npos);
  EXPECT_NE(error("tcp:example.com:80:trustRoots=/ca").find("unknown argument 'trustRoots'"),
            std::string::npos);
  EXPECT_NE(error("tls:example.com:443:privateKey=k.pem").find("privateKey without certificate"),
            std::string::npos);
  EXPECT_NE(error("tls:example.com:443:port=1").find("'port' is given twice"), std::string::npos);
  EXPECT_NE(error("tls:a:1:timeout=0").find("timeout"), std::string::npos);
  EXPECT_NE(error("tls:a:1\\").find("lone backslash"), std::string::npos);
  // Valid descriptions portforward cannot use.
  EXPECT_NE(error("unix:/tmp/s").find("portforward connects to tcp:HOST:PORT"), std::string::npos);
  EXPECT_NE(error("tcp:a:1:bindAddress=127.0.0.1").find("bindAddress"), std::string::npos);
  EXPECT_NE(error("tls:a:1:endpoint=tcp\\:a\\:1").find("endpoint="), std::string::npos);
}

}  // namespace
