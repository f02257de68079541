// Seed 001 §3.1.2: one factory instance listening on three ports. Every
// protocol it builds has `factory` pointing at it, so the connections of all
// three ports share its data (here the `users` list), and startFactory /
// stopFactory run once, not once per port.
//
//   _fac = ChatFactory()
//   reactor.listenTCP(8123, _fac)
//   reactor.listenTCP(8124, _fac)
//   reactor.listenTCP(8125, _fac)
//   _fac.users = ["12", "23"]
//   ...
//   print(p.factory.users)
//
// To run by itself, the program connects once to each of its ports, prints
// the shared list from each server-side protocol, then stops.
//
// Usage: multi_port_factory [PORT PORT PORT]   (default 8123 8124 8125, as in
// the seed; 0 picks free ports)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/defer/gather_results.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Address;
using twisted::internet::ClientFactory;
using twisted::internet::Factory;
using twisted::internet::IListeningPort;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;

namespace {

class SharedFactory : public Factory {
 public:
  void startFactory() override { std::printf("startFactory\n"); }
  void stopFactory() override { std::printf("stopFactory\n"); }
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  std::vector<std::string> users;
  int connections = 0;
};

// Adds one user per connection to the factory's list, then prints it.
class Member : public Protocol {
 public:
  void connectionMade() override {
    auto* f = static_cast<SharedFactory*>(factory);  // p.factory
    int n = ++f->connections;
    f->users.push_back("user" + std::to_string(n));
    std::string list;
    for (const std::string& u : f->users)
      list += (list.empty() ? "" : ", ") + u;
    std::printf("connection %d, factory.users: [%s]\n", n, list.c_str());
    transport->loseConnection();
  }
};

std::unique_ptr<Protocol> SharedFactory::buildProtocol(const Address&) {
  auto p = std::make_unique<Member>();
  p->factory = this;  // what Factory.buildProtocol does
  return p;
}

// The client side: closes when the server does; the last one stops the reactor.
class Visitor : public Protocol {
 public:
  void connectionLost(const twisted::python::Failure&) override {
    if (++closed == 3) reactor().stop();
  }
  static inline int closed = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> wanted = {8123, 8124, 8125};
  if (argc == 4)
    for (int i = 0; i < 3; ++i)
      wanted[i] = std::atoi(argv[i + 1]);

  auto fac = std::make_shared<SharedFactory>();
  fac->noisy = false;
  fac->users = {"12", "23"};
  std::vector<std::shared_ptr<IListeningPort>> ports;
  for (int port : wanted)
    ports.push_back(reactor().listenTCP(port, fac, 50, "127.0.0.1"));
  std::printf("one factory listening on %zu ports\n", ports.size());

  // Stop listening before shutdown: stopFactory runs when the last port closes.
  reactor().addSystemEventTrigger("before", "shutdown", [&ports] {
    std::vector<twisted::internet::defer::Deferred<void>> stopped;
    for (auto& port : ports)
      stopped.push_back(port->stopListening());
    return twisted::internet::defer::gatherResults(std::move(stopped));
  });
  auto visitors = std::make_shared<ClientFactory>();
  visitors->setProtocol<Visitor>();
  for (auto& port : ports)
    reactor().connectTCP("127.0.0.1", portOf(port->getHost()), visitors);
  reactor().run();
  return 0;
}
