// The descriptor interfaces the FD-set API works with.
#pragma once

#include <twisted/export.h>

#include <optional>

#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet {

class IHalfCloseableDescriptor;

/// Mirrors: twisted.internet.interfaces.ILoggingContext (logPrefix()).
using ILoggingContext = python::log::ILoggingContext;

/// What doRead/doWrite return: nothing to keep going, or the reason to
/// disconnect (the reactor then removes the descriptor and calls connectionLost).
using DescriptorResult = std::optional<python::Failure>;

/// A file descriptor the reactor can watch.
///
/// Mirrors: twisted.internet.interfaces.IFileDescriptor. The reactor never owns
/// descriptors: the object must stay alive while registered and be removed
/// (removeReader/removeWriter) before it is destroyed. Once removed, the
/// reactor never calls it again, even for readiness already collected in the
/// same iteration.
class TWISTED_API IFileDescriptor : public virtual ILoggingContext {
 public:
  /// The OS file descriptor, or -1 once closed. Mirrors IFileDescriptor.fileno.
  virtual int fileno() const = 0;
  /// Called once when the connection is lost (doRead/doWrite returned a
  /// reason or threw, the peer hung up, or the reactor shut down).
  /// Mirrors IFileDescriptor.connectionLost.
  virtual void connectionLost(const python::Failure& reason) = 0;
  /// This descriptor as an IHalfCloseableDescriptor, or null. The default
  /// asks dynamic_cast; a descriptor that knows overrides it, so the reactor
  /// pays no cross-cast (~100 ns through virtual bases) per disconnect.
  /// Mirrors IHalfCloseableDescriptor.providedBy(selectable).
  virtual IHalfCloseableDescriptor* halfCloseable() noexcept;
};

/// Mirrors: twisted.internet.interfaces.IReadDescriptor.
class TWISTED_API IReadDescriptor : public virtual IFileDescriptor {
 public:
  /// Some data is available for reading. Return a Failure to disconnect
  /// (e.g. main::CONNECTION_DONE() at end of file); an exception also
  /// disconnects, with the exception as the reason, and is logged.
  virtual DescriptorResult doRead() = 0;
  /// True if an error or hang-up the backend reports without readability
  /// (POLLERR/EPOLLERR, POLLHUP) goes to doRead, which reads the pending
  /// error itself, instead of disconnecting the descriptor. Default false:
  /// for a stream it means the connection is gone. A datagram socket says
  /// true: its error is an earlier datagram's ICMP refusal, reported by the
  /// next recv (connectionRefused in connected mode). No Twisted
  /// equivalent: Twisted's select reactor hands such a socket to doRead,
  /// its poll and epoll reactors drop the port; here every backend does
  /// what select does.
  virtual bool readsErrors() const noexcept { return false; }
};

/// Mirrors: twisted.internet.interfaces.IWriteDescriptor.
class TWISTED_API IWriteDescriptor : public virtual IFileDescriptor {
 public:
  /// The descriptor is writable. Same return convention as doRead.
  virtual DescriptorResult doWrite() = 0;
};

/// A descriptor that both reads and writes (most connections).
class IReadWriteDescriptor : public IReadDescriptor, public IWriteDescriptor {};

/// Mirrors: twisted.internet.interfaces.IHalfCloseableDescriptor. When doRead
/// reports ConnectionDone, readConnectionLost is called instead of
/// connectionLost and the descriptor stays registered for writing.
class TWISTED_API IHalfCloseableDescriptor {
 public:
  virtual ~IHalfCloseableDescriptor() = default;
  /// The write side was closed (shutdown or error); reading may go on.
  /// Mirrors IHalfCloseableDescriptor.writeConnectionLost.
  virtual void writeConnectionLost(const python::Failure& reason) = 0;
  /// The peer closed its write side (EOF); writing may go on.
  /// Mirrors IHalfCloseableDescriptor.readConnectionLost.
  virtual void readConnectionLost(const python::Failure& reason) = 0;
};

inline IHalfCloseableDescriptor* IFileDescriptor::halfCloseable() noexcept {
  return dynamic_cast<IHalfCloseableDescriptor*>(this);
}

namespace main {
/// Mirrors twisted.internet.main.CONNECTION_DONE: Failure(ConnectionDone()).
TWISTED_API const python::Failure& CONNECTION_DONE();
/// Mirrors twisted.internet.main.CONNECTION_LOST: Failure(ConnectionLost()).
TWISTED_API const python::Failure& CONNECTION_LOST();
}  // namespace main

}  // namespace twisted::internet
