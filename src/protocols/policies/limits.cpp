// LimitTotalConnectionsFactory / LimitConnectionsByPeer.
// Test: tests/protocols/test_policies.cpp
#include <twisted/protocols/policies/limits.h>

#include <stdexcept>

namespace twisted::protocols::policies {

std::unique_ptr<internet::Protocol> LimitTotalConnectionsFactory::buildProtocol(
    const internet::Address&) {
  std::unique_ptr<internet::Protocol> wrapped;
  if (!connectionLimit || connectionCount < *connectionLimit) {
    wrapped = protocol ? protocol() : nullptr;
    if (!wrapped) {
      throw std::logic_error(logPrefix() +
                             ": no protocol to build (set protocol or setProtocol<P>())");
    }
  } else if (!overflowProtocol) {
    return nullptr;  // just drop the connection
  } else {
    wrapped = overflowProtocol();
  }
  wrapped->factory = this;
  auto p = std::make_unique<ProtocolWrapper>(this, std::move(wrapped));
  ++connectionCount;
  return p;
}

void LimitTotalConnectionsFactory::registerProtocol(ProtocolWrapper&) {}

void LimitTotalConnectionsFactory::unregisterProtocol(ProtocolWrapper&) {
  --connectionCount;
}

void LimitConnectionsByPeer::startFactory() {
  peerConnections.clear();
  WrappingFactory::startFactory();
}

std::unique_ptr<internet::Protocol> LimitConnectionsByPeer::buildProtocol(
    const internet::Address& addr) {
  std::string host = internet::hostOf(addr);
  int& count = peerConnections[host];
  if (count >= maxConnectionsPerPeer) return nullptr;
  std::unique_ptr<internet::Protocol> p = WrappingFactory::buildProtocol(addr);
  if (!p) {
    if (count == 0) peerConnections.erase(host);
    return nullptr;
  }
  ++count;
  peerOf_[static_cast<ProtocolWrapper*>(p.get())] = host;
  return p;
}

void LimitConnectionsByPeer::unregisterProtocol(ProtocolWrapper& p) {
  WrappingFactory::unregisterProtocol(p);
  auto it = peerOf_.find(&p);
  if (it == peerOf_.end()) return;
  auto c = peerConnections.find(it->second);
  if (c != peerConnections.end() && --c->second <= 0) peerConnections.erase(c);
  peerOf_.erase(it);
}

}  // namespace twisted::protocols::policies
