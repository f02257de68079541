#include "endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ireactor_ssl.h>

namespace twisted::twist {
namespace {

constexpr std::string_view kSyntax =
    "expected tcp:PORT[:interface=ADDR][:backlog=N] or "
    "ssl:PORT:privateKey=KEY.pem[:certKey=CERT.pem][:extraCertChain=CHAIN.pem]"
    "[:interface=ADDR][:backlog=N]";

[[noreturn]] void fail(std::string_view description, const std::string& why) {
  throw EndpointParseError("invalid endpoint '" + std::string(description) + "': " + why + " (" +
                           std::string(kSyntax) + ")");
}

// One ':'-separated field: a positional value, or key=value. Backslash
// escapes the next character (Twisted's endpoints._tokenize).
struct Field {
  std::optional<std::string> key;
  std::string value;
};

std::vector<Field> tokenize(std::string_view description) {
  std::vector<Field> fields(1);
  std::string current;
  for (std::size_t i = 0; i < description.size(); ++i) {
    char c = description[i];
    if (c == '\\') {
      if (++i == description.size()) fail(description, "it ends with a lone backslash");
      current += description[i];
    } else if (c == ':') {
      fields.back().value = std::move(current);
      current.clear();
      fields.emplace_back();
    } else if (c == '=' && !fields.back().key) {
      fields.back().key = std::move(current);
      current.clear();
    } else {
      current += c;
    }
  }
  fields.back().value = std::move(current);
  return fields;
}

int parseInt(std::string_view description, std::string_view what, const std::string& text, int min,
             int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    fail(description, std::string(what) + " '" + text + "' is not an integer from " +
                          std::to_string(min) + " to " + std::to_string(max));
  return value;
}

}  // namespace

ServerEndpoint parseServerEndpoint(std::string_view description) {
  if (description.empty()) fail(description, "it is empty");
  std::vector<Field> fields = tokenize(description);
  const Field& type = fields.front();
  if (type.key) fail(description, "it must start with the endpoint type");
  if (fields.size() == 1 && !type.value.empty() &&
      type.value.find_first_not_of("0123456789") == std::string::npos)
    fail(description, "the endpoint type is missing; did you mean tcp:" + type.value + "?");
  if (type.value != "tcp" && type.value != "tcp6" && type.value != "ssl")
    fail(description, "unknown endpoint type '" + type.value + "' (supported: tcp, tcp6, ssl)");
  const bool ssl = type.value == "ssl";

  ServerEndpoint endpoint;
  if (type.value == "tcp6") endpoint.interface = "::";
  // Twisted's _parseTCP(factory, port, interface, backlog) and
  // _parseSSL(factory, port, privateKey, certKey, sslmethod, interface, ...)
  // take their positional fields in these orders; ssl: stops before
  // sslmethod, which is not supported.
  static const std::vector<std::string> kTCP = {"port", "interface", "backlog"};
  static const std::vector<std::string> kSSL = {"port", "privateKey", "certKey"};
  static const std::vector<std::string> kSSLKeys = {"port",      "privateKey", "certKey",
                                                    "interface", "backlog",    "extraCertChain"};
  const std::vector<std::string>& positionals = ssl ? kSSL : kTCP;
  const std::vector<std::string>& keys = ssl ? kSSLKeys : kTCP;
  std::map<std::string, std::string> values;
  auto set = [&](const std::string& name, std::string value) {
    if (!values.emplace(name, std::move(value)).second) fail(description, name + " is given twice");
  };
  std::size_t positional = 0;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    Field& f = fields[i];
    if (!f.key) {
      if (positional == positionals.size()) fail(description, "too many fields");
      set(positionals[positional++], std::move(f.value));
    } else if (std::find(keys.begin(), keys.end(), *f.key) != keys.end()) {
      set(*f.key, std::move(f.value));
    } else if (ssl && (*f.key == "sslmethod" || *f.key == "dhParameters")) {
      fail(description, *f.key + " is not supported (TLS 1.2 and later, ECDHE key exchange)");
    } else {
      std::string known;
      for (const auto& k : keys)
        known += (known.empty() ? "" : ", ") + k;
      fail(description, "unknown parameter '" + *f.key + "' (known: " + known + ")");
    }
  }
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  if (!get("port")) fail(description, "the port is missing");
  endpoint.port = parseInt(description, "port", *get("port"), 0, 65535);
  if (auto interface = get("interface")) endpoint.interface = *interface;
  if (auto backlog = get("backlog"))
    endpoint.backlog = parseInt(description, "backlog", *backlog, 1, 65535);
  if (ssl) {
    auto key = get("privateKey");
    if (!key || key->empty())
      fail(description, "privateKey is missing (the PEM file of the server's key)");
    TLSServerFiles files;
    files.privateKey = *key;
    auto cert = get("certKey");
    files.certKey = cert && !cert->empty() ? *cert : *key;
    files.extraCertChain = get("extraCertChain").value_or("");
    endpoint.tls = std::move(files);
  }
  return endpoint;
}

internet::ssl::CertificateOptions serverTLSOptions(const TLSServerFiles& files) {
  namespace ssl = internet::ssl;
  ssl::CertificateOptions base = ssl::DefaultOpenSSLContextFactory(files.privateKey, files.certKey);
  if (files.extraCertChain.empty()) return base;
  std::ifstream in(files.extraCertChain, std::ios::binary);
  if (!in)
    throw ssl::CertificateError("cannot read extraCertChain file '" + files.extraCertChain + "'");
  std::ostringstream text;
  text << in.rdbuf();
  ssl::CertificateOptions::Args args = base.args();
  try {
    for (auto& c : ssl::Certificate::loadPEMChain(text.str()))
      args.extraCertChain.push_back(std::move(c));
  } catch (const ssl::CertificateError& e) {
    throw ssl::CertificateError(std::string(e.what()) + " (extraCertChain file '" +
                                files.extraCertChain + "')");
  }
  return ssl::CertificateOptions(std::move(args));
}

std::shared_ptr<internet::IListeningPort> listen(internet::ReactorBase& reactor,
                                                 const ServerEndpoint& endpoint,
                                                 std::shared_ptr<internet::Factory> factory) {
  if (!endpoint.tls)
    return reactor.listenTCP(endpoint.port, std::move(factory), endpoint.backlog,
                             resolveInterface(endpoint.interface, endpoint.port));
  // The files first: a bad key is reported before a port is taken.
  internet::ssl::CertificateOptions options = serverTLSOptions(*endpoint.tls);
  return reactor.listenSSL(endpoint.port, std::move(factory), options, endpoint.backlog,
                           resolveInterface(endpoint.interface, endpoint.port));
}

std::string resolveInterface(const std::string& interface, int port) {
  in_addr v4;
  in6_addr v6;
  if (interface.empty() || ::inet_pton(AF_INET, interface.c_str(), &v4) == 1 ||
      ::inet_pton(AF_INET6, interface.c_str(), &v6) == 1)
    return interface;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(interface.c_str(), nullptr, &hints, &found); rc != 0)
    throw internet::error::CannotListenError(interface, port, ::gai_strerror(rc));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
              sizeof text);
  ::freeaddrinfo(found);
  return text;
}

std::string toString(const ServerEndpoint& endpoint) {
  auto escaped = [](const std::string& value) {
    std::string out;
    for (char c : value) {
      if (c == ':' || c == '\\' || c == '=') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = (endpoint.tls ? "ssl:" : "tcp:") + std::to_string(endpoint.port);
  if (endpoint.tls) {
    out += ":privateKey=" + escaped(endpoint.tls->privateKey);
    if (endpoint.tls->certKey != endpoint.tls->privateKey)
      out += ":certKey=" + escaped(endpoint.tls->certKey);
    if (!endpoint.tls->extraCertChain.empty())
      out += ":extraCertChain=" + escaped(endpoint.tls->extraCertChain);
  }
  if (!endpoint.interface.empty()) out += ":interface=" + escaped(endpoint.interface);
  if (endpoint.backlog != 50) out += ":backlog=" + std::to_string(endpoint.backlog);
  return out;
}

}  // namespace twisted::twist
