// The transport a protocol writes to: one end of a connection.
#pragma once

#include <twisted/export.h>

#include <span>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/python/log.h>

namespace twisted::internet {

/// A connection as its protocol sees it: write and close, learn the
/// addresses, and flow control (a transport consumes what the protocol
/// writes and produces what it reads, so pauseProducing() stops reading).
///
/// Mirrors: twisted.internet.interfaces.ITransport, together with the
/// IConsumer and IPushProducer interfaces every Twisted connection provides.
/// Call it on the reactor thread only.
class TWISTED_API ITransport : public IConsumer,
                               public IPushProducer,
                               public virtual python::log::ILoggingContext {
 public:
  /// Sends `data` in order, after what was written before; never blocks.
  /// What the kernel does not take now is copied and sent later. Writes
  /// after the connection is lost are dropped. Mirrors ITransport.write.
  virtual void write(std::string_view data) = 0;
  /// write() of each buffer in order, in one system call when possible.
  /// Mirrors ITransport.writeSequence.
  virtual void writeSequence(std::span<const std::string_view> data) = 0;
  /// Closes the connection once everything written so far is sent; the
  /// protocol's connectionLost follows (ConnectionDone).
  /// Mirrors ITransport.loseConnection.
  virtual void loseConnection() = 0;
  /// The remote address. Mirrors ITransport.getPeer.
  virtual Address getPeer() const = 0;
  /// The local address. Mirrors ITransport.getHost.
  virtual Address getHost() const = 0;
  /// Closes now, dropping unsent data (TCP: RST); connectionLost follows with
  /// ConnectionAborted. Mirrors ITCPTransport.abortConnection (every Twisted
  /// stream transport has it, so it lives here).
  virtual void abortConnection() = 0;
  /// True once loseConnection()/abortConnection() was called (Twisted's
  /// transport.disconnecting); framings stop delivering data then.
  virtual bool disconnecting() const = 0;
};

/// A TCP connection. Mirrors: twisted.internet.interfaces.ITCPTransport.
class TWISTED_API ITCPTransport : public ITransport {
 public:
  /// Half-close: shutdown(SHUT_WR) once the buffer is sent.
  /// Mirrors ITCPTransport.loseWriteConnection.
  virtual void loseWriteConnection() = 0;
  /// Mirrors ITCPTransport.getTcpNoDelay / setTcpNoDelay.
  virtual bool getTcpNoDelay() const = 0;
  /// Sets TCP_NODELAY (disables Nagle's algorithm) when `enabled`.
  virtual void setTcpNoDelay(bool enabled) = 0;
  /// Mirrors ITCPTransport.getTcpKeepAlive / setTcpKeepAlive.
  virtual bool getTcpKeepAlive() const = 0;
  /// Sets SO_KEEPALIVE when `enabled`.
  virtual void setTcpKeepAlive(bool enabled) = 0;
};

}  // namespace twisted::internet
