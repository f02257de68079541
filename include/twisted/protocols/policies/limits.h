// Connection limits: in total (LimitTotalConnectionsFactory) and per peer
// host (LimitConnectionsByPeer). Mirrors the classes of the same names in
// twisted.protocols.policies.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include <twisted/internet/protocol.h>
#include <twisted/protocols/policies/wrapping_factory.h>

namespace twisted::protocols::policies {

/// A server factory that counts its connections (through a ProtocolWrapper
/// around each protocol) and, past connectionLimit, builds the overflow
/// protocol instead, or refuses the connection if there is none.
///
///     auto f = std::make_shared<LimitTotalConnectionsFactory>();
///     f->setProtocol<Echo>();
///     f->connectionLimit = 100;
///     f->setOverflowProtocol<Busy>();
///
/// Mirrors: twisted.protocols.policies.LimitTotalConnectionsFactory. The
/// wrapped protocol's `factory` is this factory, as in Twisted.
class TWISTED_API LimitTotalConnectionsFactory : public internet::ServerFactory,
                                                 public ProtocolRegistry {
 public:
  /// Builds `protocol` (or the overflow protocol) inside a ProtocolWrapper,
  /// or returns null past the limit without an overflow protocol.
  /// Mirrors LimitTotalConnectionsFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Does nothing. Mirrors LimitTotalConnectionsFactory.registerProtocol.
  void registerProtocol(ProtocolWrapper& p) override;
  /// One connection fewer. Mirrors LimitTotalConnectionsFactory.unregisterProtocol.
  void unregisterProtocol(ProtocolWrapper& p) override;

  /// Makes connections past the limit use `P(args...)`.
  /// Mirrors setting LimitTotalConnectionsFactory.overflowProtocol.
  template <class P, class... A>
  void setOverflowProtocol(A&&... args) {
    static_assert(std::is_base_of_v<internet::Protocol, P>, "P must derive from Protocol");
    overflowProtocol = [... a = std::forward<A>(args)]() -> std::unique_ptr<internet::Protocol> {
      return std::make_unique<P>(a...);
    };
  }

  /// Current connections. Mirrors LimitTotalConnectionsFactory.connectionCount.
  std::int64_t connectionCount = 0;
  /// None: no limit. Mirrors LimitTotalConnectionsFactory.connectionLimit.
  std::optional<std::int64_t> connectionLimit;
  /// What to build past the limit; empty: refuse the connection.
  /// Mirrors LimitTotalConnectionsFactory.overflowProtocol.
  std::function<std::unique_ptr<internet::Protocol>()> overflowProtocol;
};

/// A WrappingFactory that refuses a connection when its peer host already
/// has maxConnectionsPerPeer connections.
///
/// Mirrors: twisted.protocols.policies.LimitConnectionsByPeer. Twisted's
/// indexes addresses like tuples (broken with IPv4Address objects) and
/// forgets to unregister from `protocols`; this keys on the peer host given
/// to buildProtocol and does unregister.
class TWISTED_API LimitConnectionsByPeer : public WrappingFactory {
 public:
  using WrappingFactory::WrappingFactory;

  /// Clears the counts, then starts the wrapped factory.
  /// Mirrors LimitConnectionsByPeer.startFactory.
  void startFactory() override;
  /// Mirrors LimitConnectionsByPeer.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Mirrors LimitConnectionsByPeer.unregisterProtocol.
  void unregisterProtocol(ProtocolWrapper& p) override;

  /// Mirrors LimitConnectionsByPeer.maxConnectionsPerPeer.
  int maxConnectionsPerPeer = 5;
  /// Connections per peer host. Mirrors LimitConnectionsByPeer.peerConnections.
  std::map<std::string, int> peerConnections;

 private:
  std::unordered_map<const ProtocolWrapper*, std::string> peerOf_;
};

}  // namespace twisted::protocols::policies
