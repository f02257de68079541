// A simulated network for testing two protocols against each other in
// memory, deterministically: each side writes to a FakeTransport and an
// IOPump moves the bytes across when the test says so. Mirrors
// twisted.test.iosim.
//
//     auto c = iosim::connectedServerAndClient(
//         [] { return std::make_unique<ChatServer>(); },
//         [] { return std::make_unique<ChatClient>(); });
//     c.client->sendLine("hello");
//     c.pump.flush();                       // deliver everything, both ways
//     EXPECT_EQ(c.server->lines, ...);
//     c.client->transport->loseConnection();
//     c.pump.flush();                       // both sides get connectionLost
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <twisted/internet/address.h>
#include <twisted/internet/detail/producer_registration.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/task/clock.h>
#include <twisted/python/failure.h>

namespace twisted::testing::iosim {

/// One end of a simulated connection: what its protocol writes waits in
/// `stream` until an IOPump delivers it to the other end.
///
/// Mirrors: twisted.test.iosim.FakeTransport (without the TLS simulation).
/// It behaves like a real transport where Twisted's is looser, so tests
/// see what a TCP connection would do:
/// - abortConnection() drops what is buffered; then this side's protocol
///   gets ConnectionAborted and the peer's ConnectionLost (Twisted's
///   FakeTransport treats an abort as loseConnection);
/// - a side that is disconnecting reads nothing more (data sent to it is
///   dropped), as a real transport stops reading on loseConnection;
/// - pauseProducing()/resumeProducing() on the transport stop and restart
///   delivery to its protocol (the data waits in the peer's buffer);
/// - a streaming producer is paused while more than bufferSize bytes are
///   buffered and resumed once the pump drained them; a registered producer
///   is stopped (stopProducing) when the connection ends.
/// As in Twisted, writes after loseConnection() are dropped and a pull
/// producer is asked for more on each pump that finds the buffer empty.
///
/// Lifetime: `protocol` is borrowed and must outlive the transport; the
/// transport must outlive its protocol's use of it (until connectionLost).
class TWISTED_API FakeTransport : public internet::ITCPTransport {
 public:
  /// A transport delivering to `protocol`; `isServer` tells the accepting
  /// side. getHost()/getPeer() return the given addresses, by default
  /// IPv4Address("TCP", "127.0.0.1", 0) (Twisted: a FakeAddress).
  /// Mirrors FakeTransport(protocol, isServer, hostAddress, peerAddress).
  FakeTransport(internet::Protocol& protocol, bool isServer,
                std::optional<internet::Address> hostAddress = std::nullopt,
                std::optional<internet::Address> peerAddress = std::nullopt);
  FakeTransport(const FakeTransport&) = delete;
  FakeTransport& operator=(const FakeTransport&) = delete;

  /// Buffers `data` (dropped once disconnecting). Mirrors FakeTransport.write.
  void write(std::string_view data) override;
  /// Mirrors FakeTransport.writeSequence.
  void writeSequence(std::span<const std::string_view> data) override;
  /// The connection ends (ConnectionDone for both sides) once the pump has
  /// delivered what is buffered. Mirrors FakeTransport.loseConnection.
  void loseConnection() override;
  /// Drops the buffer; on the next pump this side gets ConnectionAborted and
  /// the peer ConnectionLost. Mirrors FakeTransport.abortConnection (see above).
  void abortConnection() override;
  /// Mirrors FakeTransport.disconnecting.
  bool disconnecting() const override { return disconnecting_; }
  /// Mirrors FakeTransport.getPeer.
  internet::Address getPeer() const override { return peerAddress; }
  /// Mirrors FakeTransport.getHost.
  internet::Address getHost() const override { return hostAddress; }
  /// "iosim". Mirrors FakeTransport.logPrefix.
  std::string logPrefix() const override { return "iosim"; }

  /// Does nothing, as Twisted's FakeTransport (no half-close simulation).
  void loseWriteConnection() override {}
  /// Stored only. Mirrors FakeTransport.getTcpNoDelay/setTcpNoDelay.
  bool getTcpNoDelay() const override { return tcpNoDelay_; }
  /// Stores `enabled` for getTcpNoDelay().
  void setTcpNoDelay(bool enabled) override { tcpNoDelay_ = enabled; }
  /// Stored only. Mirrors FakeTransport.getTcpKeepAlive/setTcpKeepAlive.
  bool getTcpKeepAlive() const override { return tcpKeepAlive_; }
  /// Stores `enabled` for getTcpKeepAlive().
  void setTcpKeepAlive(bool enabled) override { tcpKeepAlive_ = enabled; }

  /// Registers `p` (not owned); a pull producer is asked for its first chunk
  /// at once, as by a real transport. After the connection ended, `p` is
  /// stopped instead. Mirrors FakeTransport.registerProducer.
  /// @throws std::runtime_error if a producer is registered;
  ///         std::invalid_argument if `streaming` and `p` is no IPushProducer.
  void registerProducer(internet::IProducer* p, bool streaming) override;
  /// Mirrors FakeTransport.unregisterProducer.
  void unregisterProducer() override;
  /// unregisterProducer() then loseConnection(). Mirrors FakeTransport.stopConsuming.
  void stopConsuming();

  /// Stops delivering data to the protocol (it waits in the peer's buffer).
  void pauseProducing() override { readingPaused = true; }
  /// Delivers again, from the next pump on.
  void resumeProducing() override { readingPaused = false; }
  /// loseConnection(). Mirrors FakeTransport.stopProducing.
  void stopProducing() override { loseConnection(); }

  /// Takes what was written and not yet delivered ("" if nothing).
  /// Mirrors FakeTransport.getOutBuffer.
  std::string getOutBuffer();
  /// Gives `data` to the protocol's dataReceived, unless this side is
  /// disconnecting. Mirrors FakeTransport.bufferReceived.
  void bufferReceived(std::string_view data);
  /// Ends the connection for this side: stops the registered producer, then
  /// calls the protocol's connectionLost(disconnectReason).
  /// Mirrors FakeTransport.reportDisconnect.
  void reportDisconnect();
  /// Asks a pull producer for more if the buffer is empty, and resumes a
  /// push producer paused for a full buffer once it drained.
  /// Mirrors FakeTransport._checkProducer.
  void checkProducer();

  /// Twisted's FileDescriptor.bufferSize: a streaming producer is paused
  /// while more than this many bytes are buffered.
  static constexpr std::size_t bufferSize = 64 * 1024;

  /// The protocol this delivers to (not owned). Mirrors FakeTransport.protocol.
  internet::Protocol* protocol;
  /// Mirrors FakeTransport.isServer.
  const bool isServer;
  /// A number unique to this transport (in this process). Mirrors FakeTransport.serial.
  const int serial;
  /// What was written and not yet delivered. Mirrors FakeTransport.stream.
  std::string stream;
  /// Mirrors FakeTransport.hostAddress / peerAddress.
  internet::Address hostAddress;
  /// The other side's address: what getPeer() returns.
  internet::Address peerAddress;
  /// Set when the connection ended for this side. Mirrors FakeTransport.disconnected.
  bool disconnected = false;
  /// Set by abortConnection().
  bool aborted = false;
  /// What reportDisconnect() gives connectionLost; the pump sets it to
  /// ConnectionAborted / ConnectionLost after an abort.
  /// Mirrors FakeTransport.disconnectReason (ConnectionDone("Connection done")).
  python::Failure disconnectReason;
  /// The registered producer (not owned), or null. Mirrors FakeTransport.producer.
  internet::IProducer* producer() const noexcept { return producers_.producer(); }
  /// Mirrors FakeTransport.streamingProducer.
  bool streamingProducer() const noexcept { return producers_.streaming(); }
  /// True while a streaming producer is paused for a full buffer.
  bool producerPaused() const noexcept { return producers_.paused(); }
  /// True between pauseProducing() and resumeProducing().
  bool readingPaused = false;

 private:
  internet::detail::ProducerRegistration producers_;
  bool disconnecting_ = false;
  bool tcpNoDelay_ = false;
  bool tcpKeepAlive_ = false;
};

/// A transport for the connecting side. Mirrors iosim.makeFakeClient.
TWISTED_API std::unique_ptr<FakeTransport> makeFakeClient(internet::Protocol& clientProtocol);
/// A transport for the accepting side. Mirrors iosim.makeFakeServer.
TWISTED_API std::unique_ptr<FakeTransport> makeFakeServer(internet::Protocol& serverProtocol);

/// Moves bytes between two FakeTransports when asked.
///
/// Mirrors: twisted.test.iosim.IOPump. Difference: a clean close is
/// reported to both sides in the same pump (the peer first, then the side
/// that closed); Twisted takes one pump per side.
///
/// Lifetime: it borrows both protocols and transports (and the clock); they
/// must outlive it. It is a small value: copies pump the same connection.
class TWISTED_API IOPump {
 public:
  /// Mirrors IOPump(client, server, clientIO, serverIO, debug, clock).
  IOPump(internet::Protocol& client, internet::Protocol& server, FakeTransport& clientIO,
         FakeTransport& serverIO, bool debug = false, internet::task::Clock* clock = nullptr);

  /// One round: runs the clock's due calls (advance(0), when there is a
  /// clock), takes both buffers (unless the receiving side paused reading),
  /// asks pull producers for more, delivers the client's bytes to the
  /// server and the server's to the client (each as one dataReceived;
  /// bytes for a side that is disconnecting are dropped). If nothing was
  /// delivered and a side is disconnecting with nothing left to send, both
  /// sides get connectionLost. Returns whether anything was delivered or a
  /// disconnect reported. Mirrors IOPump.pump.
  bool pump(bool debug = false);
  /// pump() until it returns false; returns whether anything moved.
  /// Mirrors IOPump.flush.
  /// @throws std::runtime_error "Too long" after 1000 rounds that all moved
  ///         something (the protocols talk forever).
  bool flush(bool debug = false);

  /// The client protocol (not owned). Mirrors IOPump.client / server /
  /// clientIO / serverIO / debug / clock.
  internet::Protocol* client;
  /// The server protocol (not owned).
  internet::Protocol* server;
  /// The client's transport (not owned).
  FakeTransport* clientIO;
  /// The server's transport (not owned).
  FakeTransport* serverIO;
  /// Print the traffic to stdout on every pump.
  bool debug;
  /// Advanced by 0 on each pump, if set (not owned).
  internet::task::Clock* clock;
};

/// How connect() and connectedServerAndClient() set things up.
struct TWISTED_API ConnectOptions {
  /// flush() once before returning, so the protocols are past their
  /// greetings. Mirrors the `greet` argument.
  bool greet = true;
  /// Print the traffic to stdout. Mirrors the `debug` argument.
  bool debug = false;
  /// Advanced by 0 on each pump, so callLater(0, ...) work runs (not
  /// owned). Mirrors the `clock` argument (Twisted makes one if omitted).
  internet::task::Clock* clock = nullptr;
  /// Make the transports (connectedServerAndClient only).
  /// Mirrors the clientTransportFactory / serverTransportFactory arguments.
  std::function<std::unique_ptr<FakeTransport>(internet::Protocol&)> clientTransportFactory =
      makeFakeClient;
  /// Makes the server's transport; see clientTransportFactory.
  std::function<std::unique_ptr<FakeTransport>(internet::Protocol&)> serverTransportFactory =
      makeFakeServer;
};

/// Connects the protocols to their transports (makeConnection, server
/// first) and returns the pump, flushed once if `options.greet`.
/// Everything is borrowed. Mirrors iosim.connect.
TWISTED_API IOPump connect(internet::Protocol& serverProtocol, FakeTransport& serverTransport,
                           internet::Protocol& clientProtocol, FakeTransport& clientTransport,
                           const ConnectOptions& options = {});

/// A connected server and client, and the pump between them: owns both
/// protocols and both transports (and the factories that built the
/// protocols, if any). Members are destroyed in reverse order, so the
/// protocols (and their factories) outlive the transports. Movable.
template <class S = internet::Protocol, class C = internet::Protocol>
struct ServerAndClient {
  /// Set by the factory overload only: outlive the protocols they built.
  std::shared_ptr<internet::Factory> serverFactory;
  /// The client's factory (factory overload only).
  std::shared_ptr<internet::Factory> clientFactory;
  /// The server protocol.
  std::unique_ptr<S> server;
  /// The client protocol.
  std::unique_ptr<C> client;
  /// The server's transport.
  std::unique_ptr<FakeTransport> serverTransport;
  /// The client's transport.
  std::unique_ptr<FakeTransport> clientTransport;
  /// Moves the bytes between the two transports.
  IOPump pump;
};

namespace detail {
template <class F>
using Made = typename std::invoke_result_t<F&>::element_type;
}  // namespace detail

/// Makes a server with `makeServer()` and a client with `makeClient()`
/// (callables returning std::unique_ptr to a Protocol), connects them
/// through FakeTransports and returns them with the pump, flushed once if
/// `options.greet`. Mirrors iosim.connectedServerAndClient(ServerClass,
/// ClientClass, ...) (which returns (client, server, pump)).
template <class MakeServer, class MakeClient>
requires std::invocable<MakeServer&> && std::invocable<MakeClient&>
    ServerAndClient<detail::Made<MakeServer>, detail::Made<MakeClient>> connectedServerAndClient(
        MakeServer makeServer, MakeClient makeClient, const ConnectOptions& options = {}) {
  using S = detail::Made<MakeServer>;
  using C = detail::Made<MakeClient>;
  static_assert(
      std::is_base_of_v<internet::Protocol, S> && std::is_base_of_v<internet::Protocol, C>,
      "the callables must return std::unique_ptr<P> with P a Protocol");
  std::unique_ptr<C> client = makeClient();
  std::unique_ptr<S> server = makeServer();
  if (!client || !server) throw std::invalid_argument("connectedServerAndClient: null protocol");
  std::unique_ptr<FakeTransport> cio = options.clientTransportFactory(*client);
  std::unique_ptr<FakeTransport> sio = options.serverTransportFactory(*server);
  IOPump pump = connect(*server, *sio, *client, *cio, options);
  return {nullptr,        nullptr, std::move(server), std::move(client), std::move(sio),
          std::move(cio), pump};
}

/// connectedServerAndClient with default-constructed protocols S and C.
template <class S, class C>
ServerAndClient<S, C> connectedServerAndClient(const ConnectOptions& options = {}) {
  return connectedServerAndClient([] { return std::make_unique<S>(); },
                                  [] { return std::make_unique<C>(); }, options);
}

/// connectedServerAndClient with protocols built by factories
/// (buildProtocol with the peer's address, so `protocol->factory` is set);
/// the result keeps the factories alive.
/// @throws std::runtime_error if a factory refuses (returns null).
TWISTED_API ServerAndClient<> connectedServerAndClient(
    std::shared_ptr<internet::Factory> serverFactory,
    std::shared_ptr<internet::Factory> clientFactory, const ConnectOptions& options = {});

}  // namespace twisted::testing::iosim
