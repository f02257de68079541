// FakeHostnameResolver: an IHostnameResolver that answers from a table, for
// tests of HostnameEndpoint (happy eyeballs) without threads or DNS:
//
//     auto resolver = std::make_shared<testing::FakeHostnameResolver>();
//     resolver->names["example.test"] = {"::1", "127.0.0.1"};
//     resolver->holdAnswers = true;       // answer when the test says
//     HostnameEndpoint endpoint(reactor, "example.test", 80, 30, {}, 0.3, resolver);
//     auto d = endpoint.connect(factory);
//     resolver->flush();                  // now the addresses are known
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/internet/interfaces/ihostname_resolver.h>
#include <twisted/python/failure.h>

namespace twisted::testing {

/// A hostname resolver backed by a table of names.
///
/// Mirrors: the deterministicResolvingReactor / deterministic resolver of
/// twisted.internet.test.test_endpoints (a name resolves to a fixed list of
/// addresses), with failures per name, held answers and a record of queries
/// added. The companion of FakeResolver (IResolverSimple). Reactor thread
/// only, as any resolver.
class TWISTED_API FakeHostnameResolver : public internet::IHostnameResolver {
 public:
  /// One resolveHostName call.
  struct Query {
    /// The name asked for.
    std::string name;
    /// The port asked for.
    int port;
  };

  FakeHostnameResolver() = default;
  /// `{{"example.test", {"::1", "127.0.0.1"}}, ...}`: the initial `names`.
  FakeHostnameResolver(
      std::initializer_list<std::pair<const std::string, std::vector<std::string>>> table)
      : names(table) {}

  /// The answer for `hostName`: its literals in `names` as IPv6Address /
  /// IPv4Address with `portNumber` and type `transportSemantics`, in the
  /// table's order, keeping the families in `addressTypes`; else its failure
  /// in `failures`; else DNSLookupError("FakeHostnameResolver couldn't find
  /// <name>"). Fired at once unless holdAnswers is set; then the Deferred
  /// waits for flush(). Mirrors IHostnameResolver.resolveHostName.
  /// @throws std::invalid_argument (when answering) for a table entry that
  /// is not an IPv4 or IPv6 literal.
  internet::defer::Deferred<std::vector<internet::Address>> resolveHostName(
      const std::string& hostName, int portNumber = 0,
      std::optional<std::vector<internet::AddressType>> addressTypes = std::nullopt,
      std::string_view transportSemantics = "TCP") override;

  /// Answers every held lookup (in the order asked) as resolveHostName would
  /// have at once; lookups cancelled meanwhile are skipped. Lookups started
  /// by the callbacks are held for the next flush. Returns how many fired.
  std::size_t flush();

  /// Held lookups neither answered nor cancelled.
  std::size_t pendingCount() const;

  /// Name to its addresses (IPv4 or IPv6 literals), in resolver order.
  std::map<std::string, std::vector<std::string>> names;
  /// Name to the failure its lookup gives (checked after `names`).
  std::map<std::string, python::Failure> failures;
  /// While true, lookups stay pending until flush().
  bool holdAnswers = false;
  /// Every resolveHostName call, in order.
  std::vector<Query> queries;

 private:
  struct Held {
    std::string name;
    int port;
    std::optional<std::vector<internet::AddressType>> addressTypes;
    std::string type;
    internet::defer::Deferred<std::vector<internet::Address>> deferred;
  };
  void answer(Held& held) const;

  std::vector<Held> held_;
};

}  // namespace twisted::testing
