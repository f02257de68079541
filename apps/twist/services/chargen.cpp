// `twist chargen`: twisted.protocols.wire.Chargen on a port (default: 19, as assigned to it).
#include <memory>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeChargenService() {
  return std::make_unique<ProtocolService<protocols::wire::Chargen>>(
      "chargen",
      "Character generator: streams the printable ASCII pattern until the client hangs up (RFC "
      "864)",
      "tcp:19");
}

}  // namespace twisted::twist
