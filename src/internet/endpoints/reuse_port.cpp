#include "internet/endpoints/reuse_port.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <twisted/internet/error.h>

#include "internet/endpoints/listen.h"

namespace twisted::internet::endpoints::detail {

namespace {

// Closes the descriptor it holds when it goes (the reactor keeps its own
// duplicate).
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

defer::Deferred<std::shared_ptr<IListeningPort>> ReusePortServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return listenWith([&]() -> std::shared_ptr<IListeningPort> {
    auto fail = [&](const std::string& reason) {
      throw error::CannotListenError(interface_, port_, reason);
    };
    if (port_ < 0 || port_ > 65535) fail("port out of range 0-65535");
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::string host = interface_.empty() ? (v6_ ? "::" : "0.0.0.0") : interface_;
    int family = v6_ ? AF_INET6 : AF_INET;
    if (auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        ::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
      family = AF_INET6;
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<uint16_t>(port_));
      length = sizeof(sockaddr_in6);
    } else if (auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
               ::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
      family = AF_INET;
      in4->sin_family = AF_INET;
      in4->sin_port = htons(static_cast<uint16_t>(port_));
      length = sizeof(sockaddr_in);
    } else {
      fail("the interface must be an IPv4 or IPv6 address literal");
    }
    Fd s{::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) fail(std::strerror(errno));
    int one = 1;
    ::setsockopt(s.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(s.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      fail(std::string("SO_REUSEPORT: ") + std::strerror(errno));
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
        ::listen(s.fd, backlog_) != 0)
      fail(std::strerror(errno));
    return reactor_.adoptStreamPort(s.fd, family, std::move(factory));
  });
}

}  // namespace twisted::internet::endpoints::detail
