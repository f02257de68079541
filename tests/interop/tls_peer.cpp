// The twistedcpp side of the TLS interop tests (tls.sh): a server and a
// client on listenSSL / connectSSL / startTLS, to be paired with
// `openssl s_client`, `openssl s_server`, curl and Python Twisted.
//
// Usage:
//   tls_peer server --cert FILE [--key FILE] [--mode echo|http|starttls]
//                   [--alpn P1,P2] [--client-ca CA.pem] [--once]
//     prints "server: listening on port N." then, per connection,
//     "server: handshake VERSION alpn=P peer=CN" and "server: lost REASON bytes=N";
//     --once: stops after the first connection is gone.
//   tls_peer client --port N --ca CA.pem [--hostname NAME] [--mode echo|rev|get|starttls]
//                   [--size N] [--alpn P1,P2] [--client-cert FILE] [--expect-fail TEXT]
//                   [--expect-reason REASON] [--expect-body TEXT]
//     prints "client: handshake VERSION alpn=P peer=CN", then "client: ok ..." and
//     exits 0, or "client: FAIL ..." and exits 1. --expect-fail: the handshake
//     must fail with a TLS error whose message contains TEXT.
//
// Modes: echo writes back what it reads (the client sends --size bytes and
// closes once they all came back); get (client only) sends an HTTP/1.0
// request and reads until the server closes, which must be with
// --expect-reason (ConnectionDone, or ConnectionLost for a truncation) and
// a response containing --expect-body; http answers any request with a fixed
// "hello" response and closes; rev is `openssl s_server -rev` (each line
// comes back reversed); starttls is a line protocol: plaintext lines are
// echoed, "STARTTLS" is answered "GO" and both sides start TLS, after
// which lines are echoed under TLS.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
#include <twisted/internet/tls.h>

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

struct Options {
  std::string role, mode = "echo", cert, key, clientCA, ca, hostname = "localhost", clientCert,
                    expectFail, expectReason = "ConnectionDone", expectBody;
  std::vector<std::string> alpn;
  int port = 0;
  std::size_t size = 100000;
  bool once = false;
};
Options opts;

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream s(list);
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string reasonName(const Failure& f) {
  if (f.check<error::ConnectionDone>()) return "ConnectionDone";
  if (f.check<error::ConnectionLost>()) return "ConnectionLost";
  if (f.check<error::ConnectionAborted>()) return "ConnectionAborted";
  if (f.check<ssl::TLSError>()) return "TLSError(" + f.getErrorMessage() + ")";
  return f.typeName() + "(" + f.getErrorMessage() + ")";
}

// "VERSION alpn=P peer=CN" of a TLS transport.
std::string describe(ITransport* transport) {
  auto* t = dynamic_cast<ISSLTransport*>(transport);
  if (!t) return "not TLS";
  std::optional<ssl::Certificate> peer = t->getPeerCertificate();
  return t->tlsVersion() + " alpn=" + t->negotiatedProtocol().value_or("none") +
         " peer=" + (peer ? peer->getSubject().commonName : std::string("none"));
}

ssl::CertificateOptions serverOptions() {
  ssl::CertificateOptions::Args args =
      ssl::DefaultOpenSSLContextFactory(opts.key.empty() ? opts.cert : opts.key, opts.cert).args();
  args.acceptableProtocols = opts.alpn;
  if (!opts.clientCA.empty()) {
    args.trustRoot = ssl::TrustRoot::fromPath(opts.clientCA);
    args.requireCertificate = true;
  }
  return ssl::CertificateOptions(std::move(args));
}

ssl::CertificateOptions clientOptions() {
  std::optional<ssl::PrivateCertificate> mine;
  if (!opts.clientCert.empty()) {
    std::string key = opts.key.empty() ? opts.clientCert : opts.key;
    mine = ssl::PrivateCertificate::fromCertificateAndKeyPair(
        ssl::Certificate::loadFile(opts.clientCert), ssl::KeyPair::loadFile(key));
  }
  return ssl::optionsForClientTLS(opts.hostname, ssl::TrustRoot::fromPath(opts.ca), mine,
                                  opts.alpn);
}

// Splits a stream into "\n"-terminated lines ("\r\n" too).
class Lines {
 public:
  template <class F>
  void feed(std::string_view data, F&& onLine) {
    buffer_.append(data);
    std::size_t at;
    while ((at = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, at);
      buffer_.erase(0, at + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!onLine(line)) return;  // the rest waits (e.g. for TLS to start)
    }
  }

 private:
  std::string buffer_;
};

// --- server ---------------------------------------------------------------------

class Server : public Protocol, public IHandshakeListener {
 public:
  void handshakeCompleted() override {
    std::printf("server: handshake %s\n", describe(transport).c_str());
    std::fflush(stdout);
  }
  void dataReceived(std::string_view data) override {
    bytes_ += data.size();
    if (opts.mode == "echo") {
      transport->write(data);
    } else if (opts.mode == "http") {
      request_.append(data);
      if (!answered_ && request_.find("\r\n\r\n") != std::string::npos) {
        answered_ = true;
        transport->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        transport->loseConnection();
      }
    } else {
      lines_.feed(data, [this](const std::string& line) {
        if (line == "STARTTLS" && !dynamic_cast<ISSLTransport*>(transport)) {
          transport->write("GO\r\n");
          dynamic_cast<ITLSTransport*>(transport)->startTLS(serverOptions());
        } else {
          transport->write(line + "\r\n");
        }
        return true;
      });
    }
  }
  void connectionLost(const Failure& reason) override {
    std::printf("server: lost %s bytes=%zu\n", reasonName(reason).c_str(), bytes_);
    std::fflush(stdout);
    if (opts.once) reactor().stop();
  }

 private:
  std::size_t bytes_ = 0;
  std::string request_;
  bool answered_ = false;
  Lines lines_;
};

int runServer() {
  auto factory = Factory::forProtocol<Server>();
  factory->noisy = false;
  std::shared_ptr<IListeningPort> port =
      opts.mode == "starttls" ? reactor().listenTCP(0, factory, 50, "127.0.0.1")
                              : reactor().listenSSL(0, factory, serverOptions(), 50, "127.0.0.1");
  std::printf("server: listening on port %d.\n", portOf(port->getHost()));
  std::fflush(stdout);
  reactor().run();
  return 0;
}

// --- client ---------------------------------------------------------------------

struct Outcome {
  bool handshake = false;
  std::optional<std::string> fail;  // a check that did not hold
  std::optional<Failure> lost;
  std::string done;  // what the client did, for the "ok" line
};
Outcome outcome;

class Client : public Protocol, public IHandshakeListener {
 public:
  void connectionMade() override {
    if (opts.mode == "echo") {
      for (std::size_t i = 0; i < opts.size; ++i)
        payload_ += static_cast<char>('a' + (i * 7) % 26);
      transport->write(payload_);  // queued until the handshake is done
    } else if (opts.mode == "rev") {
      transport->write("hello world\n");
    } else if (opts.mode == "get") {
      transport->write("GET / HTTP/1.0\r\n\r\n");
    } else {
      transport->write("hello plain\r\n");
    }
  }
  void handshakeCompleted() override {
    outcome.handshake = true;
    std::printf("client: handshake %s\n", describe(transport).c_str());
    std::fflush(stdout);
    if (opts.mode == "starttls") transport->write("hello tls\r\n");
  }
  void dataReceived(std::string_view data) override {
    if (opts.mode == "echo") {
      received_.append(data);
      if (received_.size() < payload_.size()) return;
      if (received_ != payload_) outcome.fail = "the echo differs";
      outcome.done = "echoed " + std::to_string(received_.size()) + " bytes";
      transport->loseConnection();
    } else if (opts.mode == "rev") {
      received_.append(data);
      if (received_.find("dlrow olleh") == std::string::npos) return;
      outcome.done = "reversed";
      transport->loseConnection();
    } else if (opts.mode == "get") {
      received_.append(data);  // until the server closes
    } else {
      lines_.feed(data, [this](const std::string& line) { return onLine(line); });
    }
  }
  void connectionLost(const Failure& reason) override {
    outcome.lost = reason;
    if (opts.mode == "get") {
      if (received_.find(opts.expectBody) == std::string::npos)
        outcome.fail = "the response lacks '" + opts.expectBody + "'";
      outcome.done = "got " + std::to_string(received_.size()) + " bytes";
    }
    std::printf("client: lost %s\n", reasonName(reason).c_str());
    std::fflush(stdout);
  }

 private:
  bool onLine(const std::string& line) {
    if (line == "hello plain") {
      if (dynamic_cast<ISSLTransport*>(transport)) outcome.fail = "TLS before STARTTLS";
      transport->write("STARTTLS\r\n");
    } else if (line == "GO") {
      dynamic_cast<ITLSTransport*>(transport)->startTLS(clientOptions());
    } else if (line == "hello tls") {
      auto* t = dynamic_cast<ISSLTransport*>(transport);
      if (!t || !t->handshakeDone()) outcome.fail = "\"hello tls\" came back without TLS";
      outcome.done = "starttls";
      transport->loseConnection();
      return false;
    } else {
      outcome.fail = "unexpected line '" + line + "'";
      transport->loseConnection();
      return false;
    }
    return true;
  }

  std::string payload_, received_;
  Lines lines_;
};

class ClientFactoryImpl : public ClientFactory {
 public:
  ClientFactoryImpl() { noisy = false; }
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    return std::make_unique<Client>();
  }
  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    outcome.fail = "connection failed: " + reason.getErrorMessage();
    reactor().stop();
  }
  void clientConnectionLost(IConnector&, const Failure&) override { reactor().stop(); }
};

int runClient() {
  auto factory = std::make_shared<ClientFactoryImpl>();
  if (opts.mode == "starttls")
    reactor().connectTCP("127.0.0.1", opts.port, factory, 30);
  else
    reactor().connectSSL("127.0.0.1", opts.port, factory, clientOptions(), 30);
  reactor().run();

  auto fail = [](const std::string& why) {
    std::printf("client: FAIL %s\n", why.c_str());
    return 1;
  };
  if (outcome.fail) return fail(*outcome.fail);
  if (!outcome.lost) return fail("no connectionLost");
  if (!opts.expectFail.empty()) {
    if (outcome.handshake) return fail("the handshake succeeded");
    if (!outcome.lost->check<ssl::TLSError>())
      return fail("lost with " + reasonName(*outcome.lost) + ", not a TLSError");
    std::string message = outcome.lost->getErrorMessage();
    if (message.find(opts.expectFail) == std::string::npos)
      return fail("the TLS error '" + message + "' does not say '" + opts.expectFail + "'");
    std::printf("client: ok failed as expected: %s\n", message.c_str());
    return 0;
  }
  if (!outcome.handshake) return fail("no handshake");
  if (outcome.done.empty()) return fail("the exchange did not finish");
  // We closed (close_notify): a clean close, whoever's FIN came first. In
  // "get" mode the server closes: with close_notify (ConnectionDone) or
  // without (a truncation: ConnectionLost), as --expect-reason says.
  if (reasonName(*outcome.lost) != opts.expectReason)
    return fail("lost with " + reasonName(*outcome.lost) + ", not " + opts.expectReason);
  std::printf("client: ok %s\n", outcome.done.c_str());
  return 0;
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "tls_peer: %s\n", why.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("server or client?");
  opts.role = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--mode")
      opts.mode = value();
    else if (a == "--cert")
      opts.cert = value();
    else if (a == "--key")
      opts.key = value();
    else if (a == "--client-ca")
      opts.clientCA = value();
    else if (a == "--ca")
      opts.ca = value();
    else if (a == "--hostname")
      opts.hostname = value();
    else if (a == "--client-cert")
      opts.clientCert = value();
    else if (a == "--expect-fail")
      opts.expectFail = value();
    else if (a == "--expect-reason")
      opts.expectReason = value();
    else if (a == "--expect-body")
      opts.expectBody = value();
    else if (a == "--alpn")
      opts.alpn = split(value());
    else if (a == "--port")
      opts.port = std::atoi(value().c_str());
    else if (a == "--size")
      opts.size = std::stoul(value());
    else if (a == "--once")
      opts.once = true;
    else
      usage("unknown option " + a);
  }
  try {
    if (opts.role == "server") return runServer();
    if (opts.role == "client") return runClient();
  } catch (const std::exception& e) {
    std::printf("%s: FAIL %s\n", opts.role.c_str(), e.what());
    return 1;
  }
  usage("unknown role " + opts.role);
}
