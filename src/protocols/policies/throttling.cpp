// ThrottlingFactory / ThrottlingProtocol. Test: tests/protocols/test_policies.cpp
#include <twisted/protocols/policies/throttling.h>

#include <vector>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::protocols::policies {

// --- ThrottlingProtocol -------------------------------------------------------------

ThrottlingProtocol::ThrottlingProtocol(ThrottlingFactory* f,
                                       std::unique_ptr<internet::Protocol> wrapped)
    : ProtocolWrapper(f, std::move(wrapped)), throttling_(f) {}

void ThrottlingProtocol::write(std::string_view data) {
  throttling_->registerWritten(data.size());
  ProtocolWrapper::write(data);
}

void ThrottlingProtocol::writeSequence(std::span<const std::string_view> data) {
  std::size_t n = 0;
  for (std::string_view d : data)
    n += d.size();
  throttling_->registerWritten(n);
  ProtocolWrapper::writeSequence(data);
}

void ThrottlingProtocol::dataReceived(std::string_view data) {
  throttling_->registerRead(data.size());
  ProtocolWrapper::dataReceived(data);
}

void ThrottlingProtocol::registerProducer(internet::IProducer* p, bool streaming) {
  producer = p;
  ProtocolWrapper::registerProducer(p, streaming);
}

void ThrottlingProtocol::unregisterProducer() {
  producer = nullptr;
  ProtocolWrapper::unregisterProducer();
}

void ThrottlingProtocol::throttleReads() {
  transport->pauseProducing();
}

void ThrottlingProtocol::unthrottleReads() {
  transport->resumeProducing();
}

void ThrottlingProtocol::throttleWrites() {
  // A pull producer cannot be paused (Twisted would raise AttributeError).
  if (auto* push = dynamic_cast<internet::IPushProducer*>(producer)) push->pauseProducing();
}

void ThrottlingProtocol::unthrottleWrites() {
  if (auto* push = dynamic_cast<internet::IPushProducer*>(producer)) push->resumeProducing();
}

// --- ThrottlingFactory ------------------------------------------------------------------

ThrottlingFactory::ThrottlingFactory(std::shared_ptr<internet::Factory> wrapped,
                                     std::int64_t maxConnections, std::optional<double> readLim,
                                     std::optional<double> writeLim)
    : WrappingFactory(std::move(wrapped)),
      maxConnectionCount(maxConnections),
      readLimit(readLim),
      writeLimit(writeLim) {}

ThrottlingFactory::~ThrottlingFactory() {
  cancel(unthrottleReadsID);
  cancel(checkReadBandwidthID);
  cancel(unthrottleWritesID);
  cancel(checkWriteBandwidthID);
}

void ThrottlingFactory::cancel(internet::DelayedCall& call) {
  if (call.active()) call.cancel();
  call = {};
}

internet::IReactorTime& ThrottlingFactory::time() {
  return clock ? *clock : static_cast<internet::IReactorTime&>(internet::reactor());
}

void ThrottlingFactory::checkReadBandwidth() {
  if (static_cast<double>(readThisSecond) > *readLimit) {
    throttleReads();
    double throttleTime = static_cast<double>(readThisSecond) / *readLimit - 1.0;
    unthrottleReadsID = time().callLater(throttleTime, [this] { unthrottleReads(); });
  }
  readThisSecond = 0;
  checkReadBandwidthID = time().callLater(1, [this] { checkReadBandwidth(); });
}

void ThrottlingFactory::checkWriteBandwidth() {
  if (static_cast<double>(writtenThisSecond) > *writeLimit) {
    throttleWrites();
    double throttleTime = static_cast<double>(writtenThisSecond) / *writeLimit - 1.0;
    unthrottleWritesID = time().callLater(throttleTime, [this] { unthrottleWrites(); });
  }
  writtenThisSecond = 0;
  checkWriteBandwidthID = time().callLater(1, [this] { checkWriteBandwidth(); });
}

namespace {
// A copy: a callback may close a connection (and unregister it) meanwhile.
template <class F>
void forEach(const std::unordered_set<ProtocolWrapper*>& protocols, F f) {
  std::vector<ProtocolWrapper*> copy(protocols.begin(), protocols.end());
  for (ProtocolWrapper* p : copy) {
    if (!protocols.contains(p)) continue;
    if (auto* t = dynamic_cast<ThrottlingProtocol*>(p)) f(*t);
  }
}
}  // namespace

void ThrottlingFactory::throttleReads() {
  python::log::msg("Throttling reads on " + logPrefix());
  forEach(protocols, [](ThrottlingProtocol& p) { p.throttleReads(); });
}

void ThrottlingFactory::unthrottleReads() {
  unthrottleReadsID = {};
  python::log::msg("Stopped throttling reads on " + logPrefix());
  forEach(protocols, [](ThrottlingProtocol& p) { p.unthrottleReads(); });
}

void ThrottlingFactory::throttleWrites() {
  python::log::msg("Throttling writes on " + logPrefix());
  forEach(protocols, [](ThrottlingProtocol& p) { p.throttleWrites(); });
}

void ThrottlingFactory::unthrottleWrites() {
  unthrottleWritesID = {};
  python::log::msg("Stopped throttling writes on " + logPrefix());
  forEach(protocols, [](ThrottlingProtocol& p) { p.unthrottleWrites(); });
}

std::unique_ptr<internet::Protocol> ThrottlingFactory::buildProtocol(
    const internet::Address& addr) {
  if (connectionCount == 0) {
    // (Not again if a refused connection already started them.)
    if (readLimit && !checkReadBandwidthID.active()) checkReadBandwidth();
    if (writeLimit && !checkWriteBandwidthID.active()) checkWriteBandwidth();
  }
  if (connectionCount < maxConnectionCount) {
    std::unique_ptr<internet::Protocol> p = WrappingFactory::buildProtocol(addr);
    if (p) ++connectionCount;
    return p;
  }
  python::log::msg("Max connection count reached!");
  return nullptr;
}

std::unique_ptr<ProtocolWrapper> ThrottlingFactory::wrapProtocol(
    std::unique_ptr<internet::Protocol> wrapped) {
  return std::make_unique<ThrottlingProtocol>(this, std::move(wrapped));
}

void ThrottlingFactory::unregisterProtocol(ProtocolWrapper& p) {
  WrappingFactory::unregisterProtocol(p);
  --connectionCount;
  if (connectionCount == 0) {
    cancel(unthrottleReadsID);
    cancel(checkReadBandwidthID);
    cancel(unthrottleWritesID);
    cancel(checkWriteBandwidthID);
  }
}

}  // namespace twisted::protocols::policies
