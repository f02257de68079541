// `twist portforward`: twisted.protocols.portforward.ProxyFactory, with the
// options (and defaults) of Twisted's portforward plugin.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <twisted/protocols/portforward.h>

#include "../service.h"

namespace twisted::twist {
namespace {

class PortForwardService : public ServiceMaker {
 public:
  std::string tapname() const override { return "portforward"; }
  std::string description() const override {
    return "Port forwarder: relays each connection to --dest-host:--dest-port";
  }
  // --port is the plugin's way of saying --listen tcp:PORT.
  std::optional<std::string> defaultListen() const override {
    return "tcp:" + std::to_string(port_);
  }
  void options(CLI::App& command) override {
    command.add_option("--port", port_, "Listen on this port (same as --listen tcp:PORT)")
        ->check(CLI::Range(0, 65535))
        ->excludes("--listen")
        ->capture_default_str();
    command.add_option("--dest-host", destHost_, "Forward to this host")->capture_default_str();
    command.add_option("--dest-port", destPort_, "Forward to this port")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
  }
  std::shared_ptr<internet::Factory> makeFactory() override {
    return std::make_shared<protocols::portforward::ProxyFactory>(destHost_, destPort_);
  }

 private:
  int port_ = 6666;
  std::string destHost_ = "localhost";
  int destPort_ = 6665;
};

}  // namespace

std::unique_ptr<ServiceMaker> makePortforwardService() {
  return std::make_unique<PortForwardService>();
}

}  // namespace twisted::twist
