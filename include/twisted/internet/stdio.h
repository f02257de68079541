// Standard input and output as a transport. Mirrors twisted.internet.stdio.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <span>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet {
namespace stream::detail {
class Connection;
}

namespace stdio {

/// Connects `protocol` to standard input and output: what arrives on stdin
/// goes to dataReceived, transport->write() goes to stdout. Works when they
/// are pipes, files or a terminal, on every reactor backend.
///
/// Semantics (Twisted's, with the differences marked):
/// - Both fds are made non-blocking (the flag belongs to the open file, which
///   a shell's terminal shares); their flags are restored when the transport
///   is done with them.
/// - Writes are buffered with the same flow control as TCP
///   (registerProducer; a streaming producer is paused above 64 KiB).
///   A closed reader (EPIPE) is a ConnectionLost, never a SIGPIPE.
/// - End of stdin: an IHalfCloseableProtocol gets readConnectionLost() and
///   may keep writing; any other protocol gets connectionLost(ConnectionDone)
///   once what it wrote is flushed (Twisted drops that output).
/// - loseConnection() flushes, then closes stdout (the reader sees EOF) and
///   stops reading; loseWriteConnection() closes stdout only. Unlike Twisted,
///   which leaves stdout open until exit, a closed fd is replaced by
///   /dev/null, so fd 1 never gets reused by an unrelated open().
/// - getPeer()/getHost() are PipeAddress.
///
/// The reactor keeps the transport alive until connectionLost has returned;
/// this object is a handle (dropping it does not close anything). The
/// protocol is owned by the transport and destroyed after connectionLost.
///
/// Mirrors: twisted.internet.stdio.StandardIO(proto, stdin=0, stdout=1, reactor).
class TWISTED_API StandardIO {
 public:
  /// On the process-wide reactor(). @throws std::system_error if an fd is not open.
  explicit StandardIO(std::unique_ptr<Protocol> protocol, int stdinFd = 0, int stdoutFd = 1);
  /// On `reactor`. @throws std::system_error if an fd is not open.
  StandardIO(std::unique_ptr<Protocol> protocol, int stdinFd, int stdoutFd, ReactorBase& reactor);
  ~StandardIO();
  StandardIO(const StandardIO&) = delete;
  StandardIO& operator=(const StandardIO&) = delete;

  /// The transport the protocol sees (ITransport; its dynamic type also
  /// offers ITCPTransport::loseWriteConnection, whose TCP options refuse).
  ITransport& transport() const noexcept;

  /// Mirrors StandardIO.write.
  void write(std::string_view data);
  /// Mirrors StandardIO.writeSequence.
  void writeSequence(std::span<const std::string_view> data);
  /// Flushes, closes stdout and stops reading stdin. Mirrors StandardIO.loseConnection.
  void loseConnection();
  /// Flushes and closes stdout only. Mirrors StandardIO.loseWriteConnection.
  void loseWriteConnection();
  /// True once loseConnection() was called. Mirrors StandardIO.disconnecting.
  bool disconnecting() const;
  /// PipeAddress. Mirrors StandardIO.getPeer.
  Address getPeer() const;
  /// PipeAddress. Mirrors StandardIO.getHost.
  Address getHost() const;
  /// Mirrors StandardIO.registerProducer.
  void registerProducer(IProducer* producer, bool streaming);
  /// Mirrors StandardIO.unregisterProducer.
  void unregisterProducer();
  /// Stops reading stdin. Mirrors StandardIO.pauseProducing.
  void pauseProducing();
  /// Reads stdin again. Mirrors StandardIO.resumeProducing.
  void resumeProducing();
  /// loseConnection(). Mirrors StandardIO.stopProducing.
  void stopProducing();

 private:
  std::shared_ptr<stream::detail::Connection> connection_;
};

}  // namespace stdio
}  // namespace twisted::internet
