// FakeHostnameResolver. Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#include <twisted/testing/fake_hostname_resolver.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <stdexcept>

#include <twisted/internet/error.h>

namespace twisted::testing {

using internet::Address;
using internet::AddressType;
using internet::defer::Deferred;

namespace {

bool wanted(const std::optional<std::vector<AddressType>>& types, AddressType t) {
  return !types || std::find(types->begin(), types->end(), t) != types->end();
}

}  // namespace

Deferred<std::vector<Address>> FakeHostnameResolver::resolveHostName(
    const std::string& hostName, int portNumber,
    std::optional<std::vector<AddressType>> addressTypes, std::string_view transportSemantics) {
  queries.push_back({hostName, portNumber});
  Held held{hostName, portNumber, std::move(addressTypes), std::string(transportSemantics), {}};
  Deferred<std::vector<Address>> d = held.deferred;
  if (holdAnswers)
    held_.push_back(std::move(held));
  else
    answer(held);
  return d;
}

void FakeHostnameResolver::answer(Held& held) const {
  if (auto it = names.find(held.name); it != names.end()) {
    std::vector<Address> addresses;
    for (const std::string& literal : it->second) {
      unsigned char buf[sizeof(in6_addr)];
      if (::inet_pton(AF_INET, literal.c_str(), buf) == 1) {
        if (wanted(held.addressTypes, AddressType::IPv4))
          addresses.emplace_back(internet::IPv4Address{held.type, literal, held.port});
      } else if (::inet_pton(AF_INET6, literal.c_str(), buf) == 1) {
        if (wanted(held.addressTypes, AddressType::IPv6))
          addresses.emplace_back(internet::IPv6Address{held.type, literal, held.port});
      } else {
        throw std::invalid_argument("FakeHostnameResolver: '" + literal +
                                    "' is not an IPv4 or IPv6 address");
      }
    }
    held.deferred.callback(std::move(addresses));
  } else if (auto f = failures.find(held.name); f != failures.end()) {
    held.deferred.errback(f->second);
  } else {
    held.deferred.errback(python::Failure(
        internet::error::DNSLookupError("FakeHostnameResolver couldn't find " + held.name)));
  }
}

std::size_t FakeHostnameResolver::flush() {
  auto held = std::move(held_);
  held_.clear();
  std::size_t fired = 0;
  for (Held& h : held) {
    if (h.deferred.called()) continue;  // cancelled by its consumer
    answer(h);
    ++fired;
  }
  return fired;
}

std::size_t FakeHostnameResolver::pendingCount() const {
  return static_cast<std::size_t>(std::count_if(
      held_.begin(), held_.end(), [](const Held& h) { return !h.deferred.called(); }));
}

}  // namespace twisted::testing
