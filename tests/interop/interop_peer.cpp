// The twistedcpp side of the interop tests (see run.sh): the same echo
// server and clients as peer.py, over LineReceiver, Int32StringReceiver or
// NetstringReceiver, so each can be checked against Python Twisted.
//
// Usage: interop_peer server --framing F [--chunk N] [--connections K] [--halfclose]
//        interop_peer client --framing F --port P --scenario S [--chunk N] [--connections K]
// The protocol, the scenarios and the output lines are documented in peer.py.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/basic/int_n_string_receiver.h>
#include <twisted/protocols/basic/line_receiver.h>
#include <twisted/protocols/basic/netstring_receiver.h>

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::basic;
using twisted::python::Failure;

constexpr std::size_t kMax = 4 << 20;
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct Options {
  std::string role, framing, scenario = "echo";
  int port = 0, chunk = 0, connections = 1;
  bool halfclose = false;
  std::string unix;  // --unix PATH: a Unix socket instead of TCP
};
Options opts;

const std::map<std::string, std::vector<std::size_t>> kSizes = {
    {"echo", {0, 1, 2, 10, 100, 1000, 65536, 1 << 20}},
    {"chunk1", {0, 1, 2, 3, 10, 50, 200}},
    {"many", {1, 100, 10000}},
    {"halfclose", {1, 10, 100, 1000}},
    {"abortc", {1, 10, 100}},
    {"aborts", {1, 10}},
};

// The same deterministic payload as peer.py's message().
std::string message(int conn, int index, std::size_t size) {
  std::string m(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    m[i] = kAlphabet[(i * 7 + index * 13 + conn * 31) % kAlphabet.size()];
  return m;
}

std::uint32_t byteSum(std::string_view m) {
  std::uint32_t s = 0;
  for (unsigned char c : m)
    s += c;
  return s;
}

std::string frame(std::string_view msg) {
  if (opts.framing == "line") return std::string(msg) + "\r\n";
  if (opts.framing == "int32") {
    auto n = static_cast<std::uint32_t>(msg.size());
    std::string out{char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    return out.append(msg);
  }
  return std::to_string(msg.size()) + ":" + std::string(msg) + ",";
}

std::string reasonName(const Failure& f) {
  if (f.check<error::ConnectionAborted>()) return "ConnectionAborted";
  if (f.check<error::ConnectionDone>()) return "ConnectionDone";
  if (f.check<error::ConnectionLost>()) return "ConnectionLost";
  return f.typeName();
}

ITCPTransport& tcp(ITransport* t) {
  return dynamic_cast<ITCPTransport&>(*t);
}

// The three framings behind one interface: onMessage() and sendFramed().
class LineBase : public LineReceiver {
 public:
  LineBase() { MAX_LENGTH = kMax; }
  void lineReceived(std::string_view line) override { onMessage(line); }
  void sendFramed(std::string_view m) { sendLine(m); }
  virtual void onMessage(std::string_view m) = 0;
};
class Int32Base : public Int32StringReceiver {
 public:
  Int32Base() { MAX_LENGTH = kMax; }
  void stringReceived(std::string_view s) override { onMessage(s); }
  void sendFramed(std::string_view m) { sendString(m); }
  virtual void onMessage(std::string_view m) = 0;
};
class NetstringBase : public NetstringReceiver {
 public:
  NetstringBase() { MAX_LENGTH = kMax; }
  void stringReceived(std::string_view s) override { onMessage(s); }
  void sendFramed(std::string_view m) { sendString(m); }
  virtual void onMessage(std::string_view m) = 0;
};

// send(): framed by the library, or (with --chunk N) framed here and written
// N bytes per reactor iteration.
template <class Base>
class Peer : public Base {
 public:
  void setup() {
    if (opts.unix.empty()) tcp(this->transport).setTcpNoDelay(true);  // Unix refuses it
  }
  void send(std::string_view msg) {
    if (!opts.chunk) return this->sendFramed(msg);
    bool start = drip_.empty();
    drip_ += frame(msg);
    if (start) scheduleDrip();
  }
  void stopDripping() {
    if (dripCall_ && dripCall_->active()) dripCall_->cancel();
  }

 private:
  void scheduleDrip() {
    dripCall_ = reactor().callLater(0, [this] {
      std::size_t n = std::min<std::size_t>(opts.chunk, drip_.size());
      this->transport->write(std::string_view(drip_).substr(0, n));
      drip_.erase(0, n);
      if (!drip_.empty()) scheduleDrip();
    });
  }
  std::string drip_;
  std::optional<DelayedCall> dripCall_;
};

int lostConnections = 0;

template <class Base>
class Server : public Peer<Base> {
 public:
  void connectionMade() override { this->setup(); }
  void onMessage(std::string_view msg) override {
    ++count_;
    bytes_ += msg.size();
    sum_ += byteSum(msg);
    if (msg == "abort")
      this->transport->abortConnection();
    else if (msg == "close")
      this->transport->loseConnection();
    else
      this->send(msg);
  }
  void connectionLost(const Failure& reason) override {
    Base::connectionLost(reason);
    this->stopDripping();
    std::printf("server: lost %s messages=%d bytes=%zu sum=%u%s\n", reasonName(reason).c_str(),
                count_, bytes_, sum_, halfClosed_ ? " readConnectionLost" : "");
    std::fflush(stdout);
    if (++lostConnections == opts.connections) reactor().stop();
  }

 protected:
  int count_ = 0;
  std::size_t bytes_ = 0;
  std::uint32_t sum_ = 0;
  bool halfClosed_ = false;
};

// With --halfclose: on the peer's EOF, send the summary and close.
template <class Base>
class HalfCloseServer : public Server<Base>, public IHalfCloseableProtocol {
 public:
  void readConnectionLost() override {
    this->halfClosed_ = true;
    this->send("summary " + std::to_string(this->count_) + " " + std::to_string(this->bytes_));
    this->transport->loseConnection();
  }
  void writeConnectionLost() override {}
};

struct Results {
  int done = 0;
  std::vector<std::string> errors;
  void finish(std::optional<std::string> error) {
    if (error) errors.push_back(*error);
    if (++done == (opts.scenario == "many" ? opts.connections : 1)) reactor().stop();
  }
};
Results results;

template <class Base>
class Client : public Peer<Base> {
 public:
  explicit Client(int conn) : conn_(conn) {
    const auto& sizes = kSizes.at(opts.scenario);
    for (std::size_t i = 0; i < sizes.size(); ++i)
      sent_.push_back(message(conn, static_cast<int>(i), sizes[i]));
  }
  void connectionMade() override {
    this->setup();
    for (const auto& m : sent_)
      this->send(m);
    if (opts.scenario == "halfclose") tcp(this->transport).loseWriteConnection();
  }
  void onMessage(std::string_view msg) override {
    std::size_t index = got_++;
    if (index < sent_.size()) {
      check(msg == sent_[index], "echo " + std::to_string(index) + " differs (" +
                                     std::to_string(msg.size()) + " bytes, expected " +
                                     std::to_string(sent_[index].size()) + ")");
    } else if (opts.scenario == "halfclose" && index == sent_.size()) {
      std::size_t total = 0;
      for (const auto& m : sent_)
        total += m.size();
      std::string expected =
          "summary " + std::to_string(sent_.size()) + " " + std::to_string(total);
      check(msg == expected, "summary '" + std::string(msg) + "', expected '" + expected + "'");
    } else {
      check(false, "unexpected message '" + std::string(msg.substr(0, 40)) + "'");
    }
    if (got_ != sent_.size()) return;
    const std::string& s = opts.scenario;
    if (s == "echo" || s == "chunk1" || s == "many")
      this->transport->loseConnection();
    else if (s == "abortc")
      this->transport->abortConnection();
    else if (s == "aborts")
      this->send("abort");
  }
  void connectionLost(const Failure& reason) override {
    Base::connectionLost(reason);
    this->stopDripping();
    std::size_t want = sent_.size() + (opts.scenario == "halfclose" ? 1 : 0);
    check(got_ == want,
          "got " + std::to_string(got_) + " messages, expected " + std::to_string(want));
    std::string expected = opts.scenario == "abortc"   ? "ConnectionAborted"
                           : opts.scenario == "aborts" ? "ConnectionLost"
                                                       : "ConnectionDone";
    check(reasonName(reason) == expected,
          "lost with " + reasonName(reason) + ", expected " + expected);
    results.finish(error_);
  }

 private:
  void check(bool ok, const std::string& what) {
    if (!ok && !error_) error_ = "connection " + std::to_string(conn_) + ": " + what;
  }
  int conn_;
  std::vector<std::string> sent_;
  std::size_t got_ = 0;
  std::optional<std::string> error_;
};

template <class Base>
class PeerClientFactory : public ClientFactory {
 public:
  explicit PeerClientFactory(int conn) : conn_(conn) { noisy = false; }
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    auto p = std::make_unique<Client<Base>>(conn_);
    p->factory = this;
    return p;
  }
  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    results.finish("connection " + std::to_string(conn_) + " failed: " + reason.getErrorMessage());
  }

 private:
  int conn_;
};

template <class Base>
int runServer() {
  std::shared_ptr<Factory> factory = opts.halfclose ? Factory::forProtocol<HalfCloseServer<Base>>()
                                                    : Factory::forProtocol<Server<Base>>();
  factory->noisy = false;
  std::shared_ptr<IListeningPort> port;
  if (!opts.unix.empty()) {
    port = reactor().listenUNIX(opts.unix, factory);
    std::printf("server: listening on unix %s.\n", opts.unix.c_str());
  } else {
    port = reactor().listenTCP(0, factory, 50, "127.0.0.1");
    std::printf("server: listening on port %d.\n", portOf(port->getHost()));
  }
  std::fflush(stdout);
  reactor().run();
  std::printf("server: done\n");
  return 0;
}

template <class Base>
int runClient() {
  int connections = opts.scenario == "many" ? opts.connections : 1;
  for (int conn = 0; conn < connections; ++conn) {
    auto factory = std::make_shared<PeerClientFactory<Base>>(conn);
    if (!opts.unix.empty())
      reactor().connectUNIX(opts.unix, factory);
    else
      reactor().connectTCP("127.0.0.1", opts.port, factory);
  }
  reactor().run();

  for (const auto& e : results.errors)
    std::printf("client: FAIL %s\n", e.c_str());
  const auto& sizes = kSizes.at(opts.scenario);
  std::vector<std::string> sent;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    sent.push_back(message(0, static_cast<int>(i), sizes[i]));
  if (opts.scenario == "aborts") sent.emplace_back("abort");
  std::size_t bytes = 0;
  std::uint32_t sum = 0;
  for (const auto& m : sent)
    bytes += m.size(), sum += byteSum(m);
  std::printf("client: expect server messages=%zu bytes=%zu sum=%u\n", sent.size(), bytes, sum);
  if (!results.errors.empty()) return 1;
  std::printf("client: ok %s %s x%d\n", opts.framing.c_str(), opts.scenario.c_str(), connections);
  return 0;
}

template <class Base>
int runRole() {
  return opts.role == "server" ? runServer<Base>() : runClient<Base>();
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "interop_peer: %s\n", why.c_str());
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
    if (a == "--framing")
      opts.framing = value();
    else if (a == "--scenario")
      opts.scenario = value();
    else if (a == "--port")
      opts.port = std::stoi(value());
    else if (a == "--chunk")
      opts.chunk = std::stoi(value());
    else if (a == "--connections")
      opts.connections = std::stoi(value());
    else if (a == "--halfclose")
      opts.halfclose = true;
    else if (a == "--unix")
      opts.unix = value();
    else
      usage("unknown option " + a);
  }
  if (!kSizes.contains(opts.scenario)) usage("unknown scenario " + opts.scenario);
  if (opts.framing == "line") return runRole<LineBase>();
  if (opts.framing == "int32") return runRole<Int32Base>();
  if (opts.framing == "netstring") return runRole<NetstringBase>();
  usage("unknown framing " + opts.framing);
}
