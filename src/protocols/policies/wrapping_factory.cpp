// ProtocolWrapper / WrappingFactory. Test: tests/protocols/test_policies.cpp
#include <twisted/protocols/policies/wrapping_factory.h>

#include <stdexcept>

namespace twisted::protocols::policies {

// --- ProtocolRegistry ----------------------------------------------------------

ProtocolRegistry::~ProtocolRegistry() {
  for (ProtocolWrapper* p : attached_)
    p->registry_ = nullptr;
}

// --- ProtocolWrapper --------------------------------------------------------------

ProtocolWrapper::ProtocolWrapper(internet::Factory* f, std::unique_ptr<internet::Protocol> wrapped)
    : wrappedProtocol(std::move(wrapped)), registry_(dynamic_cast<ProtocolRegistry*>(f)) {
  factory = f;
}

ProtocolWrapper::~ProtocolWrapper() {
  detach();
}

void ProtocolWrapper::detach() {
  if (!registered_) return;
  registered_ = false;
  if (registry_) {
    registry_->attached_.erase(this);
    registry_->unregisterProtocol(*this);
  }
}

std::string ProtocolWrapper::logPrefix() const {
  std::string inner = wrappedProtocol ? wrappedProtocol->logPrefix() : std::string("None");
  return inner + " (" + internet::Protocol::logPrefix() + ")";
}

void ProtocolWrapper::makeConnection(internet::ITransport* t) {
  internet::Protocol::makeConnection(t);
  if (registry_) {
    registry_->attached_.insert(this);
    registered_ = true;
    registry_->registerProtocol(*this);
  }
  wrappedProtocol->makeConnection(this);
}

void ProtocolWrapper::dataReceived(std::string_view data) {
  wrappedProtocol->dataReceived(data);
}

void ProtocolWrapper::connectionLost(const python::Failure& reason) {
  detach();
  wrappedProtocol->connected = false;
  wrappedProtocol->connectionLost(reason);
}

void ProtocolWrapper::write(std::string_view data) {
  transport->write(data);
}

void ProtocolWrapper::writeSequence(std::span<const std::string_view> data) {
  transport->writeSequence(data);
}

void ProtocolWrapper::loseConnection() {
  disconnecting_ = true;
  transport->loseConnection();
}

void ProtocolWrapper::abortConnection() {
  disconnecting_ = true;
  transport->abortConnection();
}

bool ProtocolWrapper::disconnecting() const {
  return disconnecting_ || (transport && transport->disconnecting());
}

internet::Address ProtocolWrapper::getPeer() const {
  return transport->getPeer();
}

internet::Address ProtocolWrapper::getHost() const {
  return transport->getHost();
}

void ProtocolWrapper::registerProducer(internet::IProducer* producer, bool streaming) {
  transport->registerProducer(producer, streaming);
}

void ProtocolWrapper::unregisterProducer() {
  transport->unregisterProducer();
}

void ProtocolWrapper::pauseProducing() {
  transport->pauseProducing();
}

void ProtocolWrapper::resumeProducing() {
  transport->resumeProducing();
}

void ProtocolWrapper::stopProducing() {
  transport->stopProducing();
}

internet::ITCPTransport& ProtocolWrapper::tcp() const {
  auto* t = dynamic_cast<internet::ITCPTransport*>(transport);
  if (!t) throw std::logic_error(logPrefix() + ": the wrapped transport is not a TCP transport");
  return *t;
}

void ProtocolWrapper::loseWriteConnection() {
  tcp().loseWriteConnection();
}
bool ProtocolWrapper::getTcpNoDelay() const {
  return tcp().getTcpNoDelay();
}
void ProtocolWrapper::setTcpNoDelay(bool enabled) {
  tcp().setTcpNoDelay(enabled);
}
bool ProtocolWrapper::getTcpKeepAlive() const {
  return tcp().getTcpKeepAlive();
}
void ProtocolWrapper::setTcpKeepAlive(bool enabled) {
  tcp().setTcpKeepAlive(enabled);
}

// --- WrappingFactory ----------------------------------------------------------------

WrappingFactory::WrappingFactory(std::shared_ptr<internet::Factory> wrapped)
    : wrappedFactory(std::move(wrapped)) {}

std::string WrappingFactory::logPrefix() const {
  return wrappedFactory->logPrefix() + " (" + internet::ClientFactory::logPrefix() + ")";
}

void WrappingFactory::startFactory() {
  wrappedFactory->doStart();
}

void WrappingFactory::stopFactory() {
  wrappedFactory->doStop();
}

void WrappingFactory::startedConnecting(internet::IConnector& connector) {
  if (auto* c = dynamic_cast<internet::ClientFactory*>(wrappedFactory.get()))
    c->startedConnecting(connector);
}

void WrappingFactory::clientConnectionFailed(internet::IConnector& connector,
                                             const python::Failure& reason) {
  if (auto* c = dynamic_cast<internet::ClientFactory*>(wrappedFactory.get()))
    c->clientConnectionFailed(connector, reason);
}

void WrappingFactory::clientConnectionLost(internet::IConnector& connector,
                                           const python::Failure& reason) {
  if (auto* c = dynamic_cast<internet::ClientFactory*>(wrappedFactory.get()))
    c->clientConnectionLost(connector, reason);
}

std::unique_ptr<internet::Protocol> WrappingFactory::buildProtocol(const internet::Address& addr) {
  std::unique_ptr<internet::Protocol> inner = wrappedFactory->buildProtocol(addr);
  if (!inner) return nullptr;
  return wrapProtocol(std::move(inner));
}

std::unique_ptr<ProtocolWrapper> WrappingFactory::wrapProtocol(
    std::unique_ptr<internet::Protocol> wrapped) {
  return std::make_unique<ProtocolWrapper>(this, std::move(wrapped));
}

void WrappingFactory::registerProtocol(ProtocolWrapper& p) {
  protocols.insert(&p);
}

void WrappingFactory::unregisterProtocol(ProtocolWrapper& p) {
  protocols.erase(&p);
}

}  // namespace twisted::protocols::policies
