// `twist discard`: twisted.protocols.wire.Discard on a port (default: 9, as assigned to it).
#include <memory>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeDiscardService() {
  return std::make_unique<ProtocolService<protocols::wire::Discard>>(
      "discard", "Discard: ignores what it receives (RFC 863)", "tcp:9");
}

}  // namespace twisted::twist
