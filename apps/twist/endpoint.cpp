#include "endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/error.h>

namespace twisted::twist {
namespace {

constexpr std::string_view kSyntax = "expected tcp:PORT[:interface=ADDR][:backlog=N]";

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

TCPServerEndpoint parseServerEndpoint(std::string_view description) {
  if (description.empty()) fail(description, "it is empty");
  std::vector<Field> fields = tokenize(description);
  const Field& type = fields.front();
  if (type.key) fail(description, "it must start with the endpoint type");
  if (fields.size() == 1 && !type.value.empty() &&
      type.value.find_first_not_of("0123456789") == std::string::npos)
    fail(description, "the endpoint type is missing; did you mean tcp:" + type.value + "?");
  if (type.value != "tcp" && type.value != "tcp6")
    fail(description, "unknown endpoint type '" + type.value + "' (supported: tcp, tcp6)");

  TCPServerEndpoint endpoint;
  if (type.value == "tcp6") endpoint.interface = "::";
  std::optional<std::string> port, interface, backlog;
  auto set = [&](std::optional<std::string>& slot, const std::string& name, std::string value) {
    if (slot) fail(description, name + " is given twice");
    slot = std::move(value);
  };
  std::size_t positional = 0;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    Field& f = fields[i];
    if (!f.key) {
      // Twisted's _parseTCP(factory, port, interface, backlog) takes them in order.
      static const char* const kNames[] = {"port", "interface", "backlog"};
      if (positional == std::size(kNames)) fail(description, "too many fields");
      std::string name = kNames[positional++];
      set(name == "port" ? port : name == "interface" ? interface : backlog, name,
          std::move(f.value));
    } else if (*f.key == "port") {
      set(port, "port", std::move(f.value));
    } else if (*f.key == "interface") {
      set(interface, "interface", std::move(f.value));
    } else if (*f.key == "backlog") {
      set(backlog, "backlog", std::move(f.value));
    } else {
      fail(description, "unknown parameter '" + *f.key + "' (known: port, interface, backlog)");
    }
  }
  if (!port) fail(description, "the port is missing");
  endpoint.port = parseInt(description, "port", *port, 0, 65535);
  if (interface) endpoint.interface = *interface;
  if (backlog) endpoint.backlog = parseInt(description, "backlog", *backlog, 1, 65535);
  return endpoint;
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

std::string toString(const TCPServerEndpoint& endpoint) {
  std::string out = "tcp:" + std::to_string(endpoint.port);
  if (!endpoint.interface.empty()) {
    out += ":interface=";
    for (char c : endpoint.interface) {
      if (c == ':' || c == '\\' || c == '=') out += '\\';
      out += c;
    }
  }
  if (endpoint.backlog != 50) out += ":backlog=" + std::to_string(endpoint.backlog);
  return out;
}

}  // namespace twisted::twist
