// HostnameEndpoint (twisted.internet.endpoints.HostnameEndpoint) connecting
// by name with happy eyeballs, over both families. A server listens on one
// port of 127.0.0.1 and, when the host has IPv6, of ::1; the client then
// connects to "localhost", "127.0.0.1" and "::1" on that port, one after the
// other, and prints the address each connection reached.
//
// Usage: hostname_endpoint_localhost [HOST PORT]   (with arguments: connect
// to HOST:PORT once and print where it went).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/endpoints/hostname_endpoint.h>
#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using namespace twisted::internet;
using endpoints::HostnameEndpoint;
using twisted::python::Failure;

// Connects to each host in turn, then stops the reactor.
void connectAll(std::vector<std::string> hosts, int port, std::size_t i = 0) {
  if (i == hosts.size()) {
    reactor().stop();
    return;
  }
  auto endpoint = std::make_shared<HostnameEndpoint>(reactor(), hosts[i], port);
  endpoint->connect(Factory::forProtocol<Protocol>())
      .addCallbacks(
          [=](Protocol* p) {
            std::printf("%s -> %s\n", endpoint->repr().c_str(),
                        toString(p->transport->getPeer()).c_str());
            p->transport->loseConnection();
          },
          [=](const Failure& f) {
            std::printf("%s failed: %s\n", endpoint->repr().c_str(), f.getErrorMessage().c_str());
          })
      .addBoth([=] { connectAll(hosts, port, i + 1); });
}

int main(int argc, char** argv) {
  std::vector<std::string> hosts;
  int port = 0;
  std::vector<std::shared_ptr<IListeningPort>> listening;
  if (argc == 3) {
    hosts = {argv[1]};
    port = std::atoi(argv[2]);
  } else {
    auto server = Factory::forProtocol<Protocol>();
    listening.push_back(reactor().listenTCP(0, server, 50, "127.0.0.1"));
    port = portOf(listening.back()->getHost());
    hosts = {"localhost", "127.0.0.1"};
    try {
      listening.push_back(reactor().listenTCP(port, server, 50, "::1"));
      hosts.push_back("::1");
    } catch (const error::CannotListenError& e) {
      std::printf("no IPv6 server: %s\n", e.what());
    }
  }
  reactor().callWhenRunning([=] { connectAll(hosts, port); });
  reactor().run();
}
