// `twist portforward`: twisted.protocols.portforward.ProxyFactory, with the
// options (and defaults) of Twisted's portforward plugin.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <twisted/protocols/portforward.h>

#include "../endpoint.h"
#include "../service.h"

namespace twisted::twist {
namespace {

class PortForwardService : public ListeningServiceMaker {
 public:
  std::string tapname() const override { return "portforward"; }
  std::string description() const override {
    return "Port forwarder: relays each connection to --dest-host:--dest-port";
  }
  // --port is the plugin's way of saying --listen tcp:PORT.
  std::optional<std::string> defaultListen() const override {
    return "tcp:" + std::to_string(port_);
  }
  void serviceOptions(CLI::App& command) override {
    command.add_option("--port", port_, "Listen on this port (same as --listen tcp:PORT)")
        ->check(CLI::Range(0, 65535))
        ->excludes("--listen")
        ->capture_default_str();
    auto* host =
        command.add_option("--dest-host", destHost_, "Forward to this host")->capture_default_str();
    auto* port = command.add_option("--dest-port", destPort_, "Forward to this port")
                     ->check(CLI::Range(1, 65535))
                     ->capture_default_str();
    command
        .add_option("--connect", connect_,
                    "Forward to this client endpoint instead: tcp:HOST:PORT, or "
                    "tls:HOST:PORT[:trustRoots=PATH][:certificate=PEM][:privateKey=PEM] "
                    "(TLS to the destination, its name verified)")
        ->excludes(host)
        ->excludes(port)
        ->check([](const std::string& d) {
          try {
            parseClientEndpoint(d);
            return std::string();
          } catch (const EndpointParseError& e) {
            return std::string(e.what());
          }
        });
  }
  std::shared_ptr<internet::Factory> makeFactory() override {
    if (connect_.empty())
      return std::make_shared<protocols::portforward::ProxyFactory>(destHost_, destPort_);
    ClientEndpoint to = parseClientEndpoint(connect_);
    auto f = std::make_shared<protocols::portforward::ProxyFactory>(to.host, to.port);
    if (to.tls) f->clientTLS = clientTLSOptions(to);
    return f;
  }

 private:
  int port_ = 6666;
  std::string connect_;
  std::string destHost_ = "localhost";
  int destPort_ = 6665;
};

}  // namespace

std::unique_ptr<ServiceMaker> makePortforwardService() {
  return std::make_unique<PortForwardService>();
}

}  // namespace twisted::twist
