// The endpoint each built-in description type makes.
//
// Interim: until the endpoint classes (TCP4ServerEndpoint ...) land, the
// server types listen through a small adapter over the reactor's listen
// calls, and the client types are not built yet.
#include <arpa/inet.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <stdexcept>
#include <utility>

#include <twisted/internet/endpoints/detail/from_string_specs.h>
#include <twisted/internet/endpoints/detail/tls_files.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/python/failure.h>
#include <twisted/python/systemd.h>

namespace twisted::internet::endpoints::detail {
namespace {

using Listen = std::function<std::shared_ptr<IListeningPort>(std::shared_ptr<Factory>)>;

// listen() runs `listen_` now: its port, or its exception as the failure.
class CallServerEndpoint final : public IStreamServerEndpoint {
 public:
  explicit CallServerEndpoint(Listen listen) : listen_(std::move(listen)) {}
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override {
    try {
      return defer::succeed(listen_(std::move(factory)));
    } catch (...) {
      return defer::fail<std::shared_ptr<IListeningPort>>(
          python::Failure(std::current_exception()));
    }
  }

 private:
  Listen listen_;
};

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

}  // namespace

std::shared_ptr<IStreamServerEndpoint> buildServer(ReactorBase& reactor,
                                                   std::string_view description,
                                                   const ServerSpec& spec) {
  ReactorBase* r = &reactor;
  return std::visit(
      Overloaded{
          [&](const TCPServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            return std::make_shared<CallServerEndpoint>([r, s](std::shared_ptr<Factory> f) {
              return r->listenTCP(s.port, std::move(f), s.backlog,
                                  resolveInterface(s.interface, s.port));
            });
          },
          [&](const UNIXServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            return std::make_shared<CallServerEndpoint>([r, s](std::shared_ptr<Factory> f) {
              return r->listenUNIX(s.address, std::move(f), s.backlog, s.mode, s.wantPID);
            });
          },
          [&](const SSLServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            // The files now, as Twisted's _parseSSL: a bad key fails the parse.
            auto options = std::make_shared<ssl::CertificateOptions>(
                serverTLSOptions(s.privateKey, s.certKey, s.extraCertChain));
            return std::make_shared<CallServerEndpoint>(
                [r, s, options](std::shared_ptr<Factory> f) {
                  return r->listenSSL(s.port, std::move(f), *options, s.backlog,
                                      resolveInterface(s.interface, s.port));
                });
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
            int fd = fds[static_cast<std::size_t>(s.index)];
            return std::make_shared<CallServerEndpoint>([r, s, fd](std::shared_ptr<Factory> f) {
              // AdoptedStreamServerEndpoint: the reactor works on a duplicate.
              auto port = r->adoptStreamPort(fd, s.family, std::move(f));
              ::close(fd);
              return port;
            });
          },
          [&](const StdioServerSpec&) -> std::shared_ptr<IStreamServerEndpoint> {
            throw std::logic_error("serverFromString: stdio: is not built yet");
          },
          [&](const PluginServerSpec& s) -> std::shared_ptr<IStreamServerEndpoint> {
            auto endpoint = s.parser(reactor, s.description.args, s.description.kwargs);
            if (!endpoint)
              throw std::logic_error("the parser registered for '" + s.description.prefix +
                                     "' returned no endpoint");
            return endpoint;
          },
      },
      spec);
}

std::shared_ptr<IStreamClientEndpoint> buildClient(ReactorBase& reactor, std::string_view,
                                                   const ClientSpec& spec) {
  if (auto* s = std::get_if<PluginClientSpec>(&spec)) {
    auto endpoint = s->parser(reactor, s->description.args, s->description.kwargs);
    if (!endpoint)
      throw std::logic_error("the parser registered for '" + s->description.prefix +
                             "' returned no endpoint");
    return endpoint;
  }
  throw std::logic_error("clientFromString: the client endpoint classes are not built yet");
}

}  // namespace twisted::internet::endpoints::detail
