// StandardIO: the stream transport in pipe mode. Test: tests/internet/test_stdio.cpp
#include <twisted/internet/reactor.h>
#include <twisted/internet/stdio.h>

#include "internet/stream/connection.h"

namespace twisted::internet::stdio {

using stream::detail::Connection;

StandardIO::StandardIO(std::unique_ptr<Protocol> protocol, int stdinFd, int stdoutFd)
    : StandardIO(std::move(protocol), stdinFd, stdoutFd, reactor()) {}

StandardIO::StandardIO(std::unique_ptr<Protocol> protocol, int stdinFd, int stdoutFd,
                       ReactorBase& reactor)
    : connection_(std::make_shared<Connection>(reactor, Connection::Pipes{stdinFd, stdoutFd})) {
  Connection::start(connection_, std::move(protocol));
}

StandardIO::~StandardIO() = default;

ITransport& StandardIO::transport() const noexcept {
  return static_cast<ITCPTransport&>(*connection_);
}

void StandardIO::write(std::string_view data) {
  connection_->write(data);
}

void StandardIO::writeSequence(std::span<const std::string_view> data) {
  connection_->writeSequence(data);
}

void StandardIO::loseConnection() {
  connection_->loseConnection();
}

void StandardIO::loseWriteConnection() {
  connection_->loseWriteConnection();
}

bool StandardIO::disconnecting() const {
  return connection_->disconnecting();
}

Address StandardIO::getPeer() const {
  return connection_->getPeer();
}

Address StandardIO::getHost() const {
  return connection_->getHost();
}

void StandardIO::registerProducer(IProducer* producer, bool streaming) {
  connection_->registerProducer(producer, streaming);
}

void StandardIO::unregisterProducer() {
  connection_->unregisterProducer();
}

void StandardIO::pauseProducing() {
  connection_->pauseProducing();
}

void StandardIO::resumeProducing() {
  connection_->resumeProducing();
}

void StandardIO::stopProducing() {
  connection_->stopProducing();
}

}  // namespace twisted::internet::stdio
