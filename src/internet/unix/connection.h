// A connected Unix stream socket: the shared stream transport
// (stream::detail::Connection, which does the reading, writing, descriptor
// passing and closing) with the IUNIXTransport face its protocol sees.
// Mirrors twisted.internet.unix.Server / unix.Client.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <twisted/internet/interfaces/iunix_transport.h>

#include "internet/stream/connection.h"

namespace twisted::internet::unix_::detail {

class UNIXConnection final : public stream::detail::Connection, public IUNIXTransport {
 public:
  /// As stream::detail::Connection's; the peer credentials are read now.
  template <class... A>
  explicit UNIXConnection(A&&... args) : Connection(std::forward<A>(args)...) {
    setUnix();
    credentials_ = peerCredentials();
  }

  // IUNIXTransport
  void sendFileDescriptor(int fd) override { queueFileDescriptor(fd); }
  std::optional<PeerCredentials> getPeerCredentials() const override { return credentials_; }

  // ITransport, IConsumer, IPushProducer: the one transport, reached
  // through either face (the protocol gets the ITCPTransport one, as for
  // TCP; IUNIXTransport is its dynamic_cast).
  void write(std::string_view data) override { Connection::write(data); }
  void writeSequence(std::span<const std::string_view> data) override {
    Connection::writeSequence(data);
  }
  void loseConnection() override { Connection::loseConnection(); }
  void abortConnection() override { Connection::abortConnection(); }
  Address getPeer() const override { return Connection::getPeer(); }
  Address getHost() const override { return Connection::getHost(); }
  bool disconnecting() const override { return Connection::disconnecting(); }
  void registerProducer(IProducer* producer, bool streaming) override {
    Connection::registerProducer(producer, streaming);
  }
  void unregisterProducer() override { Connection::unregisterProducer(); }
  void pauseProducing() override { Connection::pauseProducing(); }
  void resumeProducing() override { Connection::resumeProducing(); }
  void stopProducing() override { Connection::stopProducing(); }

 private:
  std::optional<PeerCredentials> credentials_;
};

}  // namespace twisted::internet::unix_::detail
