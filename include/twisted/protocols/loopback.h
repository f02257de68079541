// Two protocols connected to each other, for testing protocols against
// each other: in memory (loopbackAsync) or over a real TCP connection on
// 127.0.0.1 (loopbackTCP). Mirrors twisted.protocols.loopback.
//
//     task::Clock clock;
//     MyServer server;
//     MyClient client;
//     auto d = loopback::loopbackAsync(server, client, clock);
//     clock.advance(0);  // deliver what was written (repeat until d fires)
#pragma once

#include <twisted/export.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/protocol.h>

namespace twisted::protocols::loopback {

/// The chunks one side wrote, in order; an empty optional marks its
/// loseConnection(). What a pump policy empties.
/// Mirrors: twisted.protocols.loopback._LoopbackQueue.
class TWISTED_API LoopbackQueue {
 public:
  /// Appends a chunk (or the disconnect marker). Mirrors _LoopbackQueue.put.
  void put(std::optional<std::string> v);
  /// Takes the oldest chunk; none for the disconnect marker.
  /// Mirrors _LoopbackQueue.get. @throws std::out_of_range if empty.
  std::optional<std::string> get();
  /// True while something is queued. Mirrors _LoopbackQueue.__bool__.
  explicit operator bool() const noexcept { return !queue_.empty(); }

  /// Set by loseConnection(). Mirrors _LoopbackQueue.disconnect.
  bool disconnect = false;
  /// Called after each put (the loopback uses it to schedule a pump).
  std::function<void()> onPut;

 private:
  std::deque<std::optional<std::string>> queue_;
};

/// Empties `queue` into `target`: calls target.dataReceived for the chunks
/// of a queue (up to its disconnect marker).
using PumpPolicy = std::function<void(LoopbackQueue& queue, internet::Protocol& target)>;

/// Delivers each chunk as it was written. Mirrors loopback.identityPumpPolicy.
TWISTED_API void identityPumpPolicy(LoopbackQueue& queue, internet::Protocol& target);
/// Delivers all queued chunks joined in one dataReceived.
/// Mirrors loopback.collapsingPumpPolicy.
TWISTED_API void collapsingPumpPolicy(LoopbackQueue& queue, internet::Protocol& target);

/// Connects `server` and `client` (makeConnection on each, server first)
/// through in-memory transports and moves what each writes to the other
/// until one loses the connection; then both get connectionLost(ConnectionDone)
/// and the returned Deferred fires.
///
/// Mirrors: twisted.protocols.loopback.loopbackAsync. As in Twisted:
/// what is written in connectionMade is delivered before this returns;
/// later writes are delivered on a later turn of `clock` (callLater(0)),
/// never inside write(); a pull producer registered with a transport is
/// resumed each time its queue is emptied (push producers are left alone).
/// Differences: the transports report disconnecting() after loseConnection
/// (Twisted's always say False), and their getPeer()/getHost() are
/// IPv4Address("TCP", "127.0.0.1", 0).
///
/// Lifetime: the protocols are borrowed and must outlive the loopback; the
/// transports live until both sides got connectionLost (do not use them
/// after). cancel() on the Deferred tears the loopback down: both sides get
/// connectionLost(ConnectionAborted) and it fails with CancelledError.
TWISTED_API internet::defer::Deferred<void> loopbackAsync(
    internet::Protocol& server, internet::Protocol& client, internet::IReactorTime& clock,
    PumpPolicy pumpPolicy = identityPumpPolicy);

/// loopbackAsync on the global reactor(). Mirrors loopbackAsync(server, client, pumpPolicy).
TWISTED_API internet::defer::Deferred<void> loopbackAsync(
    internet::Protocol& server, internet::Protocol& client,
    PumpPolicy pumpPolicy = identityPumpPolicy);

/// Connects `server` and `client` over a real TCP connection: listens on
/// 127.0.0.1:`port` (0: an ephemeral port) with a factory that hands out
/// `server` once (later connections are refused), connects to it with a
/// factory that hands out `client`, and returns a Deferred that fires once
/// both protocols have had connectionLost and the port has stopped
/// listening. If the connection attempt fails, the port is stopped and the
/// Deferred fails with the reason (Twisted's would never fire).
///
/// Mirrors: twisted.protocols.loopback.loopbackTCP. `noisy` is the
/// factories' (logging "Starting factory ..."). The protocols see the real
/// transports (ITCPTransport), not wrappers; their `factory` is left as it
/// is. Half-close works if the protocol is an IHalfCloseableProtocol.
///
/// Lifetime: the protocols are borrowed, each connection forwarding its
/// events to one: keep both alive until the Deferred has fired (they may be
/// destroyed from its callbacks). Nothing else needs keeping: the reactor
/// holds the port and the connections while they are active. If `reactor`
/// is destroyed first, the Deferred never fires.
/// @throws error::CannotListenError if the port cannot be opened.
TWISTED_API internet::defer::Deferred<void> loopbackTCP(internet::Protocol& server,
                                                        internet::Protocol& client,
                                                        internet::IReactorTCP& reactor,
                                                        int port = 0, bool noisy = true);

/// loopbackTCP on the global reactor(). Mirrors loopbackTCP(server, client, port, noisy).
TWISTED_API internet::defer::Deferred<void> loopbackTCP(internet::Protocol& server,
                                                        internet::Protocol& client, int port = 0,
                                                        bool noisy = true);

}  // namespace twisted::protocols::loopback
