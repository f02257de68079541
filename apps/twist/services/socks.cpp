// `twist socks`: twisted.protocols.socks.SOCKSv4Factory, with the options
// (and defaults) of Twisted's socks plugin (twisted.tap.socks).
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include <twisted/protocols/socks.h>

#include "../service.h"

namespace twisted::twist {
namespace {

class SocksService : public ListeningServiceMaker {
 public:
  std::string tapname() const override { return "socks"; }
  std::string description() const override {
    return "A SOCKSv4/4a proxy (CONNECT and BIND) on --interface:--port";
  }
  // --interface/--port are the plugin's way of saying --listen.
  std::optional<std::string> defaultListen() const override {
    return "tcp:" + std::to_string(port_) + ":interface=" + interface_;
  }
  void serviceOptions(CLI::App& command) override {
    command.add_option("--port", port_, "Listen on this port (same as --listen tcp:PORT)")
        ->check(CLI::Range(0, 65535))
        ->excludes("--listen")
        ->capture_default_str();
    command.add_option("--interface", interface_, "Listen on this local interface")
        ->excludes("--listen")
        ->capture_default_str();
    command.add_option("--log", log_, "File to log the relayed traffic to (hex dump)");
  }
  std::shared_ptr<internet::Factory> makeFactory() override {
    return std::make_shared<protocols::socks::SOCKSv4Factory>(
        log_.empty() ? std::nullopt : std::optional<std::string>(log_));
  }

 private:
  int port_ = 1080;
  std::string interface_ = "127.0.0.1";
  std::string log_;
};

}  // namespace

std::unique_ptr<ServiceMaker> makeSocksService() {
  return std::make_unique<SocksService>();
}

}  // namespace twisted::twist
