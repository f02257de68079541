// `twist discard`: twisted.protocols.wire.Discard on a port (default: 9, as assigned to it).
#include <memory>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {
namespace {

/// wire::Discard owes its client nothing, so a draining server (SIGTERM)
/// closes it at once instead of waiting for the client to hang up.
class DrainableDiscard : public protocols::wire::Discard,
                         public application::internet::IDrainableProtocol {
 public:
  void drain() override { transport->loseConnection(); }
};

}  // namespace

std::unique_ptr<ServiceMaker> makeDiscardService() {
  return std::make_unique<ProtocolService<DrainableDiscard>>(
      "discard", "Discard: ignores what it receives (RFC 863)", "tcp:9");
}

}  // namespace twisted::twist
