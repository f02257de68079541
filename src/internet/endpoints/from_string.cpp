#include <twisted/internet/endpoints/from_string.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <utility>

#include <twisted/internet/endpoints/detail/from_string_specs.h>

namespace twisted::internet::endpoints {

namespace {

std::string describe(std::string_view description, std::size_t position,
                     const std::string& reason) {
  return "invalid endpoint '" + std::string(description) + "': " + reason + " (at column " +
         std::to_string(position + 1) + ")";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

EndpointParseError::EndpointParseError(std::string_view description, std::size_t position,
                                       std::string reason)
    : std::invalid_argument(describe(description, position, reason)),
      description_(description),
      position_(position),
      reason_(std::move(reason)) {}

EndpointDescription parseDescription(std::string_view description) {
  // Twisted's _tokenize: ':' ends a field; the first '=' of a field splits
  // key from value (a later '=' is literal); '\' takes the next character.
  EndpointDescription out;
  bool havePrefix = false;
  std::string current;
  std::optional<std::string> key;
  std::size_t start = 0;
  auto add = [&] {
    if (key) {
      out.kwargs[*key] = std::move(current);
      out.kwargPositions[*key] = start;
    } else if (!havePrefix) {
      out.prefix = std::move(current);
      out.prefixPosition = start;
      havePrefix = true;
    } else {
      out.args.push_back(std::move(current));
      out.argPositions.push_back(start);
    }
    current.clear();
    key.reset();
  };
  for (std::size_t i = 0; i < description.size(); ++i) {
    char c = description[i];
    if (c == '\\') {
      if (i + 1 == description.size())
        throw EndpointParseError(description, i,
                                 "it ends with a lone backslash (escape it as \\\\)");
      current += description[++i];
    } else if (c == ':') {
      add();
      start = i + 1;
    } else if (c == '=' && !key) {
      key = std::move(current);
      current.clear();
    } else {
      current += c;
    }
  }
  add();
  if (!havePrefix)
    throw EndpointParseError(description, 0,
                             "the endpoint type is missing (it must be the first field)");
  return out;
}

std::string quoteStringArgument(std::string_view argument) {
  std::string out;
  out.reserve(argument.size());
  for (char c : argument) {
    if (c == '\\' || c == ':') out += '\\';
    out += c;
  }
  return out;
}

namespace {

// The registry of plug-in prefixes (lower case).
struct Registry {
  std::mutex mutex;
  std::map<std::string, ServerParser> servers;
  std::map<std::string, ClientParser> clients;
};

Registry& registry() {
  static Registry r;
  return r;
}

const std::vector<std::string_view> kServerTypes = {"tcp", "tcp6",    "unix",
                                                    "ssl", "systemd", "stdio"};
const std::vector<std::string_view> kClientTypes = {"tcp", "unix", "tls"};

void checkPrefix(std::string_view prefix, const std::vector<std::string_view>& builtins,
                 const char* what) {
  if (prefix.empty() || prefix.find_first_of(":=\\") != std::string_view::npos)
    throw std::invalid_argument(std::string(what) + " endpoint prefix '" + std::string(prefix) +
                                "' must be non-empty, without ':', '=' or '\\'");
  std::string p = lower(prefix);
  if (std::find(builtins.begin(), builtins.end(), p) != builtins.end())
    throw std::invalid_argument(std::string(what) + " endpoint type '" + p + "' is built in");
}

// Binds a description's fields to a type's parameters as Python binds a
// call's arguments: positionals in order, then keywords; each at most once.
class Binder {
 public:
  Binder(std::string_view description, const EndpointDescription& d, std::string_view type,
         std::vector<std::string_view> params, std::size_t maxPositional)
      : description_(description), type_(type), params_(std::move(params)) {
    if (d.args.size() > maxPositional) {
      std::string names;
      for (std::size_t i = 0; i < maxPositional; ++i)
        names += (i ? ", " : "") + std::string(params_[i]);
      fail(d.argPositions[maxPositional],
           "too many arguments: '" + std::string(type_) + "' takes " +
               (maxPositional
                    ? "at most " + std::to_string(maxPositional) + " positional (" + names + ")"
                    : std::string("none positionally")));
    }
    for (std::size_t i = 0; i < d.args.size(); ++i)
      values_[std::string(params_[i])] = {d.args[i], d.argPositions[i]};
    for (const auto& [key, value] : d.kwargs) {
      std::size_t at = d.kwargPositions.at(key);
      if (std::find(params_.begin(), params_.end(), key) == params_.end()) {
        std::string known;
        for (auto p : params_)
          known += (known.empty() ? "" : ", ") + std::string(p);
        fail(at, "unknown argument '" + key + "' for '" + std::string(type_) +
                     "' (known: " + (known.empty() ? std::string("none") : known) + ")");
      }
      if (!values_.emplace(key, Value{value, at}).second)
        fail(at, "argument '" + key + "' is given twice (positionally and as " + key + "=)");
    }
  }

  [[noreturn]] void fail(std::size_t position, std::string reason) const {
    throw EndpointParseError(description_, position, std::move(reason));
  }

  bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }

  std::optional<std::string> get(std::string_view name) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end()) return std::nullopt;
    return it->second.text;
  }

  std::size_t position(std::string_view name) const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? description_.size() : it->second.position;
  }

  std::string require(std::string_view name) const {
    auto v = get(name);
    if (!v)
      fail(description_.size(),
           "missing argument '" + std::string(name) + "' for '" + std::string(type_) + "'");
    return *v;
  }

  // An integer in [min, max] (Twisted: int(text), base 10 or 8).
  long integer(std::string_view name, const std::string& text, long min, long max,
               int base = 10) const {
    long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      std::string range =
          base == 8 ? "an octal integer from 0 to 7777"
                    : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
      fail(position(name), std::string(name) + " '" + text + "' is not " + range);
    }
    return value;
  }

  std::optional<long> integer(std::string_view name, long min, long max, int base = 10) const {
    auto v = get(name);
    if (!v) return std::nullopt;
    return integer(name, *v, min, max, base);
  }

 private:
  struct Value {
    std::string text;
    std::size_t position;
  };
  std::string_view description_;
  std::string_view type_;
  std::vector<std::string_view> params_;
  std::map<std::string, Value> values_;
};

constexpr long kMaxTimeout = 86400;

detail::BindAddress bindAddress(const Binder& b) {
  if (auto v = b.get("bindAddress")) return std::make_pair(*v, 0);
  return std::nullopt;
}

}  // namespace

namespace detail {

ServerSpec serverSpec(std::string_view description) {
  EndpointDescription d = parseDescription(description);
  std::string type = lower(d.prefix);
  auto fail = [&](std::size_t at, std::string reason) -> void {
    throw EndpointParseError(description, at, std::move(reason));
  };
  if (type == "tcp" || type == "tcp6") {
    // _parseTCP(factory, port, interface, backlog);
    // _TCP6ServerParser._parseServer(reactor, port, backlog, interface).
    bool v6 = type == "tcp6";
    Binder b(description, d, type,
             v6 ? std::vector<std::string_view>{"port", "backlog", "interface", "reusePort"}
                : std::vector<std::string_view>{"port", "interface", "backlog", "reusePort"},
             3);
    TCPServerSpec s;
    s.v6 = v6;
    s.port = static_cast<int>(b.integer("port", b.require("port"), 0, 65535));
    s.backlog = static_cast<int>(b.integer("backlog", 1, 65535).value_or(50));
    s.interface = b.get("interface").value_or(v6 ? "::" : "");
    s.reusePort = b.integer("reusePort", 0, 1).value_or(0) != 0;
    return s;
  }
  if (type == "unix") {
    // _parseUNIX(factory, address, mode="666", backlog=50, lockfile=True)
    Binder b(description, d, type, {"address", "mode", "backlog", "lockfile"}, 4);
    UNIXServerSpec s;
    s.address = b.require("address");
    if (s.address.empty()) fail(b.position("address"), "the socket path (address) is empty");
    s.mode = static_cast<int>(b.integer("mode", 0, 07777, 8).value_or(0666));
    s.backlog = static_cast<int>(b.integer("backlog", 1, 65535).value_or(50));
    s.wantPID = b.integer("lockfile", 0, 1).value_or(1) != 0;
    return s;
  }
  if (type == "ssl") {
    // _parseSSL(factory, port, privateKey, certKey, sslmethod, interface,
    //           backlog, extraCertChain, dhParameters)
    Binder b(description, d, type,
             {"port", "privateKey", "certKey", "sslmethod", "interface", "backlog",
              "extraCertChain", "dhParameters"},
             8);
    for (std::string_view refused : {"sslmethod", "dhParameters"})
      if (b.has(refused))
        fail(b.position(refused),
             std::string(refused) + " is not supported (TLS 1.2 and later, ECDHE key exchange)");
    SSLServerSpec s;
    s.port = static_cast<int>(b.integer("port", b.require("port"), 0, 65535));
    s.privateKey = b.get("privateKey").value_or("");
    // Unlike Twisted (privateKey defaults to "server.pem" in the working
    // directory): a key file is named explicitly.
    if (s.privateKey.empty())
      fail(b.position("privateKey"), "privateKey is missing (the PEM file of the server's key)");
    s.certKey = b.get("certKey").value_or("");
    if (s.certKey.empty()) s.certKey = s.privateKey;
    s.extraCertChain = b.get("extraCertChain").value_or("");
    s.interface = b.get("interface").value_or("");
    s.backlog = static_cast<int>(b.integer("backlog", 1, 65535).value_or(50));
    return s;
  }
  if (type == "systemd") {
    // _SystemdParser._parseServer(reactor, domain, index)
    Binder b(description, d, type, {"domain", "index"}, 2);
    SystemdServerSpec s;
    std::string domain = b.require("domain");
    if (domain == "INET")
      s.family = AF_INET;
    else if (domain == "INET6")
      s.family = AF_INET6;
    else if (domain == "UNIX")
      s.family = AF_UNIX;
    else
      fail(b.position("domain"), "domain '" + domain + "' is not INET, INET6 or UNIX");
    s.index = static_cast<int>(b.integer("index", b.require("index"), 0, 65535));
    s.indexPosition = b.position("index");
    return s;
  }
  if (type == "stdio") {
    // Twisted ignores anything after "stdio:"; here only empty fields
    // ("stdio:") are.
    while (!d.args.empty() && d.args.back().empty()) {
      d.args.pop_back();
      d.argPositions.pop_back();
    }
    Binder b(description, d, type, {}, 0);
    return StdioServerSpec{};
  }
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.servers.find(type); it != r.servers.end())
      return PluginServerSpec{it->second, std::move(d)};
  }
  if (d.args.empty() && d.kwargs.empty() && !d.prefix.empty() &&
      d.prefix.find_first_not_of("0123456789") == std::string::npos)
    fail(d.prefixPosition,
         "Unknown endpoint type: '" + type + "' (did you mean tcp:" + d.prefix + "?)");
  fail(d.prefixPosition, "Unknown endpoint type: '" + type + "'");
  return {};  // not reached
}

ClientSpec clientSpec(std::string_view description) {
  EndpointDescription d = parseDescription(description);
  std::string type = lower(d.prefix);
  auto fail = [&](std::size_t at, std::string reason) -> void {
    throw EndpointParseError(description, at, std::move(reason));
  };
  if (type == "tcp") {
    // _parseClientTCP: HOST:PORT, or one positional that is the port when
    // host= is given, the host otherwise; then TCP4ClientEndpoint's keywords.
    bool portOnly = d.args.size() == 1 && d.kwargs.count("host");
    Binder b(description, d, type,
             portOnly ? std::vector<std::string_view>{"port", "host", "timeout", "bindAddress"}
                      : std::vector<std::string_view>{"host", "port", "timeout", "bindAddress"},
             portOnly ? 1 : 2);
    TCPClientSpec s;
    s.host = b.require("host");
    if (s.host.empty()) fail(b.position("host"), "the host is empty");
    s.port = static_cast<int>(b.integer("port", b.require("port"), 1, 65535));
    s.timeout = static_cast<double>(b.integer("timeout", 1, kMaxTimeout).value_or(30));
    s.bindAddress = bindAddress(b);
    return s;
  }
  if (type == "unix") {
    // _parseClientUNIX: PATH; lockfile= is UNIXClientEndpoint's checkPID.
    Binder b(description, d, type, {"path", "timeout", "lockfile", "checkPID"}, 1);
    if (b.has("lockfile") && b.has("checkPID"))
      fail(b.position("checkPID"), "lockfile= and checkPID= are the same argument");
    UNIXClientSpec s;
    s.path = b.require("path");
    if (s.path.empty()) fail(b.position("path"), "the socket path is empty");
    s.timeout = static_cast<double>(b.integer("timeout", 1, kMaxTimeout).value_or(30));
    std::string_view pid = b.has("lockfile") ? "lockfile" : "checkPID";
    s.checkPID = b.integer(pid, 0, 1).value_or(0) != 0;
    return s;
  }
  if (type == "tls") {
    // _parseClientTLS(reactor, host, port, timeout, bindAddress,
    //                 certificate, privateKey, trustRoots, endpoint)
    Binder b(description, d, type,
             {"host", "port", "timeout", "bindAddress", "certificate", "privateKey", "trustRoots",
              "endpoint"},
             8);
    TLSClientSpec s;
    s.host = b.require("host");
    if (s.host.empty()) fail(b.position("host"), "the host is empty");
    s.port = static_cast<int>(b.integer("port", b.require("port"), 1, 65535));
    s.timeout = static_cast<double>(b.integer("timeout", 1, kMaxTimeout).value_or(30));
    s.bindAddress = bindAddress(b);
    s.certificate = b.get("certificate").value_or("");
    s.privateKey = b.get("privateKey").value_or("");
    s.trustRoots = b.get("trustRoots").value_or("");
    // Twisted ignores a key without its certificate; refused here.
    if (!s.privateKey.empty() && s.certificate.empty())
      fail(b.position("privateKey"),
           "privateKey without certificate (the client certificate it belongs to)");
    if (auto nested = b.get("endpoint")) {
      try {
        clientSpec(*nested);
      } catch (const EndpointParseError& e) {
        fail(b.position("endpoint"), "in endpoint=: " + e.reason());
      }
      s.endpoint = *nested;
    }
    return s;
  }
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.clients.find(type); it != r.clients.end())
      return PluginClientSpec{it->second, std::move(d)};
  }
  fail(d.prefixPosition, "Unknown endpoint type: '" + type + "'");
  return {};  // not reached
}

}  // namespace detail

std::shared_ptr<IStreamServerEndpoint> serverFromString(ReactorBase& reactor,
                                                        std::string_view description) {
  return detail::buildServer(reactor, description, detail::serverSpec(description));
}

std::shared_ptr<IStreamClientEndpoint> clientFromString(ReactorBase& reactor,
                                                        std::string_view description) {
  return detail::buildClient(reactor, description, detail::clientSpec(description));
}

void checkServerString(std::string_view description) {
  detail::serverSpec(description);
}

void checkClientString(std::string_view description) {
  detail::clientSpec(description);
}

void registerServerParser(std::string_view prefix, ServerParser parser) {
  checkPrefix(prefix, kServerTypes, "server");
  if (!parser) throw std::invalid_argument("registerServerParser: no parser");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (!r.servers.emplace(lower(prefix), std::move(parser)).second)
    throw std::invalid_argument("server endpoint type '" + lower(prefix) +
                                "' is already registered");
}

void registerClientParser(std::string_view prefix, ClientParser parser) {
  checkPrefix(prefix, kClientTypes, "client");
  if (!parser) throw std::invalid_argument("registerClientParser: no parser");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (!r.clients.emplace(lower(prefix), std::move(parser)).second)
    throw std::invalid_argument("client endpoint type '" + lower(prefix) +
                                "' is already registered");
}

bool unregisterServerParser(std::string_view prefix) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.servers.erase(lower(prefix)) != 0;
}

bool unregisterClientParser(std::string_view prefix) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.clients.erase(lower(prefix)) != 0;
}

}  // namespace twisted::internet::endpoints
