// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/ssl_endpoints.h>

#include <twisted/internet/tls.h>

#include "internet/endpoints/listen.h"
#include "internet/endpoints/wrapping.h"

namespace twisted::internet::endpoints {

SSL4ServerEndpoint::SSL4ServerEndpoint(IReactorSSL& reactor, int port,
                                       ssl::CertificateOptions sslContextFactory, int backlog,
                                       std::string interface)
    : reactor_(reactor),
      port_(port),
      options_(std::move(sslContextFactory)),
      backlog_(backlog),
      interface_(std::move(interface)) {}

defer::Deferred<std::shared_ptr<IListeningPort>> SSL4ServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return detail::listenWith([&] {
    return reactor_.listenSSL(port_, std::move(factory), options_, backlog_, interface_);
  });
}

SSL4ClientEndpoint::SSL4ClientEndpoint(IReactorSSL& reactor, std::string host, int port,
                                       ssl::CertificateOptions sslContextFactory, double timeout,
                                       std::optional<std::pair<std::string, int>> bindAddress)
    : reactor_(reactor),
      host_(std::move(host)),
      port_(port),
      options_(std::move(sslContextFactory)),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)) {}

defer::Deferred<Protocol*> SSL4ClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  return detail::wrapConnect(
      std::move(factory),
      [this](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectSSL(host_, port_, std::move(f), options_, timeout_, bindAddress_);
      },
      host_ + ":" + std::to_string(port_));
}

namespace {

// Mirrors Twisted's _WrapperEndpoint with the TLSMemoryBIOFactory wrapper.
class TLSWrapperEndpoint final : public IStreamClientEndpoint {
 public:
  TLSWrapperEndpoint(ssl::CertificateOptions options, std::shared_ptr<IStreamClientEndpoint> inner)
      : options_(std::move(options)), inner_(std::move(inner)) {}

  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override {
    std::shared_ptr<tls::TLSMemoryBIOFactory> tls;
    try {
      tls = std::make_shared<tls::TLSMemoryBIOFactory>(options_, true, std::move(factory));
    } catch (...) {
      return defer::fail<Protocol*>(python::Failure());
    }
    // The inner endpoint hands back the TLS layer; the caller wants what it wraps.
    return inner_->connect(std::move(tls)).addCallback([](Protocol* p) -> Protocol* {
      return static_cast<tls::TLSMemoryBIOProtocol*>(p)->wrappedProtocol.get();
    });
  }

 private:
  ssl::CertificateOptions options_;
  std::shared_ptr<IStreamClientEndpoint> inner_;
};

}  // namespace

std::shared_ptr<IStreamClientEndpoint> wrapClientTLS(
    ssl::CertificateOptions connectionCreator,
    std::shared_ptr<IStreamClientEndpoint> wrappedEndpoint) {
  return std::make_shared<TLSWrapperEndpoint>(std::move(connectionCreator),
                                              std::move(wrappedEndpoint));
}

}  // namespace twisted::internet::endpoints
