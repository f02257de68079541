// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/connect_protocol.h>

namespace twisted::internet::endpoints::detail {
namespace {

// Hands out its one protocol. Mirrors Twisted's OneShotFactory.
class OneShotFactory final : public Factory {
 public:
  explicit OneShotFactory(std::unique_ptr<Protocol> p) : protocol_(std::move(p)) { noisy = false; }
  std::unique_ptr<Protocol> buildProtocol(const Address&) override { return std::move(protocol_); }
  std::string logPrefix() const override {
    return protocol_ ? protocol_->logPrefix() : Factory::logPrefix();
  }

 private:
  std::unique_ptr<Protocol> protocol_;
};

}  // namespace

defer::Deferred<Protocol*> connectProtocol(IStreamClientEndpoint& endpoint,
                                           std::unique_ptr<Protocol> protocol) {
  return endpoint.connect(std::make_shared<OneShotFactory>(std::move(protocol)));
}

}  // namespace twisted::internet::endpoints::detail
