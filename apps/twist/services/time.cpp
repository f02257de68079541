// `twist time`: twisted.protocols.wire.Time on a port (default: 37, as assigned to it).
#include <memory>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeTimeService() {
  return std::make_unique<ProtocolService<protocols::wire::Time>>(
      "time", "Time: writes the time as 32-bit seconds since 1900, then closes (RFC 868)",
      "tcp:37");
}

}  // namespace twisted::twist
