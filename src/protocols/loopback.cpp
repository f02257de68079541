// twisted.protocols.loopback. Test: tests/protocols/test_loopback.cpp
#include <twisted/protocols/loopback.h>

#include <stdexcept>
#include <utility>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/reactor.h>

namespace twisted::protocols::loopback {

using internet::Protocol;
using python::Failure;

void LoopbackQueue::put(std::optional<std::string> v) {
  queue_.push_back(std::move(v));
  if (onPut) onPut();
}

std::optional<std::string> LoopbackQueue::get() {
  if (queue_.empty()) throw std::out_of_range("LoopbackQueue::get: empty");
  std::optional<std::string> v = std::move(queue_.front());
  queue_.pop_front();
  return v;
}

void identityPumpPolicy(LoopbackQueue& queue, Protocol& target) {
  while (queue) {
    std::optional<std::string> bytes = queue.get();
    if (!bytes) break;
    target.dataReceived(*bytes);
  }
}

void collapsingPumpPolicy(LoopbackQueue& queue, Protocol& target) {
  std::string bytes;
  while (queue) {
    std::optional<std::string> chunk = queue.get();
    if (!chunk) break;
    bytes += *chunk;
  }
  if (!bytes.empty()) target.dataReceived(bytes);
}

namespace {

/// One side's transport: writes go to its queue. Mirrors _LoopbackTransport.
class LoopbackTransport final : public internet::ITransport {
 public:
  explicit LoopbackTransport(LoopbackQueue& q) : q_(q) {}

  void write(std::string_view data) override {
    // Empty writes are dropped, as real transports do.
    if (!data.empty()) q_.put(std::string(data));
  }
  void writeSequence(std::span<const std::string_view> data) override {
    std::string joined;
    for (std::string_view d : data)
      joined += d;
    write(joined);
  }
  void loseConnection() override {
    if (q_.disconnect) return;
    q_.disconnect = true;
    q_.put(std::nullopt);
  }
  void abortConnection() override { loseConnection(); }
  bool disconnecting() const override { return q_.disconnect; }
  internet::Address getPeer() const override {
    return internet::IPv4Address{"TCP", "127.0.0.1", 0};
  }
  internet::Address getHost() const override {
    return internet::IPv4Address{"TCP", "127.0.0.1", 0};
  }
  std::string logPrefix() const override { return "Loopback"; }

  void registerProducer(internet::IProducer* producer, bool streaming) override {
    if (producer_) throw std::runtime_error("Cannot register two producers");
    producer_ = producer;
    streaming_ = streaming;
    pollProducer();
  }
  void unregisterProducer() override {
    if (!producer_) throw std::runtime_error("No producer is registered");
    producer_ = nullptr;
  }
  // Reading is not paused in memory: Twisted's loopback has no flow control
  // of its own either.
  void pauseProducing() override {}
  void resumeProducing() override {}
  void stopProducing() override {}

  /// A pull producer writes its next chunk. Mirrors _LoopbackTransport._pollProducer.
  void pollProducer() {
    if (producer_ && !streaming_) producer_->resumeProducing();
  }

 private:
  LoopbackQueue& q_;
  internet::IProducer* producer_ = nullptr;
  bool streaming_ = false;
};

class Loopback : public std::enable_shared_from_this<Loopback> {
 public:
  Loopback(Protocol& server, Protocol& client, internet::IReactorTime& clock, PumpPolicy policy)
      : server_(server), client_(client), clock_(clock), policy_(std::move(policy)) {}

  static internet::defer::Deferred<void> start(std::shared_ptr<Loopback> self) {
    Loopback& l = *self;
    std::weak_ptr<Loopback> weak = self;
    l.result_ = internet::defer::Deferred<void>([weak](internet::defer::Deferred<void>&) {
      if (auto s = weak.lock()) s->abort();
    });
    l.serverToClient_.onPut = [&l] { l.notify(); };
    l.clientToServer_.onPut = [&l] { l.notify(); };
    l.self_ = self;  // alive until both sides are disconnected
    internet::defer::Deferred<void> d = l.result_;
    try {
      l.server_.makeConnection(&l.serverTransport_);
      l.client_.makeConnection(&l.clientTransport_);
    } catch (...) {
      l.done_ = true;
      l.self_.reset();
      throw;
    }
    l.body();
    return d;
  }

 private:
  bool pump(LoopbackTransport& sourceTransport, LoopbackQueue& q, Protocol& target) {
    bool sent = false;
    if (q) {
      policy_(q, target);
      sent = true;
    }
    // A write buffer has been emptied: a pull producer on that side may
    // produce more.
    if (sent && !q) sourceTransport.pollProducer();
    return sent;
  }

  // Mirrors loopback._loopbackAsyncBody.
  void body() {
    auto keep = shared_from_this();
    while (!done_) {
      bool serverSent = pump(serverTransport_, serverToClient_, client_);
      bool clientSent = pump(clientTransport_, clientToServer_, server_);
      if (done_) return;
      if (!serverSent && !clientSent) {
        // Wait until someone writes: notify() schedules the next round.
        waiting_ = true;
        return;
      }
      bool disconnect = false;
      if (serverToClient_.disconnect) {
        // The server wants to drop the connection: flush what it has left.
        disconnect = true;
        pump(serverTransport_, serverToClient_, client_);
      } else if (clientToServer_.disconnect) {
        disconnect = true;
        pump(clientTransport_, clientToServer_, server_);
      }
      if (disconnect && !done_) {
        finish(internet::main::CONNECTION_DONE());
        result_.callback();
      }
    }
  }

  // Something was written while waiting: pump on the next turn, never
  // inside write(). Mirrors loopback._loopbackAsyncContinue.
  void notify() {
    if (!waiting_ || done_) return;
    waiting_ = false;
    next_ = clock_.callLater(0, [self = shared_from_this()] { self->body(); });
  }

  void finish(const Failure& reason) {
    done_ = true;
    waiting_ = false;
    if (next_.active()) next_.cancel();
    std::shared_ptr<Loopback> keep = std::move(self_);
    server_.connected = false;
    server_.connectionLost(reason);
    client_.connected = false;
    client_.connectionLost(reason);
  }

  void abort() {
    if (done_) return;
    finish(Failure(internet::error::ConnectionAborted()));
  }

  Protocol& server_;
  Protocol& client_;
  internet::IReactorTime& clock_;
  PumpPolicy policy_;
  LoopbackQueue serverToClient_;
  LoopbackQueue clientToServer_;
  LoopbackTransport serverTransport_{serverToClient_};
  LoopbackTransport clientTransport_{clientToServer_};
  internet::defer::Deferred<void> result_;
  std::shared_ptr<Loopback> self_;
  internet::DelayedCall next_;
  bool waiting_ = false;
  bool done_ = false;
};

}  // namespace

internet::defer::Deferred<void> loopbackAsync(Protocol& server, Protocol& client,
                                              internet::IReactorTime& clock,
                                              PumpPolicy pumpPolicy) {
  return Loopback::start(std::make_shared<Loopback>(server, client, clock, std::move(pumpPolicy)));
}

internet::defer::Deferred<void> loopbackAsync(Protocol& server, Protocol& client,
                                              PumpPolicy pumpPolicy) {
  return loopbackAsync(server, client, internet::reactor(), std::move(pumpPolicy));
}

namespace {

/// What a loopbackTCP waits for; shared by its two factories (and so kept
/// alive by the port and the connections the reactor holds).
struct TCPLoopback {
  internet::defer::Deferred<void> result;
  std::weak_ptr<internet::IListeningPort> port;
  bool serverLost = false;
  bool clientLost = false;
  bool done = false;

  // Stops the port, then fires the result (or fails it with `failure`).
  void finish(std::shared_ptr<TCPLoopback> self, std::optional<Failure> failure) {
    if (done) return;
    done = true;
    auto fire = [self, failure = std::move(failure)]() {
      if (failure) {
        self->result.errback(*failure);
      } else {
        self->result.callback();
      }
    };
    if (auto p = port.lock()) {
      p->stopListening().addBoth(fire);
    } else {
      fire();
    }
  }
};

/// The protocol a loopbackTCP connection owns: forwards every event to the
/// borrowed protocol, and reports connectionLost. Mirrors loopback._FireOnClose.
class Forwarder : public Protocol {
 public:
  Forwarder(Protocol& target, std::shared_ptr<TCPLoopback> state, bool isServer)
      : target_(target), state_(std::move(state)), isServer_(isServer) {}

  void makeConnection(internet::ITransport* t) override {
    connected = true;
    transport = t;
    target_.makeConnection(t);
  }
  void dataReceived(std::string_view data) override { target_.dataReceived(data); }
  void connectionLost(const Failure& reason) override {
    target_.connected = false;
    try {
      target_.connectionLost(reason);
    } catch (...) {
      lost();  // the Deferred must fire anyway; the transport logs the error
      throw;
    }
    lost();
  }
  std::string logPrefix() const override { return target_.logPrefix(); }

 protected:
  Protocol& target_;

 private:
  void lost() {
    // The last thing done here: the result's callbacks may destroy target_.
    std::shared_ptr<TCPLoopback> s = std::move(state_);
    (isServer_ ? s->serverLost : s->clientLost) = true;
    if (s->serverLost && s->clientLost) s->finish(s, std::nullopt);
  }

  std::shared_ptr<TCPLoopback> state_;
  bool isServer_;
};

/// A Forwarder for a protocol that wants half-closes.
class HalfCloseableForwarder final : public Forwarder, public internet::IHalfCloseableProtocol {
 public:
  HalfCloseableForwarder(Protocol& target, internet::IHalfCloseableProtocol& half,
                         std::shared_ptr<TCPLoopback> state, bool isServer)
      : Forwarder(target, std::move(state), isServer), half_(half) {}
  void readConnectionLost() override { half_.readConnectionLost(); }
  void writeConnectionLost() override { half_.writeConnectionLost(); }

 private:
  internet::IHalfCloseableProtocol& half_;
};

/// Hands out its protocol once. Mirrors the WrappingFactory + buildProtocol
/// lambda (server side) and LoopbackClientFactory (client side) of Twisted.
class OneShotFactory final : public internet::ClientFactory {
 public:
  OneShotFactory(Protocol& target, std::shared_ptr<TCPLoopback> state, bool isServer)
      : target_(&target), state_(std::move(state)), isServer_(isServer) {}

  std::unique_ptr<Protocol> buildProtocol(const internet::Address&) override {
    Protocol* target = std::exchange(target_, nullptr);
    if (!target) return nullptr;  // a second connection: refused
    std::unique_ptr<Protocol> p;
    if (auto* half = dynamic_cast<internet::IHalfCloseableProtocol*>(target)) {
      p = std::make_unique<HalfCloseableForwarder>(*target, *half, state_, isServer_);
    } else {
      p = std::make_unique<Forwarder>(*target, state_, isServer_);
    }
    p->factory = this;
    return p;
  }
  void clientConnectionFailed(internet::IConnector&, const Failure& reason) override {
    state_->finish(state_, reason);
  }
  std::string logPrefix() const override { return "LoopbackTCP"; }

 private:
  Protocol* target_;
  std::shared_ptr<TCPLoopback> state_;
  bool isServer_;
};

}  // namespace

internet::defer::Deferred<void> loopbackTCP(Protocol& server, Protocol& client,
                                            internet::IReactorTCP& reactor, int port, bool noisy) {
  auto state = std::make_shared<TCPLoopback>();
  auto serverFactory = std::make_shared<OneShotFactory>(server, state, true);
  serverFactory->noisy = noisy;
  std::shared_ptr<internet::IListeningPort> listening =
      reactor.listenTCP(port, serverFactory, 50, "127.0.0.1");
  state->port = listening;
  auto clientFactory = std::make_shared<OneShotFactory>(client, state, false);
  clientFactory->noisy = noisy;
  try {
    reactor.connectTCP("127.0.0.1", internet::portOf(listening->getHost()), clientFactory);
  } catch (...) {
    state->done = true;
    listening->stopListening();
    throw;
  }
  return state->result;
}

internet::defer::Deferred<void> loopbackTCP(Protocol& server, Protocol& client, int port,
                                            bool noisy) {
  return loopbackTCP(server, client, internet::reactor(), port, noisy);
}

}  // namespace twisted::protocols::loopback
