// `twist echo`: twisted.protocols.wire.Echo on a port (default: 7, as assigned
// to it), with the transport as its own producer (bounded memory).
#include "echo.h"

#include <CLI/CLI.hpp>

#include <memory>

#include <twisted/internet/reactor.h>

#include "../service.h"

namespace twisted::twist {

void BoundedEcho::connectionMade() {
  Echo::connectionMade();
  transport->registerProducer(transport, true);
}

namespace {

// Reading pauses while more than this waits to be echoed.
constexpr std::size_t kMaxDueBytes = 64 * 1024;

class EchoService : public ListeningServiceMaker {
 public:
  std::string tapname() const override { return "echo"; }
  std::string description() const override {
    return "Echo: writes back what it receives (RFC 862)";
  }
  std::optional<std::string> defaultListen() const override { return "tcp:7"; }
  void serviceOptions(CLI::App& command) override {
    command
        .add_option("--delay", delay_,
                    "Write back each chunk this many seconds after it came (a slow server)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
  }
  std::shared_ptr<internet::Factory> makeFactory() override {
    if (delay_ <= 0) return internet::Factory::forProtocol<BoundedEcho>();
    auto factory = std::make_shared<internet::Factory>();
    internet::IReactorTime* clock = &serviceReactor();
    double delay = delay_;
    factory->protocol = [clock, delay]() -> std::unique_ptr<internet::Protocol> {
      return std::make_unique<DelayedEcho>(*clock, delay);
    };
    return factory;
  }

 private:
  double delay_ = 0;
};

}  // namespace

void DelayedEcho::dataReceived(std::string_view data) {
  due_.push_back({clock_.callLater(delay_, [this] { echoDue(); }), std::string(data)});
  dueBytes_ += data.size();
  if (!paused_ && dueBytes_ > kMaxDueBytes) {
    paused_ = true;
    transport->pauseProducing();
  }
}

void DelayedEcho::echoDue() {
  Due due = std::move(due_.front());
  due_.pop_front();
  dueBytes_ -= due.data.size();
  transport->write(due.data);
  if (paused_ && dueBytes_ <= kMaxDueBytes) {
    paused_ = false;
    transport->resumeProducing();
  }
  if (draining_ && due_.empty()) transport->loseConnection();
}

void DelayedEcho::drain() {
  draining_ = true;
  if (due_.empty()) transport->loseConnection();
}

void DelayedEcho::connectionLost(const python::Failure& reason) {
  for (Due& due : due_)
    if (due.call.active()) due.call.cancel();
  due_.clear();
  Protocol::connectionLost(reason);
}

std::unique_ptr<ServiceMaker> makeEchoService() {
  return std::make_unique<EchoService>();
}

}  // namespace twisted::twist
