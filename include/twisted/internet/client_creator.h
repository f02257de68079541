// ClientCreator: one-off client connections without writing a factory.
// Mirrors twisted.internet.protocol.ClientCreator (and its private
// _InstanceFactory).
//
//     ClientCreator<Greeter> creator(reactor(), "hello");  // Greeter("hello")
//     creator.connectTCP("localhost", 8123).addCallback([](Greeter* g) {
//       g->transport->write("hi\r\n");
//     });
//
// Ownership: the connection owns the protocol (as for any factory-built
// protocol); the P* the Deferred fires with is valid until its
// connectionLost returns.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_ssl.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

namespace detail {
/// ClientCreator's connect, untyped: connects `instance` through `connect`
/// (which calls the reactor's connectTCP with the factory it is given) and
/// returns the Deferred of the protocol.
TWISTED_API defer::Deferred<Protocol*> clientCreatorConnect(
    IReactorTime& clock, std::unique_ptr<Protocol> instance,
    const std::function<std::shared_ptr<IConnector>(std::shared_ptr<ClientFactory>)>& connect);
}  // namespace detail

/// Makes one protocol instance per connect call and hands it back through a
/// Deferred once connected.
///
/// Mirrors: twisted.internet.protocol.ClientCreator (connectTCP, and
/// connectUNIX / connectSSL when the reactor is an IReactorUNIX /
/// IReactorSSL). As in Twisted:
/// - the Deferred fires with the protocol via callLater(0) after its
///   connectionMade (so connectionMade has run when callbacks see it);
/// - a failed connection errbacks with the factory's reason
///   (ConnectionRefusedError, TimeoutError, DNSLookupError ...), also via
///   callLater(0);
/// - cancel() before that disconnects (stops the attempt, or loses the
///   connection just made) and errbacks with defer::CancelledError.
/// Unlike Twisted, if the connection is lost before the callLater(0) ran
/// (the protocol is then destroyed), the Deferred errbacks with the loss
/// reason rather than firing with a dangling pointer.
template <class P = Protocol>
class ClientCreator {
  static_assert(std::is_base_of_v<Protocol, P>, "P must derive from Protocol");

 public:
  /// Each connect builds `P(args...)` (copies of `args`). `reactor` must be
  /// an IReactorTCP and an IReactorTime (any reactor, MemoryReactorClock)
  /// and outlive the connections. Mirrors ClientCreator(reactor, protocolClass, *args).
  template <class R, class... A>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorTime> &&
      std::constructible_from < P,
      std::decay_t<A>
  &... > explicit ClientCreator(R& reactor, A&&... args)
      : tcp_(reactor),
  clock_(reactor), unixReactor_(asUNIX(reactor)), sslReactor_(asSSL(reactor)),
  build_([... a = std::forward<A>(args)]() { return std::unique_ptr<P>(new P(a...)); }) {}

  /// Each connect calls `builder()` for the protocol (for protocols that are
  /// not simply constructed). Mirrors ClientCreator with a protocol callable.
  template <class R, class B>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorTime> &&
      std::is_convertible_v<std::invoke_result_t<B&>, std::unique_ptr<P>>
      ClientCreator(R& reactor, B builder)
      : tcp_(reactor),
        clock_(reactor),
        unixReactor_(asUNIX(reactor)),
        sslReactor_(asSSL(reactor)),
        build_([b = std::move(builder)]() mutable { return std::unique_ptr<P>(b()); }) {}

  /// Connects to `host`:`port`; the parameters are those of
  /// IReactorTCP::connectTCP without the factory.
  /// Mirrors ClientCreator.connectTCP.
  defer::Deferred<P*> connectTCP(std::string_view host, int port, double timeout = 30,
                                 std::optional<std::pair<std::string, int>> bindAddress = {}) {
    IReactorTCP& tcp = tcp_;
    std::string h(host);
    auto d = detail::clientCreatorConnect(
        clock_, build_(),
        [&tcp, &h, port, timeout, &bindAddress](std::shared_ptr<ClientFactory> f) {
          return tcp.connectTCP(h, port, std::move(f), timeout, bindAddress);
        });
    return typed(std::move(d));
  }

  /// Connects to the Unix socket `address`; the parameters are those of
  /// IReactorUNIX::connectUNIX without the factory.
  /// Mirrors ClientCreator.connectUNIX.
  /// @throws std::logic_error if the reactor is not an IReactorUNIX.
  defer::Deferred<P*> connectUNIX(std::string_view address, double timeout = 30,
                                  bool checkPID = false) {
    if (!unixReactor_)
      throw std::logic_error(
          "ClientCreator::connectUNIX: the reactor does not provide IReactorUNIX");
    IReactorUNIX& reactor = *unixReactor_;
    std::string a(address);
    auto d = detail::clientCreatorConnect(
        clock_, build_(), [&reactor, &a, timeout, checkPID](std::shared_ptr<ClientFactory> f) {
          return reactor.connectUNIX(a, std::move(f), timeout, checkPID);
        });
    return typed(std::move(d));
  }

  /// Connects with TLS; the parameters are those of IReactorSSL::connectSSL
  /// without the factory. The Deferred fires after connectionMade, as for
  /// TCP: before the handshake (IHandshakeListener tells when it is done).
  /// Mirrors ClientCreator.connectSSL.
  /// @throws std::logic_error if the reactor is not an IReactorSSL.
  defer::Deferred<P*> connectSSL(std::string_view host, int port,
                                 const ssl::CertificateOptions& contextFactory, double timeout = 30,
                                 std::optional<std::pair<std::string, int>> bindAddress = {}) {
    if (!sslReactor_)
      throw std::logic_error("ClientCreator::connectSSL: the reactor does not provide IReactorSSL");
    IReactorSSL& reactor = *sslReactor_;
    std::string h(host);
    auto d = detail::clientCreatorConnect(
        clock_, build_(),
        [&reactor, &h, port, &contextFactory, timeout,
         &bindAddress](std::shared_ptr<ClientFactory> f) {
          return reactor.connectSSL(h, port, std::move(f), contextFactory, timeout, bindAddress);
        });
    return typed(std::move(d));
  }

 private:
  // The Deferred of the protocol as the P it was built as.
  static defer::Deferred<P*> typed(defer::Deferred<Protocol*> d) {
    if constexpr (std::is_same_v<P, Protocol>) {
      return d;
    } else {
      return d.addCallback([](Protocol* p) { return static_cast<P*>(p); });
    }
  }
  template <class R>
  static IReactorSSL* asSSL(R& reactor) {
    if constexpr (std::is_base_of_v<IReactorSSL, R>) {
      return &reactor;
    } else {
      return nullptr;
    }
  }
  template <class R>
  static IReactorUNIX* asUNIX(R& reactor) {
    if constexpr (std::is_base_of_v<IReactorUNIX, R>) {
      return &reactor;
    } else {
      return nullptr;
    }
  }

  IReactorTCP& tcp_;
  IReactorTime& clock_;
  IReactorUNIX* unixReactor_;  // null if the reactor has no connectUNIX
  IReactorSSL* sslReactor_;    // null if the reactor has no connectSSL
  std::function<std::unique_ptr<P>()> build_;
};

/// `ClientCreator creator(reactor, [] { return std::make_unique<Echo>(); });`
/// deduces ClientCreator<Echo>.
template <class R, class B>
requires std::is_invocable_v<B&> ClientCreator(R&, B)
->ClientCreator<typename std::invoke_result_t<B&>::element_type>;

}  // namespace twisted::internet
