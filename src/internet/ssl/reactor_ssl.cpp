// IReactorSSL: listenTCP/connectTCP with a TLSMemoryBIOFactory around the
// factory, as Twisted's tcp-based listenSSL/connectSSL.
#include <twisted/internet/reactor_base.h>
#include <twisted/internet/tls.h>

namespace twisted::internet {

std::shared_ptr<IListeningPort> ReactorBase::listenSSL(
    int port, std::shared_ptr<Factory> factory, const ssl::CertificateOptions& contextFactory,
    int backlog, std::string_view interface) {
  return listenTCP(
      port, std::make_shared<tls::TLSMemoryBIOFactory>(contextFactory, false, std::move(factory)),
      backlog, interface);
}

std::shared_ptr<IConnector> ReactorBase::connectSSL(
    std::string_view host, int port, std::shared_ptr<ClientFactory> factory,
    const ssl::CertificateOptions& contextFactory, double timeout,
    std::optional<std::pair<std::string, int>> bindAddress) {
  return connectTCP(
      host, port,
      std::make_shared<tls::TLSMemoryBIOFactory>(contextFactory, true, std::move(factory)), timeout,
      std::move(bindAddress));
}

}  // namespace twisted::internet
