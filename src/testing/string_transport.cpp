#include <stdexcept>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/testing/string_transport.h>

namespace twisted::testing {

StringTransport::StringTransport(std::optional<internet::Address> hostAddress,
                                 std::optional<internet::Address> peerAddress, bool lenient)
    : hostAddr(std::move(hostAddress)), peerAddr(std::move(peerAddress)), lenient_(lenient) {}

void StringTransport::write(std::string_view data) {
  io_.append(data);
}

void StringTransport::writeSequence(std::span<const std::string_view> data) {
  for (std::string_view chunk : data)
    io_.append(chunk);
}

void StringTransport::loseConnection() {
  disconnecting_ = true;
}

void StringTransport::abortConnection() {
  disconnected = true;
  // Virtual on purpose, as in Twisted: a subclass's loseConnection runs too.
  loseConnection();
}

internet::Address StringTransport::getPeer() const {
  return peerAddr ? *peerAddr
                  : internet::Address(internet::IPv4Address{"TCP", "192.168.1.1", 54321});
}

internet::Address StringTransport::getHost() const {
  return hostAddr ? *hostAddr : internet::Address(internet::IPv4Address{"TCP", "10.0.0.1", 12345});
}

void StringTransport::registerProducer(internet::IProducer* p, bool streaming_) {
  if (producer != nullptr) throw std::runtime_error("Cannot register two producers");
  producer = p;
  streaming = streaming_;
}

void StringTransport::unregisterProducer() {
  if (producer == nullptr) {
    throw std::runtime_error("Cannot unregister a producer unless one is registered");
  }
  producer = nullptr;
  streaming.reset();
}

void StringTransport::checkState() const {
  // Code that resumes a closed transport usually waits for data that will
  // never come: Twisted makes that loud unless the test opts out.
  if (disconnecting_ && !lenient_) {
    throw std::runtime_error("Cannot resume producing after loseConnection");
  }
  if (producerState == ProducerState::stopped) {
    throw std::runtime_error("Cannot resume a stopped producer");
  }
}

void StringTransport::pauseProducing() {
  checkState();
  producerState = ProducerState::paused;
}

void StringTransport::resumeProducing() {
  checkState();
  producerState = ProducerState::producing;
}

void StringTransport::stopProducing() {
  producerState = ProducerState::stopped;
}

void StringTransportWithDisconnection::loseConnection() {
  if (!connected) return;
  connected = false;
  if (protocol == nullptr) {
    throw std::logic_error("StringTransportWithDisconnection: protocol is not set");
  }
  protocol->connectionLost(python::Failure(internet::error::ConnectionDone("Bye.")));
}

void AccumulatingProtocol::connectionMade() {
  made = true;
  if (madeDeferred) {
    auto d = *madeDeferred;  // copies share one Deferred
    madeDeferred.reset();
    d.callback(this);
  }
}

void AccumulatingProtocol::dataReceived(std::string_view bytes) {
  data.append(bytes);
}

void AccumulatingProtocol::connectionLost(const python::Failure& reason) {
  closed = true;
  closedReason = reason;
  if (closedDeferred) {
    auto d = *closedDeferred;
    closedDeferred.reset();
    d.callback();
  }
}

}  // namespace twisted::testing
