// Seed 004 part 4 (twisted-client-1/get-poetry.py): the asynchronous poetry
// client written directly against the reactor's FD-set API. Each PoetrySocket
// provides fileno/doRead/connectionLost/logPrefix (IReadDescriptor) and is
// registered with addReader; the reactor calls doRead whenever its socket is
// readable, and the last socket to finish stops the reactor.
//
// Usage: get_poetry [HOST:]PORT ...   (run slow_poetry_server first)
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>

using twisted::internet::DescriptorResult;
using twisted::internet::IReadDescriptor;
using twisted::internet::reactor;
using twisted::python::Failure;
namespace main_ = twisted::internet::main;

class PoetrySocket : public IReadDescriptor {
 public:
  PoetrySocket(int taskNum, std::string host, int port)
      : taskNum_(taskNum), host_(std::move(host)), port_(port) {
    // The seed connects with a blocking connect(), then switches to
    // non-blocking reads; so do we.
    sock_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1)
      throw std::invalid_argument("not an IPv4 address: " + host_);
    if (::connect(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect to " + formatAddr() + ": " + std::strerror(errno));
    int flags = 1;
    ::ioctl(sock_, FIONBIO, &flags);
    // Tell the reactor to monitor this socket for reading.
    reactor().addReader(this);
  }
  ~PoetrySocket() override {
    if (sock_ >= 0) ::close(sock_);
  }

  int fileno() const override { return sock_; }

  void connectionLost(const Failure&) override {
    ::close(sock_);
    sock_ = -1;
    // Stop monitoring this socket (the reactor already has; this is harmless).
    reactor().removeReader(this);
    // See if there are any poetry sockets left.
    for (IReadDescriptor* reader : reactor().getReaders())
      if (dynamic_cast<PoetrySocket*>(reader)) return;
    reactor().stop();  // no more poetry
  }

  DescriptorResult doRead() override {
    std::string bytes;
    char buf[1024];
    for (;;) {
      ssize_t n = ::recv(sock_, buf, sizeof buf, 0);
      if (n > 0) {
        bytes.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        break;
      } else if (errno == EWOULDBLOCK || errno == EAGAIN) {
        break;
      } else if (errno != EINTR) {
        return main_::CONNECTION_LOST();
      }
    }
    if (bytes.empty()) {
      std::printf("Task %d finished\n", taskNum_);
      return main_::CONNECTION_DONE();
    }
    std::printf("Task %d: got %zu bytes of poetry from %s\n", taskNum_, bytes.size(),
                formatAddr().c_str());
    poem_ += bytes;
    return std::nullopt;
  }

  std::string logPrefix() const override { return "poetry"; }

  const std::string& poem() const { return poem_; }

 private:
  std::string formatAddr() const { return host_ + ":" + std::to_string(port_); }

  int taskNum_;
  std::string host_;
  int port_;
  int sock_ = -1;
  std::string poem_;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [HOST:]PORT ...\n", argv[0]);
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<PoetrySocket>> sockets;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto colon = arg.rfind(':');
    std::string host = colon == std::string::npos ? "127.0.0.1" : arg.substr(0, colon);
    int port = std::stoi(colon == std::string::npos ? arg : arg.substr(colon + 1));
    sockets.push_back(std::make_unique<PoetrySocket>(i, host, port));
  }
  reactor().run();
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  for (std::size_t i = 0; i < sockets.size(); ++i)
    std::printf("Task %zu: %zu bytes of poetry\n", i + 1, sockets[i]->poem().size());
  std::printf("Got %zu poems in %.3fs\n", sockets.size(), elapsed.count());
  return 0;
}
