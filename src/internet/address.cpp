#include <twisted/internet/address.h>

namespace twisted::internet {

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;
}  // namespace

std::string toString(const Address& address) {
  return std::visit(Overloaded{[](const IPv4Address& a) {
                                 return "IPv4Address(type='" + a.type + "', host='" + a.host +
                                        "', port=" + std::to_string(a.port) + ")";
                               },
                               [](const IPv6Address& a) {
                                 return "IPv6Address(type='" + a.type + "', host='" + a.host +
                                        "', port=" + std::to_string(a.port) +
                                        ", flowInfo=" + std::to_string(a.flowInfo) +
                                        ", scopeID=" + std::to_string(a.scopeID) + ")";
                               },
                               [](const UNIXAddress& a) { return "UNIXAddress('" + a.name + "')"; },
                               [](const PipeAddress&) { return std::string("PipeAddress()"); }},
                    address);
}

std::ostream& operator<<(std::ostream& out, const Address& address) {
  return out << toString(address);
}

std::string hostOf(const Address& address) {
  return std::visit(Overloaded{[](const IPv4Address& a) { return a.host; },
                               [](const IPv6Address& a) { return a.host; },
                               [](const UNIXAddress& a) { return a.name; },
                               [](const PipeAddress&) { return std::string(); }},
                    address);
}

int portOf(const Address& address) {
  return std::visit(
      Overloaded{[](const IPv4Address& a) { return a.port; },
                 [](const IPv6Address& a) { return a.port; }, [](const UNIXAddress&) { return 0; },
                 [](const PipeAddress&) { return 0; }},
      address);
}

}  // namespace twisted::internet
