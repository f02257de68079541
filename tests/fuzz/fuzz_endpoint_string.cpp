// libFuzzer target: the endpoint description parser (serverFromString /
// clientFromString's grammar). Any input either parses or raises
// EndpointParseError (nothing else, no crash), with a position inside the
// input; what parses re-quotes (quoteStringArgument, '=' escaped too) to a
// description that parses to the same fields; the typed checks of every
// built-in server and client type raise only EndpointParseError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <twisted/internet/endpoints/from_string.h>

#include "fuzz_input.h"

namespace {

namespace ep = twisted::internet::endpoints;
using twisted_fuzz::check;

std::string quoteAll(std::string_view s) {
  std::string out;
  for (char c : ep::quoteStringArgument(s)) {
    if (c == '=') out += '\\';
    out += c;
  }
  return out;
}

// Only EndpointParseError may escape `f`; true if it parsed.
template <class F>
bool parses(std::string_view input, F f) {
  try {
    f(input);
    return true;
  } catch (const ep::EndpointParseError& e) {
    check(e.position() <= input.size());
    check(e.description() == input);
    check(!e.reason().empty());
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (parses(input, [](std::string_view d) { ep::parseDescription(d); })) {
    ep::EndpointDescription d = ep::parseDescription(input);
    check(d.args.size() == d.argPositions.size());
    check(d.kwargs.size() == d.kwargPositions.size());
    std::string again = quoteAll(d.prefix);
    for (const auto& a : d.args)
      again += ":" + quoteAll(a);
    for (const auto& [k, v] : d.kwargs)
      again += ":" + quoteAll(k) + "=" + ep::quoteStringArgument(v);
    ep::EndpointDescription e = ep::parseDescription(again);
    check(e.prefix == d.prefix && e.args == d.args && e.kwargs == d.kwargs);
  }
  // A value quoted into a keyword field comes back as it was.
  ep::EndpointDescription q = ep::parseDescription("x:k=" + ep::quoteStringArgument(input));
  check(q.kwargs.at("k") == input);

  parses(input, ep::checkServerString);
  parses(input, ep::checkClientString);
  return 0;
}
