// `twist echo`: twisted.protocols.wire.Echo on a port (default: 7, as assigned to it).
#include <memory>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeEchoService() {
  return std::make_unique<ProtocolService<protocols::wire::Echo>>(
      "echo", "Echo: writes back what it receives (RFC 862)", "tcp:7");
}

}  // namespace twisted::twist
