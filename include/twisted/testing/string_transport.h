// In-memory transports and a recording protocol for testing protocols
// without sockets. Mirrors the StringTransport family of
// twisted.internet.testing (formerly twisted.test.proto_helpers).
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/python/failure.h>

namespace twisted::testing {

/// A transport that keeps what is written in memory and records the other
/// calls (close, abort, producers, flow control) without doing anything:
///
///     testing::StringTransport t;
///     proto.makeConnection(&t);
///     proto.dataReceived("hello\r\n");
///     EXPECT_EQ(t.value(), "HELLO\r\n");
///
/// Mirrors: twisted.internet.testing.StringTransport.
class TWISTED_API StringTransport : public internet::ITransport {
 public:
  /// The transport's own push-producer state (what the protocol asked of it).
  /// Mirrors StringTransport.producerState ('producing', 'paused', 'stopped').
  enum class ProducerState : std::uint8_t { producing, paused, stopped };

  /// `hostAddress`/`peerAddress` replace the defaults of getHost()/getPeer();
  /// `lenient` allows pause/resumeProducing after loseConnection.
  /// Mirrors StringTransport(hostAddress=None, peerAddress=None, lenient=False).
  explicit StringTransport(std::optional<internet::Address> hostAddress = std::nullopt,
                           std::optional<internet::Address> peerAddress = std::nullopt,
                           bool lenient = false);

  /// Every byte written since construction or the last clear().
  /// Mirrors StringTransport.value.
  const std::string& value() const noexcept { return io_; }
  /// Forgets what was written. Mirrors StringTransport.clear.
  void clear() noexcept { io_.clear(); }

  /// Appends `data` to value(). Mirrors StringTransport.write.
  void write(std::string_view data) override;
  /// Appends each buffer in order. Mirrors StringTransport.writeSequence.
  void writeSequence(std::span<const std::string_view> data) override;
  /// Only sets disconnecting(); connectionLost is not called.
  /// Mirrors StringTransport.loseConnection.
  void loseConnection() override;
  /// Sets `disconnected` and then loseConnection().
  /// Mirrors StringTransport.abortConnection.
  void abortConnection() override;
  /// True once loseConnection()/abortConnection() was called.
  /// Mirrors StringTransport.disconnecting.
  bool disconnecting() const override { return disconnecting_; }

  /// `peerAddress`, or IPv4Address('TCP', '192.168.1.1', 54321).
  /// Mirrors StringTransport.getPeer.
  internet::Address getPeer() const override;
  /// `hostAddress`, or IPv4Address('TCP', '10.0.0.1', 12345).
  /// Mirrors StringTransport.getHost.
  internet::Address getHost() const override;

  /// Records `p` and `streaming_`. Mirrors StringTransport.registerProducer.
  /// @throws std::runtime_error "Cannot register two producers".
  void registerProducer(internet::IProducer* p, bool streaming_) override;
  /// Mirrors StringTransport.unregisterProducer.
  /// @throws std::runtime_error if no producer is registered.
  void unregisterProducer() override;

  /// producerState = paused. Mirrors StringTransport.pauseProducing.
  /// @throws std::runtime_error after loseConnection (unless lenient) or stopProducing.
  void pauseProducing() override;
  /// producerState = producing. Mirrors StringTransport.resumeProducing.
  /// @throws std::runtime_error after loseConnection (unless lenient) or stopProducing.
  void resumeProducing() override;
  /// producerState = stopped. Mirrors StringTransport.stopProducing.
  void stopProducing() override;

  /// Set by abortConnection(). Mirrors StringTransport.disconnected.
  bool disconnected = false;
  /// True until a StringTransportWithDisconnection loses its connection.
  /// Mirrors StringTransport.connected.
  bool connected = true;
  /// The registered producer (not owned), or null. Mirrors StringTransport.producer.
  internet::IProducer* producer = nullptr;
  /// registerProducer's `streaming` while a producer is registered.
  /// Mirrors StringTransport.streaming (None when no producer).
  std::optional<bool> streaming;
  /// Mirrors StringTransport.producerState.
  ProducerState producerState = ProducerState::producing;
  /// Overrides getHost()/getPeer() when set. Mirrors hostAddr / peerAddr.
  std::optional<internet::Address> hostAddr;
  /// What getPeer() returns, if set.
  std::optional<internet::Address> peerAddr;

 private:
  void checkState() const;

  std::string io_;
  bool disconnecting_ = false;
  bool lenient_;
};

/// A StringTransport whose loseConnection() tells `protocol` at once:
/// connectionLost(ConnectionDone("Bye.")), only the first time. As in
/// Twisted, it clears `connected` but leaves disconnecting() false.
/// Mirrors: twisted.internet.testing.StringTransportWithDisconnection.
class TWISTED_API StringTransportWithDisconnection : public StringTransport {
 public:
  using StringTransport::StringTransport;
  /// Mirrors StringTransportWithDisconnection.loseConnection.
  void loseConnection() override;
  /// The protocol to notify (not owned; must be set before loseConnection).
  /// Mirrors StringTransportWithDisconnection.protocol.
  internet::Protocol* protocol = nullptr;
};

/// A protocol that records what happens to it.
/// Mirrors: twisted.internet.testing.AccumulatingProtocol.
class TWISTED_API AccumulatingProtocol : public internet::Protocol {
 public:
  /// Sets `made` and fires (then forgets) `madeDeferred` with this protocol.
  /// Mirrors AccumulatingProtocol.connectionMade (Twisted fires
  /// factory.protocolConnectionMade; a C++ Factory has no such member, so the
  /// Deferred lives here).
  void connectionMade() override;
  /// Appends to `data`. Mirrors AccumulatingProtocol.dataReceived.
  void dataReceived(std::string_view bytes) override;
  /// Sets `closed` and `closedReason`, fires (then forgets) `closedDeferred`.
  /// Mirrors AccumulatingProtocol.connectionLost.
  void connectionLost(const python::Failure& reason) override;

  /// Mirrors AccumulatingProtocol.made.
  bool made = false;
  /// Mirrors AccumulatingProtocol.closed.
  bool closed = false;
  /// Mirrors AccumulatingProtocol.data.
  std::string data;
  /// Mirrors AccumulatingProtocol.closedReason.
  std::optional<python::Failure> closedReason;
  /// Fired with nothing by connectionLost. Mirrors AccumulatingProtocol.closedDeferred.
  std::optional<internet::defer::Deferred<void>> closedDeferred;
  /// Fired with this protocol by connectionMade. Mirrors factory.protocolConnectionMade.
  std::optional<internet::defer::Deferred<AccumulatingProtocol*>> madeDeferred;
};

}  // namespace twisted::testing
