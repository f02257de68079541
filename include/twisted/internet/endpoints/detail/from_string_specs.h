// What a built-in endpoint description means, typed: the step between
// parseDescription and the endpoint classes. Internal (twist's portforward
// reads the client specs); not a stable API.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <twisted/internet/endpoints/from_string.h>

namespace twisted::internet::endpoints::detail {

struct TCPServerSpec {
  bool v6 = false;
  int port = 0;
  int backlog = 50;
  std::string interface;
  bool reusePort = false;  // reusePort=1: SO_REUSEPORT (a C++ addition)
};
struct UNIXServerSpec {
  std::string address;
  int mode = 0666;
  int backlog = 50;
  bool wantPID = true;
};
struct SSLServerSpec {
  int port = 0;
  std::string privateKey, certKey, extraCertChain, interface;
  int backlog = 50;
};
struct SystemdServerSpec {
  int family = 0;
  int index = 0;
  std::size_t indexPosition = 0;  // for the error if nothing was inherited there
};
struct StdioServerSpec {};
struct PluginServerSpec {
  ServerParser parser;
  EndpointDescription description;
};
using ServerSpec = std::variant<TCPServerSpec, UNIXServerSpec, SSLServerSpec, SystemdServerSpec,
                                StdioServerSpec, PluginServerSpec>;

using BindAddress = std::optional<std::pair<std::string, int>>;
struct TCPClientSpec {
  std::string host;
  int port = 0;
  double timeout = 30;
  BindAddress bindAddress;
};
struct UNIXClientSpec {
  std::string path;
  double timeout = 30;
  bool checkPID = false;
};
struct TLSClientSpec {
  std::string host;
  int port = 0;
  double timeout = 30;
  BindAddress bindAddress;
  std::string certificate, privateKey, trustRoots;
  std::optional<std::string> endpoint;  // a nested client description
};
struct PluginClientSpec {
  ClientParser parser;
  EndpointDescription description;
};
using ClientSpec = std::variant<TCPClientSpec, UNIXClientSpec, TLSClientSpec, PluginClientSpec>;

/// The typed meaning of a server / client description.
/// @throws EndpointParseError.
TWISTED_API ServerSpec serverSpec(std::string_view description);
TWISTED_API ClientSpec clientSpec(std::string_view description);

/// The endpoint a spec describes (from_string_build.cpp). `description` is
/// for error messages.
TWISTED_API std::shared_ptr<IStreamServerEndpoint> buildServer(ReactorBase& reactor,
                                                               std::string_view description,
                                                               const ServerSpec& spec);
TWISTED_API std::shared_ptr<IStreamClientEndpoint> buildClient(ReactorBase& reactor,
                                                               std::string_view description,
                                                               const ClientSpec& spec);

}  // namespace twisted::internet::endpoints::detail
