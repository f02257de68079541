// The transport of a Unix stream socket: a TCP-like connection that can also
// pass open file descriptors to its peer.
#pragma once

#include <twisted/export.h>

#include <optional>

#include <twisted/internet/interfaces/itransport.h>

namespace twisted::internet {

/// The process at the other end of a Unix socket, as the kernel recorded it
/// when the connection was made (SO_PEERCRED). No Twisted equivalent.
struct TWISTED_API PeerCredentials {
  /// The peer's process id.
  int pid = 0;
  /// The peer's effective user id.
  unsigned uid = 0;
  /// The peer's effective group id.
  unsigned gid = 0;
  /// Memberwise equality.
  friend bool operator==(const PeerCredentials&, const PeerCredentials&) = default;
};

/// A connected Unix stream socket, as its protocol sees it: dynamic_cast the
/// protocol's `transport` to it. The `transport` itself is, as for TCP, the
/// connection's ITCPTransport (Twisted's unix.Server and unix.Client are
/// tcp.Connections), so code written for TCP runs unchanged:
/// loseWriteConnection half-closes; setTcpNoDelay throws std::system_error
/// (EOPNOTSUPP, as Twisted's OSError), setTcpKeepAlive is accepted and does
/// nothing.
///
/// Mirrors: twisted.internet.interfaces.IUNIXTransport.
class TWISTED_API IUNIXTransport : public ITransport {
 public:
  /// Queues a duplicate of `fd` to be sent to the peer (SCM_RIGHTS) with the
  /// next byte written: write at least one byte per descriptor after it, or
  /// the connection is lost with error::FileDescriptorOverrun, as in
  /// Twisted. Unlike Twisted, the descriptor is duplicated now, so the
  /// caller may close its own at once; the duplicate is closed once sent or
  /// when the connection ends. Mirrors IUNIXTransport.sendFileDescriptor.
  /// @throws std::system_error (EBADF) if `fd` is not an open descriptor,
  ///         naming it; nothing is queued then.
  virtual void sendFileDescriptor(int fd) = 0;

  /// The peer's process, user and group (SO_PEERCRED); nullopt if the
  /// kernel cannot say. No Twisted equivalent.
  virtual std::optional<PeerCredentials> getPeerCredentials() const = 0;
};

}  // namespace twisted::internet
