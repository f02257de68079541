// `twist chargen`: twisted.protocols.wire.Chargen on a port (default: 19, as assigned to it).
#include <memory>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {
namespace {

/// wire::Chargen's stream never ends, so a draining server (SIGTERM) stops
/// it and closes the connection once what is buffered has been sent,
/// instead of streaming on until the drain deadline.
class DrainableChargen : public protocols::wire::Chargen,
                         public application::internet::IDrainableProtocol {
 public:
  void drain() override {
    stopProducing();
    transport->unregisterProducer();
    transport->loseConnection();
  }
};

}  // namespace

std::unique_ptr<ServiceMaker> makeChargenService() {
  return std::make_unique<ProtocolService<DrainableChargen>>(
      "chargen",
      "Character generator: streams the printable ASCII pattern until the client hangs up (RFC "
      "864)",
      "tcp:19");
}

}  // namespace twisted::twist
