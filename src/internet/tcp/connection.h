// A connected TCP socket: the transport a protocol writes to, and the
// descriptor the reactor reads and writes. Mirrors twisted.internet.tcp.Connection
// (with its Server and Client subclasses folded in).
//
// Lifetime: the reactor keeps a Connection alive (keepAlive_) from start()
// until its connectionLost has returned, and the Connection owns its
// protocol; both are destroyed together at the end of connectionLost, never
// inside another protocol callback, or with the reactor if it is destroyed
// first.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <twisted/internet/detail/producer_registration.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

#include "internet/tcp/write_buffer.h"

namespace twisted::internet::tcp::detail {

class Connector;

class Connection final : public ITCPTransport,
                         public IReadWriteDescriptor,
                         public IHalfCloseableDescriptor,
                         public std::enable_shared_from_this<Connection> {
 public:
  /// A connection on the connected socket `fd` (owned from now on).
  /// `sessionno` >= 0 for accepted connections (logPrefix "Proto,N,host");
  /// `connector` for outgoing ones ("Proto,client").
  Connection(ReactorBase& reactor, int fd, const sockaddr* peer, std::shared_ptr<Factory> factory,
             int sessionno, std::shared_ptr<Connector> connector);
  ~Connection() override;

  /// Starts reading, takes `protocol` and calls protocol->makeConnection(this).
  /// Throws, having done nothing else (the socket closes with the last
  /// reference, `protocol` is destroyed unconnected), if the reactor cannot
  /// watch the socket.
  static void start(std::shared_ptr<Connection> self, std::unique_ptr<Protocol> protocol);

  // ITransport / ITCPTransport
  void write(std::string_view data) override;
  void writeSequence(std::span<const std::string_view> data) override;
  void loseConnection() override;
  void abortConnection() override;
  void loseWriteConnection() override;
  Address getPeer() const override;
  Address getHost() const override;
  bool disconnecting() const override { return disconnecting_; }
  bool getTcpNoDelay() const override;
  void setTcpNoDelay(bool enabled) override;
  bool getTcpKeepAlive() const override;
  void setTcpKeepAlive(bool enabled) override;

  // IConsumer / IPushProducer (the transport pauses reading for its consumer)
  void registerProducer(IProducer* producer, bool streaming) override;
  void unregisterProducer() override;
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;

  // IFileDescriptor, driven by the reactor
  int fileno() const override { return fd_; }
  DescriptorResult doRead() override;
  DescriptorResult doWrite() override;
  void connectionLost(const python::Failure& reason) override;
  void readConnectionLost(const python::Failure& reason) override;
  void writeConnectionLost(const python::Failure& reason) override;
  IHalfCloseableDescriptor* halfCloseable() noexcept override { return this; }
  std::string logPrefix() const override;

  /// Bytes waiting to be sent (tests and flow control).
  std::size_t bufferedBytes() const noexcept { return buffer_.size(); }

  /// Twisted's FileDescriptor.bufferSize: a streaming producer is paused
  /// above this many buffered bytes and resumed when the buffer empties.
  static constexpr std::size_t kBufferSize = 64 * 1024;

 private:
  void startReading();
  void stopReading();
  void startWriting();
  void stopWriting();
  // Sends what the kernel takes now; buffers the rest. False on a fatal error.
  bool sendNow(const iovec* iov, int count, std::size_t total);
  void failWrite(int err);
  void afterBuffered();
  DescriptorResult bufferDrained();

  // Hot members first (what a read, an echo and a write touch), so one
  // connection's turn costs few cache lines; the reactor prefetches them.
  ReactorBase& reactor_;
  int fd_;
  bool reading_ = false;
  bool writing_ = false;
  bool disconnecting_ = false;
  bool disconnected_ = false;
  bool aborted_ = false;
  bool writeDisconnecting_ = false;                   // loseWriteConnection asked
  bool writeDisconnected_ = false;                    // SHUT_WR done
  bool readDisconnected_ = false;                     // the peer's EOF was seen (half-close)
  bool readPaused_ = false;                           // pauseProducing() on the transport
  internet::detail::ProducerRegistration producers_;  // registerProducer's
  // Declared before protocol_ so it is destroyed after it: protocol_->factory
  // stays valid through the protocol's destructor.
  std::shared_ptr<Factory> factory_;
  std::unique_ptr<Protocol> protocol_;
  WriteBuffer buffer_;
  std::optional<python::Failure> writeFailure_;
  // Cold: used when the connection starts, ends or logs.
  int sessionno_;
  std::shared_ptr<Connector> connector_;
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while active
  // An IPv4/IPv6 address kept compactly (not a sockaddr_storage), so
  // getPeer(), getHost() and the log prefix still work once the socket is
  // gone (after abortConnection).
  struct CompactAddress {
    std::uint8_t family = 0;  // 0: unknown
    std::uint16_t port = 0;   // host order
    std::uint32_t scope = 0;  // IPv6 scope id (link-local)
    std::array<unsigned char, 16> ip{};
    void set(const sockaddr* sa) noexcept;
    std::optional<Address> get() const;
  };
  CompactAddress peer_;          // from accept()/connect
  mutable CompactAddress host_;  // on the first getHost() (or an abort)
};

}  // namespace twisted::internet::tcp::detail
