// Placeholder until the endpoint classes land (branch i14-endpoints).
#include <stdexcept>

#include <twisted/internet/endpoints/detail/from_string_specs.h>

namespace twisted::internet::endpoints::detail {

std::shared_ptr<IStreamServerEndpoint> buildServer(ReactorBase&, std::string_view,
                                                   const ServerSpec&) {
  throw std::logic_error("serverFromString: endpoint classes not built yet");
}

std::shared_ptr<IStreamClientEndpoint> buildClient(ReactorBase&, std::string_view,
                                                   const ClientSpec&) {
  throw std::logic_error("clientFromString: endpoint classes not built yet");
}

}  // namespace twisted::internet::endpoints::detail
