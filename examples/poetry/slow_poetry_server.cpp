// Seed 004 part 2 (async-server/slowpoetry.py): a poetry server that sends a
// poem a few bytes at a time, so several clients can be watched receiving in
// parallel. Written, like the client of part 4, on the reactor's FD-set API:
// the listening socket is a reader; each connection sends a chunk from a
// callLater timer and closes when the poem is out.
//
// Usage: slow_poetry_server [--port N] [--num-bytes N] [--delay SECONDS] [POEM_FILE]
// Port 0 (the default) picks a free port; the chosen one is printed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <twisted/internet/reactor.h>

using twisted::internet::DelayedCall;
using twisted::internet::DescriptorResult;
using twisted::internet::IReadDescriptor;
using twisted::internet::reactor;
using twisted::python::Failure;

// Shakespeare, Sonnet 18 (public domain): the default poem.
constexpr const char* kSonnet =
    "Shall I compare thee to a summer's day?\n"
    "Thou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\n"
    "And summer's lease hath all too short a date;\n"
    "Sometime too hot the eye of heaven shines,\n"
    "And often is his gold complexion dimm'd;\n"
    "And every fair from fair sometime declines,\n"
    "By chance or nature's changing course untrimm'd;\n"
    "But thy eternal summer shall not fade,\n"
    "Nor lose possession of that fair thou ow'st;\n"
    "Nor shall death brag thou wander'st in his shade,\n"
    "When in eternal lines to time thou grow'st:\n"
    "So long as men can breathe or eyes can see,\n"
    "So long lives this, and this gives life to thee.\n";

struct Options {
  int port = 0;
  std::size_t numBytes = 10;
  double delay = 0.1;
  std::string poem = kSonnet;
};

class PoetryServer;

// One client: sends numBytes every delay seconds, then closes.
class PoetryConnection {
 public:
  PoetryConnection(PoetryServer& server, int fd) : server_(server), fd_(fd) { sendChunk(); }
  ~PoetryConnection() {
    if (timer_.active()) timer_.cancel();
    ::close(fd_);
  }

 private:
  void sendChunk();
  PoetryServer& server_;
  int fd_;
  std::size_t sent_ = 0;
  DelayedCall timer_;
};

class PoetryServer : public IReadDescriptor {
 public:
  explicit PoetryServer(Options opts) : opts_(std::move(opts)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(opts_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 50) != 0)
      throw std::runtime_error(std::string("cannot listen: ") + std::strerror(errno));
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    reactor().addReader(this);
  }
  ~PoetryServer() override {
    reactor().removeReader(this);
    ::close(fd_);
  }

  int port() const { return port_; }
  const Options& options() const { return opts_; }
  void finished(PoetryConnection* c) {
    // Deleting later: we are inside the connection's own timer callback.
    reactor().callLater(0, [this, c] {
      for (auto it = conns_.begin(); it != conns_.end(); ++it)
        if (it->get() == c) {
          conns_.erase(it);
          break;
        }
    });
  }

  int fileno() const override { return fd_; }
  DescriptorResult doRead() override {
    for (;;) {  // accept everything that is waiting
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (c < 0) break;
      char host[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host);
      std::printf("Somebody at %s:%d wants poetry!\n", host, ntohs(peer.sin_port));
      std::fflush(stdout);
      conns_.insert(std::make_unique<PoetryConnection>(*this, c));
    }
    return std::nullopt;
  }
  void connectionLost(const Failure&) override {}
  std::string logPrefix() const override { return "PoetryServer"; }

 private:
  Options opts_;
  int fd_ = -1;
  int port_ = 0;
  std::set<std::unique_ptr<PoetryConnection>> conns_;
};

void PoetryConnection::sendChunk() {
  const std::string& poem = server_.options().poem;
  if (sent_ >= poem.size()) {
    server_.finished(this);
    return;
  }
  std::size_t n = std::min(server_.options().numBytes, poem.size() - sent_);
  // Blocking semantics are fine for tiny chunks; a short write just resends.
  ssize_t w = ::send(fd_, poem.data() + sent_, n, MSG_NOSIGNAL);
  if (w < 0 && errno != EAGAIN) {
    server_.finished(this);
    return;
  }
  if (w > 0) sent_ += static_cast<std::size_t>(w);
  timer_ = reactor().callLater(server_.options().delay, &PoetryConnection::sendChunk, this);
}

int main(int argc, char** argv) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--port") {
      opts.port = std::stoi(value());
    } else if (a == "--num-bytes") {
      opts.numBytes = std::stoul(value());
    } else if (a == "--delay") {
      opts.delay = std::stod(value());
    } else {
      std::ifstream in(a);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", a.c_str());
        return 2;
      }
      std::ostringstream s;
      s << in.rdbuf();
      opts.poem = s.str();
    }
  }
  PoetryServer server(opts);
  std::printf("Serving poetry on port %d.\n", server.port());
  std::fflush(stdout);
  reactor().run();
  return 0;
}
