// `twist echo`: twisted.protocols.wire.Echo on a port (default: 7, as assigned
// to it), with the transport as its own producer (bounded memory).
#include "echo.h"

#include <memory>

#include "../service.h"

namespace twisted::twist {

void BoundedEcho::connectionMade() {
  Echo::connectionMade();
  transport->registerProducer(transport, true);
}

std::unique_ptr<ServiceMaker> makeEchoService() {
  return std::make_unique<ProtocolService<BoundedEcho>>(
      "echo", "Echo: writes back what it receives (RFC 862)", "tcp:7");
}

}  // namespace twisted::twist
