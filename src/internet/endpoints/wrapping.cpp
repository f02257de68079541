// Test: tests/internet/endpoints/test_endpoints.cpp
#include "internet/endpoints/wrapping.h"

#include <type_traits>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor_receiver.h>
#include <twisted/internet/interfaces/ihandshake_listener.h>

namespace twisted::internet::endpoints::detail {
namespace {

using python::Failure;

class WrappingProtocol : public Protocol {
 public:
  WrappingProtocol(std::unique_ptr<Protocol> wrapped, defer::Deferred<Protocol*> ready,
                   std::function<void()> lost)
      : wrapped_(std::move(wrapped)), connected_(std::move(ready)), lost_(std::move(lost)) {}

  void connectionMade() override {
    wrapped_->makeConnection(transport);
    // Cancelled while the connection was being made: the caller gave up.
    if (connected_.called()) {
      transport->loseConnection();
      return;
    }
    connected_.callback(wrapped_.get());
  }
  void dataReceived(std::string_view data) override { wrapped_->dataReceived(data); }
  void connectionLost(const Failure& reason) override {
    Protocol::connectionLost(reason);
    // `lost` is told even if the protocol throws (Twisted's finally).
    struct Notify {
      std::function<void()>& f;
      ~Notify() {
        if (f) std::exchange(f, {})();
      }
    } notify{lost_};
    wrapped_->connectionLost(reason);
  }
  std::string logPrefix() const override { return wrapped_->logPrefix(); }
  Protocol* wrapped() const noexcept { return wrapped_.get(); }

 protected:
  std::unique_ptr<Protocol> wrapped_;

 private:
  defer::Deferred<Protocol*> connected_;
  std::function<void()> lost_;
};

// The optional protocol interfaces, each forwarding to the wrapped protocol;
// a distinct empty base stands in when the wrapped protocol lacks one.
struct HalfCloseForwarder : IHalfCloseableProtocol {
  explicit HalfCloseForwarder(Protocol* p) : to(dynamic_cast<IHalfCloseableProtocol*>(p)) {}
  void readConnectionLost() override { to->readConnectionLost(); }
  void writeConnectionLost() override { to->writeConnectionLost(); }
  IHalfCloseableProtocol* to;
};
struct FdForwarder : IFileDescriptorReceiver {
  explicit FdForwarder(Protocol* p) : to(dynamic_cast<IFileDescriptorReceiver*>(p)) {}
  void fileDescriptorReceived(int descriptor) override { to->fileDescriptorReceived(descriptor); }
  IFileDescriptorReceiver* to;
};
struct HandshakeForwarder : IHandshakeListener {
  explicit HandshakeForwarder(Protocol* p) : to(dynamic_cast<IHandshakeListener*>(p)) {}
  void handshakeCompleted() override { to->handshakeCompleted(); }
  IHandshakeListener* to;
};
struct NoHalfClose {
  explicit NoHalfClose(Protocol*) {}
};
struct NoFd {
  explicit NoFd(Protocol*) {}
};
struct NoHandshake {
  explicit NoHandshake(Protocol*) {}
};

template <bool Half, bool Fd, bool Handshake>
class WrappingProtocolOf final
    : public WrappingProtocol,
      public std::conditional_t<Half, HalfCloseForwarder, NoHalfClose>,
      public std::conditional_t<Fd, FdForwarder, NoFd>,
      public std::conditional_t<Handshake, HandshakeForwarder, NoHandshake> {
 public:
  WrappingProtocolOf(std::unique_ptr<Protocol> wrapped, defer::Deferred<Protocol*> ready,
                     std::function<void()> lost)
      : WrappingProtocol(std::move(wrapped), std::move(ready), std::move(lost)),
        std::conditional_t<Half, HalfCloseForwarder, NoHalfClose>(wrapped_.get()),
        std::conditional_t<Fd, FdForwarder, NoFd>(wrapped_.get()),
        std::conditional_t<Handshake, HandshakeForwarder, NoHandshake>(wrapped_.get()) {}
};

template <bool... Chosen>
std::unique_ptr<Protocol> make(std::unique_ptr<Protocol>& wrapped,
                               defer::Deferred<Protocol*>& connected, std::function<void()>& lost) {
  if constexpr (sizeof...(Chosen) == 3) {
    return std::make_unique<WrappingProtocolOf<Chosen...>>(std::move(wrapped), std::move(connected),
                                                           std::move(lost));
  } else {
    Protocol* p = wrapped.get();
    bool has = sizeof...(Chosen) == 0   ? dynamic_cast<IHalfCloseableProtocol*>(p) != nullptr
               : sizeof...(Chosen) == 1 ? dynamic_cast<IFileDescriptorReceiver*>(p) != nullptr
                                        : dynamic_cast<IHandshakeListener*>(p) != nullptr;
    return has ? make<Chosen..., true>(wrapped, connected, lost)
               : make<Chosen..., false>(wrapped, connected, lost);
  }
}

class WrappingFactory final : public ClientFactory {
 public:
  WrappingFactory(std::shared_ptr<Factory> wrapped, defer::Deferred<Protocol*> connected)
      : wrapped_(std::move(wrapped)), connected_(std::move(connected)) {
    noisy = false;  // the wrapped factory's doStart/doStop log, as in Twisted
  }

  std::string logPrefix() const override { return wrapped_->logPrefix(); }
  void startFactory() override { wrapped_->doStart(); }
  void stopFactory() override { wrapped_->doStop(); }

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    if (connected_.called()) return nullptr;  // cancelled meanwhile
    std::unique_ptr<Protocol> p;
    try {
      p = wrapped_->buildProtocol(addr);
    } catch (...) {
      connected_.errback(Failure());
      return nullptr;
    }
    if (!p) {
      connected_.errback(Failure(error::NoProtocol()));
      return nullptr;
    }
    return wrapProtocol(std::move(p), connected_);
  }

  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    if (!connected_.called()) connected_.errback(reason);
  }

  std::weak_ptr<IConnector> connector;

 private:
  std::shared_ptr<Factory> wrapped_;
  defer::Deferred<Protocol*> connected_;
};

}  // namespace

std::unique_ptr<Protocol> wrapProtocol(std::unique_ptr<Protocol> wrapped,
                                       defer::Deferred<Protocol*> connected,
                                       std::function<void()> lost) {
  return make<>(wrapped, connected, lost);
}

Protocol* unwrapProtocol(Protocol* p) noexcept {
  auto* w = dynamic_cast<WrappingProtocol*>(p);
  return w ? w->wrapped() : p;
}

defer::Deferred<Protocol*> wrapConnect(std::shared_ptr<Factory> factory, const Connect& connect,
                                       std::string destination) {
  // The canceller reaches the connector through the factory, weakly: the
  // connector owns the factory, the factory's Deferred owns the canceller.
  auto cell = std::make_shared<std::weak_ptr<WrappingFactory>>();
  defer::Deferred<Protocol*> connected([cell, destination](defer::Deferred<Protocol*>& d) mutable {
    d.errback(Failure(error::ConnectingCancelledError(std::move(destination))));
    if (auto f = cell->lock()) {
      if (auto c = f->connector.lock()) {
        try {
          c->stopConnecting();
        } catch (const error::NotConnectingError&) {
          // Already connected or failed: nothing to stop.
        }
      }
    }
  });
  auto wrapping = std::make_shared<WrappingFactory>(std::move(factory), connected);
  *cell = wrapping;
  try {
    wrapping->connector = connect(wrapping);
  } catch (...) {
    if (!connected.called()) connected.errback(Failure());
  }
  return connected;
}

}  // namespace twisted::internet::endpoints::detail
