// ClientCreator's factory. Test: tests/internet/test_client_creator.cpp
#include <twisted/internet/client_creator.h>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>

namespace twisted::internet::detail {

namespace {

/// The factory of one ClientCreator connection: hands out its one protocol
/// and fires the Deferred on the next turn. Mirrors protocol._InstanceFactory.
///
/// Ownership: the connector owns this factory; the Deferred's canceller
/// holds weak references only, so an abandoned attempt leaks nothing.
class InstanceFactory final : public ClientFactory {
 public:
  InstanceFactory(IReactorTime& clock, std::unique_ptr<Protocol> instance,
                  defer::Deferred<Protocol*> d)
      : clock_(clock), instance_(std::move(instance)), deferred_(std::move(d)) {
    noisy = false;
  }

  std::string logPrefix() const override { return "ClientCreator factory"; }

  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    // As Twisted's: the one instance, its `factory` left unset.
    if (!instance_ || !deferred_) return nullptr;
    Protocol* p = instance_.get();
    fire(*std::exchange(deferred_, std::nullopt),
         [p](defer::Deferred<Protocol*>& d) { d.callback(p); });
    return std::move(instance_);
  }

  void clientConnectionFailed(IConnector&, const python::Failure& reason) override {
    if (!deferred_) return;
    fire(*std::exchange(deferred_, std::nullopt),
         [reason](defer::Deferred<Protocol*>& d) { d.errback(reason); });
  }

  void clientConnectionLost(IConnector&, const python::Failure& reason) override {
    // Lost before the Deferred fired: the protocol is about to be destroyed,
    // so fail with the reason rather than hand out a dangling pointer.
    if (pending_.active()) {
      pending_.cancel();
      target_->errback(reason);
    }
  }

  /// The canceller's part: drop a scheduled firing.
  void cancelPending() {
    if (pending_.active()) pending_.cancel();
  }

 private:
  template <class F>
  void fire(defer::Deferred<Protocol*> d, F how) {
    target_ = d;
    // The call holds the Deferred, not this factory (which the connector
    // may drop meanwhile).
    pending_ = clock_.callLater(0, [d, how = std::move(how)]() mutable { how(d); });
  }

  IReactorTime& clock_;
  std::unique_ptr<Protocol> instance_;
  std::optional<defer::Deferred<Protocol*>> deferred_;  // until connected or failed
  std::optional<defer::Deferred<Protocol*>> target_;    // what pending_ fires
  DelayedCall pending_;
};

}  // namespace

defer::Deferred<Protocol*> clientCreatorConnect(
    IReactorTime& clock, std::unique_ptr<Protocol> instance,
    const std::function<std::shared_ptr<IConnector>(std::shared_ptr<ClientFactory>)>& connect) {
  // The canceller needs the connector and the factory, which exist only
  // after the Deferred: it reads them through this shared cell.
  struct Cell {
    std::weak_ptr<IConnector> connector;
    std::weak_ptr<InstanceFactory> factory;
  };
  auto cell = std::make_shared<Cell>();
  defer::Deferred<Protocol*> d([cell](defer::Deferred<Protocol*>&) {
    auto factory = cell->factory.lock();
    if (auto connector = cell->connector.lock()) connector->disconnect();
    // disconnect() may have scheduled the failure (UserError): drop it, so
    // the Deferred fails with CancelledError instead, as in Twisted.
    if (factory) factory->cancelPending();
  });
  auto factory = std::make_shared<InstanceFactory>(clock, std::move(instance), d);
  cell->factory = factory;
  cell->connector = connect(factory);
  return d;
}

}  // namespace twisted::internet::detail
