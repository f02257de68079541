// A connected stream socket (TCP, or Unix: the family is a constructor
// argument): the transport a protocol writes to, and the descriptor the
// reactor reads and writes. Mirrors twisted.internet.tcp.Connection (with its
// Server and Client subclasses folded in) and, for AF_UNIX, unix.Server /
// unix.Client's _SendmsgMixin (recvmsg/sendmsg carrying SCM_RIGHTS).
// unix_::detail::UNIXConnection adds the IUNIXTransport face; everything
// else (buffering, producers, half-close, close/abort) is this one class.
//
// Pipes (stdio::StandardIO; a child process's pipes, one-way each) are the same transport in
// pipe mode (the pipe constructor): it reads fd_ with read(2) and writes
// writeFd_ with write(2)/writev(2), the write fd registered through its own
// descriptor (writeSide_), and "closing" a pipe fd puts /dev/null in its
// place (see closeFd). Buffering, producers, half-close and closing are the
// same code for every kind.
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
#include <vector>

#include <twisted/internet/detail/producer_registration.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/itls_transport.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/interfaces/iunix_transport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

#include "internet/stream/write_buffer.h"

namespace twisted::internet::stream::detail {

class Connector;

// Size matters: every idle connection holds one (docs/benchmarks.md, "Idle
// connections"). What only some connections use (pipes, Unix descriptor
// passing, clients, TLS, producers, a write failure, getHost()) is in a Cold
// block allocated on first use, and the write buffer exists only while
// bytes wait; an idle accepted TCP connection is this object and its protocol.
class Connection : public ITLSTransport,  // (an ITCPTransport)
                   public IReadWriteDescriptor,
                   public IHalfCloseableDescriptor {
 public:
  /// A connection on the connected socket `fd` (owned from now on), whose
  /// peer is `peer` (`peerLength` bytes; AF_UNIX makes it a Unix transport).
  /// `sessionno` >= 0 for accepted connections (logPrefix "Proto,N,host");
  /// `connector` for outgoing ones ("Proto,client").
  Connection(ReactorBase& reactor, int fd, const sockaddr* peer, socklen_t peerLength,
             std::shared_ptr<Factory> factory, int sessionno, std::shared_ptr<Connector> connector);
  /// Pipe mode: reads `readFd`, writes `writeFd` (both used, not owned:
  /// made non-blocking now, their flags restored and /dev/null put in their
  /// place when the transport closes them). getPeer()/getHost() are
  /// PipeAddress; TCP options are refused. Either may be -1: a read-only
  /// or write-only pipe (a child process's stdout, its stdin). `owned`
  /// (process pipes): the fds are ours, closed with close(2).
  struct Pipes {
    int readFd;
    int writeFd;
    bool owned = false;
  };
  Connection(ReactorBase& reactor, Pipes pipes);
  ~Connection() override;

  /// Starts reading, takes `protocol` and calls protocol->makeConnection()
  /// with this as an ITCPTransport (also for a Unix connection, so
  /// static_cast<ITCPTransport*>(transport) is right for every stream
  /// transport; a Unix one is dynamic_cast to IUNIXTransport).
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
  bool disconnecting() const override;
  bool getTcpNoDelay() const override;
  void setTcpNoDelay(bool enabled) override;
  bool getTcpKeepAlive() const override;
  void setTcpKeepAlive(bool enabled) override;

  // ITLSTransport: from now on the protocol is wrapped in a
  // TLSMemoryBIOProtocol (its transport pointer becomes that), and what is
  // written to this connection goes through it.
  void startTLS(const ssl::CertificateOptions& options, bool normal = true) override;

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

  /// Twisted's FileDescriptor.bufferSize: a streaming producer is paused
  /// above this many buffered bytes and resumed when the buffer empties.
  static constexpr std::size_t kBufferSize = 64 * 1024;

 protected:
  /// Makes this a Unix transport whatever the peer address said (recvmsg,
  /// descriptor passing, no TCP options).
  void setUnix() noexcept { isUnix_ = true; }
  /// IUNIXTransport.sendFileDescriptor: queues a close-on-exec duplicate.
  void queueFileDescriptor(int fd);
  /// SO_PEERCRED of the socket (nullopt once closed or if not Unix).
  std::optional<PeerCredentials> peerCredentials() const;

 private:
  // The transport calls without TLS: the public ones forward to the TLS
  // layer once startTLS was called, and the layer writes through these.
  void writeRaw(std::string_view data);
  void writeSequenceRaw(std::span<const std::string_view> data);
  void loseConnectionRaw();
  void abortConnectionRaw();
  void registerProducerRaw(IProducer* producer, bool streaming);
  void unregisterProducerRaw();
  struct TLSState;

  // recv, or for a Unix socket recvmsg, whose descriptors are delivered (or
  // closed) here before the data.
  ssize_t receive();
  void deliverDescriptors(const msghdr& msg);
  // Sends the queued descriptors, one byte of the buffer each (Twisted's
  // _SendmsgMixin.writeSomeData).
  DescriptorResult sendQueuedDescriptors();
  // doRead and doWrite of an adopted socket (completion_): the bytes the
  // backend received, the sends it has in flight.
  DescriptorResult readCompleted();
  DescriptorResult writeCompleted();
  bool sendRequest(const iovec* iov, int count, std::size_t total);
  void startReading();
  void stopReading();
  void startWriting();
  void stopWriting();
  // The fd written to and the descriptor registered for it.
  int writeFd() const noexcept { return isPipe_ ? pipeWriteFd() : fd_; }
  IWriteDescriptor* writer() noexcept;
  // Closes `fd` (a pipe's: restores its flags and puts /dev/null there).
  void closeFd(int& fd) noexcept;
  // A pipe whose write side is already closed cannot report the end of a
  // loseConnection through doWrite: connectionLost(ConnectionDone) next turn.
  void finishWithoutWriter();
  // Writes what the kernel takes now (`sent`: how much). False on a fatal
  // error (failWrite called).
  bool writeNow(const iovec* iov, int count, std::size_t& sent);
  // Sends what the kernel takes now; buffers the rest. False on a fatal error.
  bool sendNow(const iovec* iov, int count, std::size_t total);
  void failWrite(int err);
  void afterBuffered();
  DescriptorResult bufferDrained();

  struct Cold;
  Cold& cold();  // allocates it on first use
  bool buffered() const noexcept { return buffer_ && !buffer_->empty(); }
  std::size_t bufferedBytes() const noexcept { return buffer_ ? buffer_->size() : 0; }
  WriteBuffer& buffer();  // allocates it on first use
  void dropBuffer() noexcept { buffer_.reset(); }
  bool writeFailed() const noexcept { return failed_; }
  int pipeWriteFd() const noexcept;
  Connector* connector() const noexcept;

  // Hot members first (what a read, an echo and a write touch), so one
  // connection's turn costs few cache lines; the reactor prefetches them.
  ReactorBase& reactor_;
  int fd_;
  int sessionno_;
  // The peer's IPv4 address (network order) and port (host order) when
  // peerV4_; any other address is kept in Cold. Kept so that getPeer() and
  // the log prefix work without a system call, and still once the socket is
  // gone.
  std::uint32_t peerIp4_ = 0;
  std::uint16_t peerPort_ = 0;
  bool peerV4_ : 1 = false;
  bool reading_ : 1 = false;
  bool writing_ : 1 = false;
  bool disconnecting_ : 1 = false;
  bool disconnected_ : 1 = false;
  bool aborted_ : 1 = false;
  bool writeDisconnecting_ : 1 = false;  // loseWriteConnection asked
  bool writeDisconnected_ : 1 = false;   // SHUT_WR done
  bool readDisconnected_ : 1 = false;    // the peer's EOF was seen (half-close)
  bool isUnix_ : 1 = false;              // AF_UNIX: recvmsg, descriptor passing
  bool isPipe_ : 1 = false;              // read(2) fd_, write(2) the pipe's write fd
  bool fdsQueued_ : 1 = false;           // descriptors wait to be sent: writes buffer
  bool hasTls_ : 1 = false;              // startTLS was called (Cold::tls)
  bool failed_ : 1 = false;              // a write failed (Cold::writeFailure)
  bool completion_ : 1 = false;          // reads and sends through reactor_.completionIO()
  // Declared before protocol_ so it is destroyed after it: protocol_->factory
  // stays valid through the protocol's destructor.
  std::shared_ptr<Factory> factory_;
  std::unique_ptr<Protocol> protocol_;
  // Here, not in Cold: servers commonly register the transport itself as its
  // streaming producer (flow control against a peer that does not read).
  internet::detail::ProducerRegistration producers_;
  std::unique_ptr<WriteBuffer> buffer_;        // while bytes wait
  std::unique_ptr<Cold> cold_;                 // see Cold
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while active
};

}  // namespace twisted::internet::stream::detail
