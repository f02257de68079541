// HostnameEndpoint. Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#include <twisted/internet/endpoints/hostname_endpoint.h>

#include <sys/socket.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include <twisted/internet/endpoints/detail/happy_eyeballs.h>
#include <twisted/internet/error.h>

#include "internet/name_lookup.h"

namespace twisted::internet::endpoints {

namespace {

// The address `host` spells, if it is an IPv4 or IPv6 literal (no DNS asked).
std::optional<Address> literalAddress(const std::string& host, int port) {
  twisted::internet::detail::AddressInfo info =
      twisted::internet::detail::getAddressInfo(host, port, AF_UNSPEC, SOCK_STREAM, true, "TCP");
  if (!info.found) return std::nullopt;
  return info.addresses.front();
}

// --- Interim: until TCP4ClientEndpoint / TCP6ClientEndpoint (branch
// i14-endpoints) land, one attempt is this minimal connectTCP wrapper; it
// then gives way to them (the one wrapping implementation).

class AttemptFactory;

// Owns the caller's protocol and tells the attempt once its connectionMade
// has run.
class AttemptProtocol final : public Protocol {
 public:
  AttemptProtocol(std::unique_ptr<Protocol> wrapped, std::shared_ptr<AttemptFactory> owner)
      : wrapped_(std::move(wrapped)), owner_(std::move(owner)) {}
  void connectionMade() override;
  void dataReceived(std::string_view data) override { wrapped_->dataReceived(data); }
  void connectionLost(const python::Failure& reason) override { wrapped_->connectionLost(reason); }
  std::string logPrefix() const override { return wrapped_->logPrefix(); }

 private:
  std::unique_ptr<Protocol> wrapped_;
  std::shared_ptr<AttemptFactory> owner_;
};

class AttemptFactory final : public ClientFactory,
                             public std::enable_shared_from_this<AttemptFactory> {
 public:
  AttemptFactory(std::shared_ptr<Factory> wrapped, Address address)
      : wrapped_(std::move(wrapped)), address_(std::move(address)) {}

  defer::Deferred<Protocol*> start(IReactorTCP& tcp, double timeout,
                                   const std::optional<std::pair<std::string, int>>& bindAddress) {
    std::weak_ptr<AttemptFactory> weak = weak_from_this();
    deferred_ = defer::Deferred<Protocol*>([weak](defer::Deferred<Protocol*>& d) {
      auto self = weak.lock();
      d.errback(python::Failure(error::ConnectingCancelledError(self ? toString(self->address_)
                                                                     : std::string("an address"))));
      if (self && self->connector_) self->connector_->stopConnecting();
    });
    defer::Deferred<Protocol*> result = deferred_;
    try {
      connector_ = tcp.connectTCP(hostOf(address_), portOf(address_), shared_from_this(), timeout,
                                  bindAddress);
    } catch (...) {
      if (!deferred_.called()) deferred_.errback(python::Failure());
    }
    return result;
  }

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    if (deferred_.called()) return nullptr;  // cancelled meanwhile
    std::unique_ptr<Protocol> p = wrapped_->buildProtocol(addr);
    if (!p) {
      deferred_.errback(python::Failure(error::NoProtocol()));
      return nullptr;
    }
    return std::make_unique<AttemptProtocol>(std::move(p), shared_from_this());
  }

  void clientConnectionFailed(IConnector&, const python::Failure& reason) override {
    connector_.reset();  // it holds us
    if (!deferred_.called()) deferred_.errback(reason);
  }

  void connected(Protocol* p) {
    connector_.reset();
    if (!deferred_.called()) deferred_.callback(p);
  }

 private:
  std::shared_ptr<Factory> wrapped_;
  Address address_;
  defer::Deferred<Protocol*> deferred_;
  std::shared_ptr<IConnector> connector_;
};

void AttemptProtocol::connectionMade() {
  wrapped_->makeConnection(transport);
  owner_->connected(wrapped_.get());
}

class AttemptEndpoint final : public IStreamClientEndpoint {
 public:
  AttemptEndpoint(IReactorTCP& tcp, Address address, double timeout,
                  std::optional<std::pair<std::string, int>> bindAddress)
      : tcp_(tcp),
        address_(std::move(address)),
        timeout_(timeout),
        bindAddress_(std::move(bindAddress)) {}
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override {
    return std::make_shared<AttemptFactory>(std::move(factory), address_)
        ->start(tcp_, timeout_, bindAddress_);
  }

 private:
  IReactorTCP& tcp_;
  Address address_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
};

// --- End of the interim part.

// The endpoint one resolved address is tried through.
std::shared_ptr<IStreamClientEndpoint> makeAttemptEndpoint(
    IReactorTCP& tcp, const Address& address, double timeout,
    const std::optional<std::pair<std::string, int>>& bindAddress) {
  return std::make_shared<AttemptEndpoint>(tcp, address, timeout, bindAddress);
}

}  // namespace

HostnameEndpoint::HostnameEndpoint(IReactorTCP& tcp, IReactorTime& clock,
                                   std::shared_ptr<IHostnameResolver> resolver, std::string host,
                                   int port, double timeout,
                                   std::optional<std::pair<std::string, int>> bindAddress,
                                   double attemptDelay)
    : tcp_(tcp),
      clock_(clock),
      resolver_(std::move(resolver)),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)),
      attemptDelay_(attemptDelay) {
  if (!resolver_ && !literalAddress(host_, port_))
    throw std::invalid_argument("HostnameEndpoint: no resolver for '" + host_ +
                                "' (the reactor runs no thread pool: pass one)");
}

defer::Deferred<Protocol*> HostnameEndpoint::connect(std::shared_ptr<Factory> factory) {
  defer::Deferred<std::vector<Address>> resolution;
  if (std::optional<Address> literal = literalAddress(host_, port_)) {
    resolution = defer::succeed(std::vector<Address>{*literal});
  } else {
    try {
      resolution = resolver_->resolveHostName(host_, port_);
    } catch (...) {
      resolution = defer::fail<std::vector<Address>>(python::Failure());
    }
  }
  // The attempts refer to the reactor, not to this endpoint.
  IReactorTCP* tcp = &tcp_;
  auto makeEndpoint = [tcp, timeout = timeout_, bindAddress = bindAddress_](
                          const Address& address) -> std::shared_ptr<IStreamClientEndpoint> {
    return makeAttemptEndpoint(*tcp, address, timeout, bindAddress);
  };
  return detail::happyEyeballs(clock_, std::move(resolution), std::move(makeEndpoint),
                               std::move(factory), attemptDelay_, detail::RaceTarget{host_, port_});
}

std::string HostnameEndpoint::repr() const {
  return "<HostnameEndpoint " + detail::describeTarget({host_, port_}) + ">";
}

}  // namespace twisted::internet::endpoints
