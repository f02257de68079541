// `twist echo`: twisted.protocols.wire.Echo with bounded memory.
#pragma once

#include <twisted/protocols/wire.h>

namespace twisted::twist {

/// wire::Echo whose transport is its own streaming producer: once more than
/// the transport's high-water mark (64 KiB) waits for a client that sends
/// but does not read, reading stops until the buffer drains, so such a
/// client costs a bounded amount of memory. Twisted's Echo (and its `twist`)
/// buffers without limit.
///
/// Mirrors: twisted.protocols.wire.Echo, plus
/// transport.registerProducer(transport, True).
class BoundedEcho : public protocols::wire::Echo {
 public:
  void connectionMade() override;
};

}  // namespace twisted::twist
