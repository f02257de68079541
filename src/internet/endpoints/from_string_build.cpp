// The endpoint each built-in description type makes.
#include <arpa/inet.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <stdexcept>
#include <utility>

#include <twisted/internet/endpoints.h>
#include <twisted/internet/endpoints/detail/from_string_specs.h>
#include <twisted/internet/endpoints/detail/tls_files.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/python/failure.h>
#include <twisted/python/systemd.h>

#include "internet/endpoints/reuse_port.h"

namespace twisted::internet::endpoints::detail {
namespace {

// An endpoint made when listen() is called: a host name as `interface` is
// resolved then, and a name that does not resolve errbacks listen()
// (Twisted's socket.bind fails there too) instead of failing the parse.
class LazyServerEndpoint final : public IStreamServerEndpoint {
 public:
  explicit LazyServerEndpoint(std::function<std::shared_ptr<IStreamServerEndpoint>()> make)
      : make_(std::move(make)) {}
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override {
    std::shared_ptr<IStreamServerEndpoint> endpoint;
    try {
      endpoint = make_();
    } catch (...) {
      return defer::fail<std::shared_ptr<IListeningPort>>(
          python::Failure(std::current_exception()));
    }
    return endpoint->listen(std::move(factory));
  }

 private:
  std::function<std::shared_ptr<IStreamServerEndpoint>()> make_;
};

bool isLiteral(const std::string& interface) {
  in_addr v4;
  in6_addr v6;
  return interface.empty() || ::inet_pton(AF_INET, interface.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, interface.c_str(), &v6) == 1;
}

// Twisted's _SystemdParser reads the environment once, when it is loaded.
const python::ListenFDs& inherited() {
  static const python::ListenFDs fds = python::ListenFDs::fromEnvironment();
  return fds;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The endpoint a registered parser makes from the description's fields.
template <class Spec>
auto fromPlugin(const Spec& s, ReactorBase& reactor) {
  auto endpoint = s.parser(reactor, s.description.args, s.description.kwargs);
  if (!endpoint)
    throw std::logic_error("the parser registered for '" + s.description.prefix +
                           "' returned no endpoint");
  return endpoint;
}

}  // namespace

std::shared_ptr<IStreamServerEndpoint> buildServer(ReactorBase& reactor,
                                                   std::string_view description,
                                                   const ServerSpec& spec) {
  return std::visit(
      Overloaded{
          [&](const TCPServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            auto make =
                [&reactor,
                 s](const std::string& interface) -> std::shared_ptr<IStreamServerEndpoint> {
              if (s.reusePort)
                return std::make_shared<ReusePortServerEndpoint>(reactor, s.v6, s.port, s.backlog,
                                                                 interface);
              if (s.v6)
                return std::make_shared<TCP6ServerEndpoint>(reactor, s.port, s.backlog, interface);
              return std::make_shared<TCP4ServerEndpoint>(reactor, s.port, s.backlog, interface);
            };
            if (isLiteral(s.interface)) return make(s.interface);
            return std::make_shared<LazyServerEndpoint>(
                [make, s] { return make(resolveInterface(s.interface, s.port)); });
          },
          [&](const UNIXServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            return std::make_shared<UNIXServerEndpoint>(reactor, s.address, s.backlog, s.mode,
                                                        s.wantPID);
          },
          [&](const SSLServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            // The files now, as Twisted's _parseSSL: a bad key fails the parse.
            ssl::CertificateOptions options =
                serverTLSOptions(s.privateKey, s.certKey, s.extraCertChain);
            auto make = [&reactor, s, options](const std::string& interface) {
              return std::make_shared<SSL4ServerEndpoint>(reactor, s.port, options, s.backlog,
                                                          interface);
            };
            if (isLiteral(s.interface)) return make(s.interface);
            return std::make_shared<LazyServerEndpoint>(
                [make, s] { return make(resolveInterface(s.interface, s.port)); });
          },
          [&](const SystemdServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            const std::vector<int>& fds = inherited().inheritedDescriptors();
            if (fds.empty())
              throw EndpointParseError(description, s.indexPosition,
                                       "no sockets were inherited (LISTEN_FDS and LISTEN_PID "
                                       "do not name this process)");
            if (static_cast<std::size_t>(s.index) >= fds.size())
              throw EndpointParseError(description, s.indexPosition,
                                       "no inherited socket at index " + std::to_string(s.index) +
                                           " (LISTEN_FDS=" + std::to_string(fds.size()) + ")");
            return std::make_shared<AdoptedStreamServerEndpoint>(reactor, fds[s.index], s.family);
          },
          [&](const StdioServerSpec&) -> std::shared_ptr<IStreamServerEndpoint> {
            return std::make_shared<StandardIOEndpoint>(reactor);
          },
          [&](const PluginServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            return fromPlugin(s, reactor);
          },
      },
      spec);
}

std::shared_ptr<IStreamClientEndpoint> buildClient(ReactorBase& reactor, std::string_view,
                                                   const ClientSpec& spec) {
  return std::visit(Overloaded{
                        [&](const TCPClientSpec& s) -> std::shared_ptr<IStreamClientEndpoint> {
                          return std::make_shared<TCP4ClientEndpoint>(reactor, s.host, s.port,
                                                                      s.timeout, s.bindAddress);
                        },
                        [&](const UNIXClientSpec& s) -> std::shared_ptr<IStreamClientEndpoint> {
                          return std::make_shared<UNIXClientEndpoint>(reactor, s.path, s.timeout,
                                                                      s.checkPID);
                        },
                        [&](const TLSClientSpec& s) -> std::shared_ptr<IStreamClientEndpoint> {
                          ssl::CertificateOptions options =
                              clientTLSOptions(s.host, s.trustRoots, s.certificate, s.privateKey);
                          std::shared_ptr<IStreamClientEndpoint> wrapped;
                          // As Twisted: every address of the name, raced (happy eyeballs).
                          if (s.endpoint)
                            wrapped = clientFromString(reactor, *s.endpoint);
                          else
                            wrapped = std::make_shared<HostnameEndpoint>(reactor, s.host, s.port,
                                                                         s.timeout, s.bindAddress);
                          return wrapClientTLS(std::move(options), std::move(wrapped));
                        },
                        [&](const PluginClientSpec& s) -> std::shared_ptr<IStreamClientEndpoint> {
                          return fromPlugin(s, reactor);
                        },
                    },
                    spec);
}

}  // namespace twisted::internet::endpoints::detail
