// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/standard_io_endpoint.h>

#include <optional>

#include <twisted/internet/error.h>
#include <twisted/internet/stdio.h>

#include "internet/endpoints/wrapping.h"

namespace twisted::internet::endpoints {
namespace {

// The "port" of a stdio connection: stopping it closes the connection.
class StandardIOPort final : public IListeningPort {
 public:
  void startListening() override {
    throw error::CannotListenError("", 0, "standard I/O cannot be listened on again");
  }
  defer::Deferred<void> stopListening() override {
    if (closed_) return defer::succeed();
    if (stdio_ && !stdio_->disconnecting()) stdio_->loseConnection();
    defer::Deferred<void> d;
    waiting_.push_back(d);
    return d;
  }
  Address getHost() const override { return PipeAddress{}; }

  /// The connection's connectionLost has run.
  void lost() {
    closed_ = true;
    stdio_.reset();
    for (auto& d : std::exchange(waiting_, {}))
      d.callback();
  }

  std::optional<stdio::StandardIO> stdio_;
  bool closed_ = false;
  std::vector<defer::Deferred<void>> waiting_;
};

}  // namespace

StandardIOEndpoint::StandardIOEndpoint(ReactorBase& reactor, int stdinFd, int stdoutFd)
    : reactor_(reactor), stdinFd_(stdinFd), stdoutFd_(stdoutFd), inUse_(std::make_shared<bool>()) {}

defer::Deferred<std::shared_ptr<IListeningPort>> StandardIOEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  using Result = std::shared_ptr<IListeningPort>;
  if (*inUse_) return defer::fail<Result>(python::Failure(error::AlreadyListened()));
  try {
    std::unique_ptr<Protocol> p = factory->buildProtocol(PipeAddress{});
    if (!p) return defer::fail<Result>(python::Failure(error::NoProtocol()));
    auto port = std::make_shared<StandardIOPort>();
    // The port is told through a weak reference: the caller may drop it.
    std::weak_ptr<StandardIOPort> weak = port;
    std::shared_ptr<bool> inUse = inUse_;
    *inUse = true;
    auto wrapped = detail::wrapProtocol(std::move(p), defer::Deferred<Protocol*>(), [weak, inUse] {
      *inUse = false;
      if (auto alive = weak.lock()) alive->lost();
    });
    try {
      port->stdio_.emplace(std::move(wrapped), stdinFd_, stdoutFd_, reactor_);
    } catch (...) {
      *inUse = false;
      throw;
    }
    return defer::succeed(Result(std::move(port)));
  } catch (...) {
    return defer::fail<Result>(python::Failure());
  }
}

}  // namespace twisted::internet::endpoints
