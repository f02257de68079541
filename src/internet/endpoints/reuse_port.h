// tcp:PORT:reusePort=1: a TCP server endpoint whose socket has SO_REUSEPORT,
// so several listening sockets (one per reactor thread) share the port and
// the kernel spreads connections over them. No Twisted equivalent.
#pragma once

#include <memory>
#include <string>

#include <twisted/internet/interfaces/ireactor_socket.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>

namespace twisted::internet::endpoints::detail {

/// Listens like TCP4ServerEndpoint / TCP6ServerEndpoint (`v6`), on a
/// socket bound with SO_REUSEADDR and SO_REUSEPORT and handed to the
/// reactor with adoptStreamPort. `interface` is an address literal ("" =
/// all IPv4 interfaces).
class ReusePortServerEndpoint final : public IStreamServerEndpoint {
 public:
  ReusePortServerEndpoint(IReactorSocket& reactor, bool v6, int port, int backlog,
                          std::string interface)
      : reactor_(reactor),
        v6_(v6),
        port_(port),
        backlog_(backlog),
        interface_(std::move(interface)) {}
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  IReactorSocket& reactor_;
  bool v6_;
  int port_, backlog_;
  std::string interface_;
};

}  // namespace twisted::internet::endpoints::detail
