// libFuzzer target: the SOCKS4/4a request parser and SOCKSv4 itself. The
// first byte picks a chunking; the rest is the client's stream. Fed in
// chunks, RequestParser must reach the same status, consume the same bytes
// and parse the same request as fed whole; SOCKSv4 on a StringTransport
// (MemoryReactorClock, FakeResolver) must either wait, close (bad version),
// reply 91, resolve or connect once, never more, and never crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/protocols/socks.h>
#include <twisted/testing/fake_resolver.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace {

using twisted::protocols::socks::RequestParser;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  const std::uint8_t seed = in.byte();
  const std::string_view stream = in.rest();

  RequestParser whole;
  std::size_t wholeUsed = 0;
  const RequestParser::Status status = whole.feed(stream, wholeUsed);

  RequestParser chunked;
  std::size_t total = 0;
  for (std::string_view c : twisted_fuzz::chunk(stream, seed)) {
    std::size_t used = 0;
    chunked.feed(c, used);
    twisted_fuzz::check(used <= c.size());
    total += used;
  }
  twisted_fuzz::check(chunked.status() == status);
  twisted_fuzz::check(total == wholeUsed);
  const auto& a = whole.request();
  const auto& b = chunked.request();
  if (status == RequestParser::Status::Complete) {
    twisted_fuzz::check(a.command == b.command && a.port == b.port && a.ip == b.ip &&
                        a.user == b.user && a.hostname == b.hostname);
    twisted_fuzz::check(a.command == 1 || a.command == 2);
  }
  twisted_fuzz::check(a.user.size() <= RequestParser::kMaxFieldLength);
  twisted_fuzz::check(!a.hostname || a.hostname->size() <= RequestParser::kMaxFieldLength);

  // The protocol on top.
  twisted::testing::MemoryReactorClock reactor;  // a BIND's timeout is armed on it
  auto resolver = std::make_shared<twisted::testing::FakeResolver>();
  resolver->names["localhost"] = "127.0.0.1";
  twisted::protocols::socks::SOCKSv4 socks(std::nullopt, &reactor);
  socks.resolver = resolver;
  twisted::testing::StringTransport transport(std::nullopt, std::nullopt, /*lenient=*/true);
  socks.makeConnection(&transport);
  for (std::string_view c : twisted_fuzz::chunk(stream, seed))
    socks.dataReceived(c);
  const std::string& out = transport.value();
  twisted_fuzz::check(out.empty() || out.size() == 8);
  twisted_fuzz::check(reactor.tcpClients.size() + reactor.tcpServers.size() <= 1);
  switch (status) {
    case RequestParser::Status::NeedMore:
      twisted_fuzz::check(out.empty() && !transport.disconnecting());
      break;
    case RequestParser::Status::BadVersion:
      twisted_fuzz::check(out.empty() && transport.disconnecting());
      break;
    case RequestParser::Status::Complete:
      break;
    default:
      twisted_fuzz::check(out.size() == 8 && out[1] == 91 && transport.disconnecting());
  }
  // A BIND that listens arms its timeout; nothing else schedules a call.
  twisted_fuzz::check(reactor.getDelayedCalls().size() == reactor.tcpServers.size());
  socks.connectionLost(twisted::python::Failure(std::runtime_error("done")));
  twisted_fuzz::check(reactor.getDelayedCalls().empty());
  return 0;
}
