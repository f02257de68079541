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

constexpr std::string_view kClientSyntax =
    "expected tcp:HOST:PORT[:timeout=S] or "
    "tls:HOST:PORT[:timeout=S][:trustRoots=PATH][:certificate=CERT.pem][:privateKey=KEY.pem]";

[[noreturn]] void fail(std::string_view description, const std::string& why,
                       std::string_view syntax = kSyntax) {
  throw EndpointParseError("invalid endpoint '" + std::string(description) + "': " + why + " (" +
                           std::string(syntax) + ")");
}

// One ':'-separated field: a positional value, or key=value. Backslash
// escapes the next character (Twisted's endpoints._tokenize).
struct Field {
  std::optional<std::string> key;
  std::string value;
};

std::vector<Field> tokenize(std::string_view description, std::string_view syntax = kSyntax) {
  std::vector<Field> fields(1);
  std::string current;
  for (std::size_t i = 0; i < description.size(); ++i) {
    char c = description[i];
    if (c == '\\') {
      if (++i == description.size()) fail(description, "it ends with a lone backslash", syntax);
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
             int max, std::string_view syntax = kSyntax) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    fail(description,
         std::string(what) + " '" + text + "' is not an integer from " + std::to_string(min) +
             " to " + std::to_string(max),
         syntax);
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

ClientEndpoint parseClientEndpoint(std::string_view description) {
  auto bad = [&](const std::string& why) { fail(description, why, kClientSyntax); };
  if (description.empty()) bad("it is empty");
  std::vector<Field> fields = tokenize(description, kClientSyntax);
  const Field& type = fields.front();
  if (type.key) bad("it must start with the endpoint type");
  if (type.value != "tcp" && type.value != "tls")
    bad("unknown endpoint type '" + type.value + "' (supported: tcp, tls)");
  const bool tls = type.value == "tls";
  // Twisted's _parseClientTCP(host, port, timeout, bindAddress) and the tls
  // parser (host, port, ...) take HOST then PORT positionally.
  static const std::vector<std::string> kPositional = {"host", "port"};
  static const std::vector<std::string> kTCP = {"host", "port", "timeout"};
  static const std::vector<std::string> kTLS = {"host",       "port",        "timeout",
                                                "trustRoots", "certificate", "privateKey"};
  const std::vector<std::string>& keys = tls ? kTLS : kTCP;
  std::map<std::string, std::string> values;
  std::size_t positional = 0;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    Field& f = fields[i];
    std::string name;
    if (!f.key) {
      if (positional == kPositional.size()) bad("too many fields");
      name = kPositional[positional++];
    } else if (std::find(keys.begin(), keys.end(), *f.key) != keys.end()) {
      name = *f.key;
    } else {
      std::string known;
      for (const auto& k : keys)
        known += (known.empty() ? "" : ", ") + k;
      bad("unknown parameter '" + *f.key + "' (known: " + known + ")");
    }
    if (!values.emplace(name, std::move(f.value)).second) bad(name + " is given twice");
  }
  ClientEndpoint endpoint;
  auto host = values.find("host");
  if (host == values.end() || host->second.empty()) bad("the host is missing");
  endpoint.host = host->second;
  auto port = values.find("port");
  if (port == values.end()) bad("the port is missing");
  endpoint.port = parseInt(description, "port", port->second, 1, 65535, kClientSyntax);
  if (auto t = values.find("timeout"); t != values.end()) {
    endpoint.timeout = parseInt(description, "timeout", t->second, 1, 86400, kClientSyntax);
  }
  if (tls) {
    TLSClientFiles files;
    files.trustRoots = values["trustRoots"];
    files.certificate = values["certificate"];
    files.privateKey = values["privateKey"];
    if (!files.privateKey.empty() && files.certificate.empty())
      bad("privateKey without certificate (the client certificate it belongs to)");
    endpoint.tls = std::move(files);
  }
  return endpoint;
}

internet::ssl::CertificateOptions clientTLSOptions(const ClientEndpoint& endpoint) {
  namespace ssl = internet::ssl;
  if (!endpoint.tls) throw std::logic_error("clientTLSOptions: not a tls: endpoint");
  const TLSClientFiles& files = *endpoint.tls;
  std::optional<ssl::TrustRoot> trust;
  if (!files.trustRoots.empty()) trust = ssl::TrustRoot::fromPath(files.trustRoots);
  std::optional<ssl::PrivateCertificate> mine;
  if (!files.certificate.empty()) {
    const std::string& keyFile = files.privateKey.empty() ? files.certificate : files.privateKey;
    try {
      mine = ssl::PrivateCertificate::fromCertificateAndKeyPair(
          ssl::Certificate::loadFile(files.certificate), ssl::KeyPair::loadFile(keyFile));
    } catch (const ssl::CertificateError& e) {
      throw ssl::CertificateError(std::string(e.what()) + " (certificate '" + files.certificate +
                                  "', key '" + keyFile + "')");
    }
  }
  return ssl::optionsForClientTLS(endpoint.host, std::move(trust), std::move(mine));
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

namespace {
// A field value with the characters the tokenizer splits on escaped.
std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == ':' || c == '\\' || c == '=') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string toString(const ServerEndpoint& endpoint) {
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

std::string toString(const ClientEndpoint& endpoint) {
  std::string out = (endpoint.tls ? "tls:" : "tcp:") + escaped(endpoint.host) + ":" +
                    std::to_string(endpoint.port);
  if (endpoint.timeout != 30)
    out += ":timeout=" + std::to_string(static_cast<int>(endpoint.timeout));
  if (endpoint.tls) {
    if (!endpoint.tls->trustRoots.empty())
      out += ":trustRoots=" + escaped(endpoint.tls->trustRoots);
    if (!endpoint.tls->certificate.empty())
      out += ":certificate=" + escaped(endpoint.tls->certificate);
    if (!endpoint.tls->privateKey.empty())
      out += ":privateKey=" + escaped(endpoint.tls->privateKey);
  }
  return out;
}

}  // namespace twisted::twist
