// `twist daytime`: twisted.protocols.wire.Daytime on a port (default: 13, as assigned to it).
#include <memory>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeDaytimeService() {
  return std::make_unique<ProtocolService<protocols::wire::Daytime>>(
      "daytime", "Daytime: writes the date and time as text, then closes (RFC 867)", "tcp:13");
}

}  // namespace twisted::twist
