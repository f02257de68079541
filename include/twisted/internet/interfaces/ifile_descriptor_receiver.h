// A protocol that accepts file descriptors sent over a Unix socket.
#pragma once

#include <twisted/export.h>

namespace twisted::internet {

/// Mixed into a Protocol that wants the descriptors its peer sends with
/// IUNIXTransport::sendFileDescriptor (SCM_RIGHTS). Each arrives, close-on-exec,
/// through fileDescriptorReceived before the bytes that carried it reach
/// dataReceived; the protocol owns it from then on and must close it.
/// A protocol without this interface never sees one: the transport closes
/// every descriptor it receives and logs that it did, as Twisted does.
///
/// Mirrors: twisted.internet.interfaces.IFileDescriptorReceiver.
class TWISTED_API IFileDescriptorReceiver {
 public:
  virtual ~IFileDescriptorReceiver() = default;
  /// `descriptor` arrived; it is the protocol's to close.
  /// Mirrors IFileDescriptorReceiver.fileDescriptorReceived.
  virtual void fileDescriptorReceived(int descriptor) = 0;
};

}  // namespace twisted::internet
