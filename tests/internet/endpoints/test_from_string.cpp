// serverFromString / clientFromString: the grammar (Twisted's _tokenize and
// _parse), every built-in type's arguments, every error, quoting, the
// plug-in registry. The endpoints they build are exercised in
// test_from_string_endpoints.cpp.
#include <twisted/internet/endpoints/from_string.h>

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <twisted/internet/endpoints/detail/from_string_specs.h>

#include <string>
#include <vector>

namespace {

using twisted::internet::endpoints::checkClientString;
using twisted::internet::endpoints::checkServerString;
using twisted::internet::endpoints::EndpointParseError;
using twisted::internet::endpoints::parseDescription;
using twisted::internet::endpoints::quoteStringArgument;

using Args = std::vector<std::string>;
using Kwargs = std::map<std::string, std::string>;

// The error checkServerString / checkClientString raise for `d`.
template <class F>
EndpointParseError errorOf(F check, std::string_view d) {
  try {
    check(d);
  } catch (const EndpointParseError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for '" << d << "'";
  return EndpointParseError(d, 0, "none");
}

EndpointParseError serverError(std::string_view d) {
  return errorOf(checkServerString, d);
}
EndpointParseError clientError(std::string_view d) {
  return errorOf(checkClientString, d);
}

// The same splits as Python Twisted 22.4's endpoints._parse.
TEST(ParseDescriptionTest, SplitsLikeTwisted) {
  auto d = parseDescription("a:b:d=1:c");
  EXPECT_EQ(d.prefix, "a");
  EXPECT_EQ(d.args, (Args{"b", "c"}));
  EXPECT_EQ(d.kwargs, (Kwargs{{"d", "1"}}));
  EXPECT_EQ(d.prefixPosition, 0u);
  EXPECT_EQ(d.argPositions, (std::vector<std::size_t>{2, 8}));
  EXPECT_EQ(d.kwargPositions.at("d"), 4u);

  // Only a field's first '=' splits.
  EXPECT_EQ(parseDescription("tcp:80:interface=a=b").kwargs, (Kwargs{{"interface", "a=b"}}));
  EXPECT_EQ(parseDescription(R"(tcp:80:interface=\:\:1)").kwargs, (Kwargs{{"interface", "::1"}}));
  // The prefix is the first positional field, wherever keywords are.
  auto k = parseDescription("tcp=x:80");
  EXPECT_EQ(k.prefix, "80");
  EXPECT_EQ(k.prefixPosition, 6u);
  EXPECT_EQ(k.kwargs, (Kwargs{{"tcp", "x"}}));
  EXPECT_EQ(parseDescription("").prefix, "");
  EXPECT_EQ(parseDescription(":").args, (Args{""}));
  EXPECT_EQ(parseDescription("a::b").args, (Args{"", "b"}));
  EXPECT_EQ(parseDescription("a:=b").kwargs, (Kwargs{{"", "b"}}));
  EXPECT_EQ(parseDescription("a:b=").kwargs, (Kwargs{{"b", ""}}));
  // A repeated key keeps its last value (a Python dict).
  EXPECT_EQ(parseDescription("a:d=1:d=2").kwargs, (Kwargs{{"d", "2"}}));
  EXPECT_EQ(parseDescription(R"(a:b\=c=d)").kwargs, (Kwargs{{"b=c", "d"}}));
  EXPECT_EQ(parseDescription(R"(a:\\:x\y)").args, (Args{"\\", "xy"}));
}

TEST(ParseDescriptionTest, Errors) {
  // Twisted: RuntimeError (StopIteration inside its tokenizer).
  try {
    parseDescription("tcp:80\\");
    FAIL();
  } catch (const EndpointParseError& e) {
    EXPECT_EQ(e.position(), 6u);
    EXPECT_EQ(std::string(e.what()),
              "invalid endpoint 'tcp:80\\': it ends with a lone backslash (escape it as \\\\) "
              "(at column 7)");
  }
  // Twisted: IndexError.
  EXPECT_THROW(parseDescription("x=1"), EndpointParseError);
  EXPECT_THROW(parseDescription("\\"), std::invalid_argument);
}

TEST(QuoteStringArgumentTest, RoundTrips) {
  EXPECT_EQ(quoteStringArgument("a:b\\c=d"), "a\\:b\\\\c=d");  // as Twisted's
  for (std::string value : {"", "plain", ":", "\\", "C:\\key.pem", "::1", "a=b", "x:=\\:y\\"}) {
    auto d = parseDescription("ssl:443:privateKey=" + quoteStringArgument(value));
    EXPECT_EQ(d.kwargs.at("privateKey"), value);
  }
  // As in Twisted, '=' is not quoted: a positional value keeps it only
  // after a first '=' (which makes the field key=value), so positional
  // values round-trip when they have none.
  for (std::string value : {"", "plain", ":", "\\", "C:\\key.pem", "::1", "x:\\:y\\"}) {
    EXPECT_EQ(parseDescription("unix:" + quoteStringArgument(value)).args, (Args{value}));
  }
  EXPECT_EQ(parseDescription("unix:" + quoteStringArgument("a=b")).kwargs, (Kwargs{{"a", "b"}}));
}

TEST(ServerStringTest, AcceptsEveryForm) {
  for (const char* d : {"tcp:80",
                        "tcp:0",
                        "tcp:65535",
                        "tcp:80:interface=127.0.0.1",
                        "tcp:80:127.0.0.1:9",
                        "tcp:port=80:backlog=7:interface=10.0.0.1",
                        "tcp:80:interface=",
                        R"(tcp:80:\:\:1)",
                        "TCP:80",
                        "tcp6:80",
                        "tcp6:80:50:\\:\\:1",
                        "Tcp6:80:interface=\\:\\:1",
                        "unix:/tmp/s",
                        "unix:/tmp/s:mode=660:backlog=5:lockfile=0",
                        "unix:address=/a\\:b:mode=600",
                        "unix:/s:660:5:1",
                        "ssl:443:privateKey=k.pem",
                        "ssl:443:k.pem:c.pem",
                        "ssl:port=0:certKey=c.pem:privateKey=k.pem:extraCertChain=m.pem:interface="
                        "\\:\\:1:backlog=3",
                        "systemd:domain=INET:index=0",
                        "systemd:domain=INET6:index=3",
                        "systemd:UNIX:1",
                        "stdio:",
                        "stdio",
                        "STDIO"}) {
    EXPECT_NO_THROW(checkServerString(d)) << d;
  }
}

TEST(ServerStringTest, Errors) {
  struct Case {
    const char* description;
    const char* reason;
    std::size_t position;
  };
  const Case cases[] = {
      {"x:1", "Unknown endpoint type: 'x'", 0},
      {"", "Unknown endpoint type: ''", 0},
      {"8123", "Unknown endpoint type: '8123' (did you mean tcp:8123?)", 0},
      {"udp:53", "Unknown endpoint type: 'udp'", 0},
      {"port=1:tcp6x", "Unknown endpoint type: 'tcp6x'", 7},
      {"tcp", "missing argument 'port' for 'tcp'", 3},
      {"tcp:", "port '' is not an integer from 0 to 65535", 4},
      {"tcp:http", "port 'http' is not an integer from 0 to 65535", 4},
      {"tcp:-1", "port '-1' is not an integer from 0 to 65535", 4},
      {"tcp:65536", "port '65536' is not an integer from 0 to 65535", 4},
      {"tcp:99999999999999999999", "port '99999999999999999999' is not an integer from 0 to 65535",
       4},
      {"tcp: 80", "port ' 80' is not an integer from 0 to 65535", 4},
      {"tcp:80:backlog=x", "backlog 'x' is not an integer from 1 to 65535", 7},
      {"tcp:80:a:10:x",
       "too many arguments: 'tcp' takes at most 3 positional (port, interface, backlog)", 12},
      {"tcp:80:bogus=2",
       "unknown argument 'bogus' for 'tcp' (known: port, interface, backlog, reusePort)", 7},
      {"tcp:80:port=81", "argument 'port' is given twice (positionally and as port=)", 7},
      {"tcp6:80:x", "backlog 'x' is not an integer from 1 to 65535", 8},
      {"unix", "missing argument 'address' for 'unix'", 4},
      {"unix:", "the socket path (address) is empty", 5},
      {"unix:/s:mode=9", "mode '9' is not an octal integer from 0 to 7777", 8},
      {"unix:/s:mode=17777", "mode '17777' is not an octal integer from 0 to 7777", 8},
      {"unix:/s:lockfile=yes", "lockfile 'yes' is not an integer from 0 to 1", 8},
      {"unix:/s:lockfile=2", "lockfile '2' is not an integer from 0 to 1", 8},
      {"ssl:0", "privateKey is missing (the PEM file of the server's key)", 5},
      {"ssl:0:privateKey=", "privateKey is missing (the PEM file of the server's key)", 6},
      {"ssl:0:privateKey=k.pem:sslmethod=TLSv1_METHOD",
       "sslmethod is not supported (TLS 1.2 and later, ECDHE key exchange)", 23},
      {"ssl:0:k:c:m", "sslmethod is not supported (TLS 1.2 and later, ECDHE key exchange)", 10},
      {"ssl:0:k.pem:dhParameters=dh.pem",
       "dhParameters is not supported (TLS 1.2 and later, ECDHE key exchange)", 12},
      {"systemd", "missing argument 'domain' for 'systemd'", 7},
      {"systemd:domain=INET", "missing argument 'index' for 'systemd'", 19},
      {"systemd:domain=FOO:index=0", "domain 'FOO' is not INET, INET6 or UNIX", 8},
      {"systemd:domain=inet:index=0", "domain 'inet' is not INET, INET6 or UNIX", 8},
      {"systemd:domain=INET:index=-1", "index '-1' is not an integer from 0 to 65535", 20},
      {"systemd:INET:0:1",
       "too many arguments: 'systemd' takes at most 2 positional (domain, index)", 15},
      {"stdio::1", "too many arguments: 'stdio' takes none positionally", 6},
      {"stdio:1", "too many arguments: 'stdio' takes none positionally", 6},
      {"stdio:a=2", "unknown argument 'a' for 'stdio' (known: none)", 6},
      {"tcp:80\\", "it ends with a lone backslash (escape it as \\\\)", 6},
  };
  for (const Case& c : cases) {
    EndpointParseError e = serverError(c.description);
    EXPECT_EQ(e.reason(), c.reason) << c.description;
    EXPECT_EQ(e.position(), c.position) << c.description;
    EXPECT_EQ(e.description(), c.description);
    EXPECT_EQ(std::string(e.what()), "invalid endpoint '" + std::string(c.description) +
                                         "': " + c.reason + " (at column " +
                                         std::to_string(c.position + 1) + ")");
  }
}

// The values each type takes from its string (the cases of Twisted's
// test_endpoints.py ServerStringTests / ClientStringTests).
TEST(ServerStringTest, TypedValues) {
  namespace d = twisted::internet::endpoints::detail;
  auto tcp = std::get<d::TCPServerSpec>(d::serverSpec("tcp:1234:backlog=12:interface=10.0.0.1"));
  EXPECT_EQ(tcp.port, 1234);
  EXPECT_EQ(tcp.backlog, 12);
  EXPECT_EQ(tcp.interface, "10.0.0.1");
  EXPECT_FALSE(tcp.v6);
  auto positional = std::get<d::TCPServerSpec>(d::serverSpec("tcp:80:127.0.0.1:9"));
  EXPECT_EQ(positional.interface, "127.0.0.1");
  EXPECT_EQ(positional.backlog, 9);
  EXPECT_EQ(std::get<d::TCPServerSpec>(d::serverSpec("tcp:80")).interface, "");
  EXPECT_FALSE(tcp.reusePort);
  EXPECT_TRUE(std::get<d::TCPServerSpec>(d::serverSpec("tcp:80:reusePort=1")).reusePort);
  EXPECT_TRUE(std::get<d::TCPServerSpec>(d::serverSpec("tcp6:80:reusePort=1")).reusePort);
  EXPECT_FALSE(std::get<d::TCPServerSpec>(d::serverSpec("tcp:80:reusePort=0")).reusePort);
  auto v6 = std::get<d::TCPServerSpec>(d::serverSpec("tcp6:8080:backlog=12:interface=\\:\\:1"));
  EXPECT_TRUE(v6.v6);
  EXPECT_EQ(v6.interface, "::1");
  EXPECT_EQ(v6.backlog, 12);
  // tcp6's positional order is port, backlog, interface.
  auto v6p = std::get<d::TCPServerSpec>(d::serverSpec("tcp6:80:7:\\:\\:1"));
  EXPECT_EQ(v6p.backlog, 7);
  EXPECT_EQ(v6p.interface, "::1");
  EXPECT_EQ(std::get<d::TCPServerSpec>(d::serverSpec("tcp6:80")).interface, "::");
  auto unix = std::get<d::UNIXServerSpec>(
      d::serverSpec("unix:/var/foo/bar:backlog=7:mode=0123:lockfile=1"));
  EXPECT_EQ(unix.address, "/var/foo/bar");
  EXPECT_EQ(unix.backlog, 7);
  EXPECT_EQ(unix.mode, 0123);
  EXPECT_TRUE(unix.wantPID);
  auto unixDefault = std::get<d::UNIXServerSpec>(d::serverSpec("unix:/s"));
  EXPECT_EQ(unixDefault.mode, 0666);
  EXPECT_EQ(unixDefault.backlog, 50);
  EXPECT_TRUE(unixDefault.wantPID);  // Twisted's lockfile=True
  EXPECT_FALSE(std::get<d::UNIXServerSpec>(d::serverSpec("unix:/s:lockfile=0")).wantPID);
  auto ssl = std::get<d::SSLServerSpec>(d::serverSpec("ssl:443:k.pem"));
  EXPECT_EQ(ssl.privateKey, "k.pem");
  EXPECT_EQ(ssl.certKey, "k.pem");  // defaults to privateKey
  auto ssl2 = std::get<d::SSLServerSpec>(
      d::serverSpec("ssl:1234:backlog=12:privateKey=a\\:b.pem:certKey=c.pem:extraCertChain=m.pem:"
                    "interface=10.0.0.1"));
  EXPECT_EQ(ssl2.port, 1234);
  EXPECT_EQ(ssl2.backlog, 12);
  EXPECT_EQ(ssl2.privateKey, "a:b.pem");
  EXPECT_EQ(ssl2.certKey, "c.pem");
  EXPECT_EQ(ssl2.extraCertChain, "m.pem");
  EXPECT_EQ(ssl2.interface, "10.0.0.1");
  auto sd = std::get<d::SystemdServerSpec>(d::serverSpec("systemd:domain=INET6:index=3"));
  EXPECT_EQ(sd.family, AF_INET6);
  EXPECT_EQ(sd.index, 3);
  EXPECT_EQ(std::get<d::SystemdServerSpec>(d::serverSpec("systemd:UNIX:0")).family, AF_UNIX);
  EXPECT_EQ(std::get<d::SystemdServerSpec>(d::serverSpec("systemd:INET:0")).family, AF_INET);
  EXPECT_TRUE(std::holds_alternative<d::StdioServerSpec>(d::serverSpec("stdio:")));
}

TEST(ClientStringTest, TypedValues) {
  namespace d = twisted::internet::endpoints::detail;
  for (const char* s : {"tcp:example.com:1234:timeout=7:bindAddress=10.0.0.2",
                        "tcp:example.com:port=1234:timeout=7:bindAddress=10.0.0.2",
                        "tcp:host=example.com:1234:timeout=7:bindAddress=10.0.0.2",
                        "tcp:host=example.com:port=1234:timeout=7:bindAddress=10.0.0.2"}) {
    auto tcp = std::get<d::TCPClientSpec>(d::clientSpec(s));
    EXPECT_EQ(tcp.host, "example.com") << s;
    EXPECT_EQ(tcp.port, 1234) << s;
    EXPECT_EQ(tcp.timeout, 7) << s;
    EXPECT_EQ(tcp.bindAddress, (std::make_pair(std::string("10.0.0.2"), 0))) << s;
  }
  auto plain = std::get<d::TCPClientSpec>(d::clientSpec("tcp:host=example.com:port=1234"));
  EXPECT_EQ(plain.timeout, 30);
  EXPECT_FALSE(plain.bindAddress);
  for (const char* s :
       {"unix:/var/foo/bar:lockfile=1:timeout=9", "unix:path=/var/foo/bar:lockfile=1:timeout=9",
        "unix:/var/foo/bar:checkPID=1:timeout=9"}) {
    auto unix = std::get<d::UNIXClientSpec>(d::clientSpec(s));
    EXPECT_EQ(unix.path, "/var/foo/bar") << s;
    EXPECT_EQ(unix.timeout, 9) << s;
    EXPECT_TRUE(unix.checkPID) << s;
  }
  EXPECT_FALSE(std::get<d::UNIXClientSpec>(d::clientSpec("unix:path=/var/foo/bar")).checkPID);
  auto tls = std::get<d::TLSClientSpec>(
      d::clientSpec("tls:example.com:443:timeout=10:bindAddress=127.0.0.1:certificate=c.pem:"
                    "privateKey=k.pem:trustRoots=/ca:endpoint=tcp\\:127.0.0.1\\:443"));
  EXPECT_EQ(tls.host, "example.com");
  EXPECT_EQ(tls.port, 443);
  EXPECT_EQ(tls.timeout, 10);
  EXPECT_EQ(tls.bindAddress, (std::make_pair(std::string("127.0.0.1"), 0)));
  EXPECT_EQ(tls.certificate, "c.pem");
  EXPECT_EQ(tls.privateKey, "k.pem");
  EXPECT_EQ(tls.trustRoots, "/ca");
  EXPECT_EQ(tls.endpoint, "tcp:127.0.0.1:443");
  auto bare = std::get<d::TLSClientSpec>(d::clientSpec("tls:example.com:443"));
  EXPECT_EQ(bare.timeout, 30);
  EXPECT_FALSE(bare.endpoint);
}

TEST(ClientStringTest, AcceptsEveryForm) {
  for (const char* d :
       {"tcp:example.com:80", "TCP:h:80", "tcp:host=h:port=80", "tcp:host=h:80", "tcp:h:port=80",
        "tcp:h:80:timeout=5:bindAddress=127.0.0.1", R"(tcp:\:\:1:8080)", "unix:/tmp/s",
        "unix:path=/tmp/s:timeout=9:lockfile=1", "unix:/s:checkPID=1", "tls:h:443",
        "TLS:h:443:timeout=3:trustRoots=/ca:certificate=c.pem:privateKey=k.pem",
        "tls:h:443:30:127.0.0.1:c.pem:k.pem:/ca:tcp\\:127.0.0.1\\:443",
        "tls:host=h:port=443:endpoint=unix\\:/s"}) {
    EXPECT_NO_THROW(checkClientString(d)) << d;
  }
}

TEST(ClientStringTest, Errors) {
  struct Case {
    const char* description;
    const char* reason;
    std::size_t position;
  };
  const Case cases[] = {
      {"nope:1", "Unknown endpoint type: 'nope'", 0},
      {"tcp6:h:80", "Unknown endpoint type: 'tcp6'", 0},
      {"ssl:h:443", "Unknown endpoint type: 'ssl'", 0},
      {"tcp:h", "missing argument 'port' for 'tcp'", 5},
      {"tcp", "missing argument 'host' for 'tcp'", 3},
      {"tcp::80", "the host is empty", 4},
      {"tcp:h:0", "port '0' is not an integer from 1 to 65535", 6},
      {"tcp:h:http", "port 'http' is not an integer from 1 to 65535", 6},
      {"tcp:h:80:x", "too many arguments: 'tcp' takes at most 2 positional (host, port)", 9},
      {"tcp:h:80:timeout=2.5", "timeout '2.5' is not an integer from 1 to 86400", 9},
      {"tcp:h:80:timeout=0", "timeout '0' is not an integer from 1 to 86400", 9},
      {"tcp:h:80:foo=1",
       "unknown argument 'foo' for 'tcp' (known: host, port, timeout, bindAddress)", 9},
      {"tcp:h:80:host=i", "argument 'host' is given twice (positionally and as host=)", 9},
      {"unix", "missing argument 'path' for 'unix'", 4},
      {"unix:/a:/b", "too many arguments: 'unix' takes at most 1 positional (path)", 8},
      {"unix:/a:lockfile=1:checkPID=1", "lockfile= and checkPID= are the same argument", 19},
      {"tls:h", "missing argument 'port' for 'tls'", 5},
      {"tls:h:443:foo=1",
       "unknown argument 'foo' for 'tls' (known: host, port, timeout, bindAddress, certificate, "
       "privateKey, trustRoots, endpoint)",
       10},
      {"tls:h:443:privateKey=k.pem",
       "privateKey without certificate (the client certificate it belongs to)", 10},
      {"tls:h:443:endpoint=udp\\:1", "in endpoint=: Unknown endpoint type: 'udp'", 10},
      {"tcp:h:80\\", "it ends with a lone backslash (escape it as \\\\)", 8},
  };
  for (const Case& c : cases) {
    EndpointParseError e = clientError(c.description);
    EXPECT_EQ(e.reason(), c.reason) << c.description;
    EXPECT_EQ(e.position(), c.position) << c.description;
  }
}

TEST(RegistryTest, RegisteredPrefixesAreFound) {
  using namespace twisted::internet::endpoints;
  std::vector<std::string> seenArgs;
  std::map<std::string, std::string> seenKwargs;
  registerServerParser("Custom", [&](auto&, const auto& args, const auto& kwargs) {
    seenArgs = args;
    seenKwargs = kwargs;
    return std::shared_ptr<twisted::internet::IStreamServerEndpoint>();
  });
  EXPECT_NO_THROW(checkServerString("custom:1:a=b"));
  EXPECT_NO_THROW(checkServerString("CUSTOM:1:a=b"));
  EXPECT_EQ(clientError("custom:1").reason(), "Unknown endpoint type: 'custom'");
  EXPECT_THROW(
      registerServerParser("custom",
                           [](auto&, const auto&, const auto&) {
                             return std::shared_ptr<twisted::internet::IStreamServerEndpoint>();
                           }),
      std::invalid_argument);
  EXPECT_TRUE(unregisterServerParser("CUSTOM"));
  EXPECT_FALSE(unregisterServerParser("custom"));
  EXPECT_EQ(serverError("custom:1").reason(), "Unknown endpoint type: 'custom'");

  registerClientParser("mine", [](auto&, const auto&, const auto&) {
    return std::shared_ptr<twisted::internet::IStreamClientEndpoint>();
  });
  EXPECT_NO_THROW(checkClientString("mine:x"));
  EXPECT_TRUE(unregisterClientParser("mine"));

  auto none = [](auto&, const auto&, const auto&) {
    return std::shared_ptr<twisted::internet::IStreamServerEndpoint>();
  };
  EXPECT_THROW(registerServerParser("tcp", none), std::invalid_argument);
  EXPECT_THROW(registerServerParser("SYSTEMD", none), std::invalid_argument);
  EXPECT_THROW(registerServerParser("", none), std::invalid_argument);
  EXPECT_THROW(registerServerParser("a:b", none), std::invalid_argument);
  EXPECT_THROW(registerServerParser("x", nullptr), std::invalid_argument);
  EXPECT_THROW(
      registerClientParser("TLS",
                           [](auto&, const auto&, const auto&) {
                             return std::shared_ptr<twisted::internet::IStreamClientEndpoint>();
                           }),
      std::invalid_argument);
}

}  // namespace
