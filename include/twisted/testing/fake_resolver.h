// FakeResolver: an IResolverSimple that answers from a table, for tests that
// connect by name without threads or DNS. Install it on a reactor:
//
//     auto resolver = std::make_shared<testing::FakeResolver>();
//     resolver->names["example.test"] = "127.0.0.1";
//     reactor.installResolver(resolver);
//     reactor.connectTCP("example.test", port, factory);  // connects to 127.0.0.1
//
// Set holdAnswers to keep lookups pending until flush() (or forever: a
// resolver that never answers).
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/interfaces/iresolver_simple.h>
#include <twisted/python/failure.h>

namespace twisted::testing {

/// A resolver backed by a table of names.
///
/// Mirrors: twisted.internet.test.test_tcp.FakeResolver (a dict of names to
/// addresses), with failures per name, held answers and a record of queries
/// added. Reactor thread only, as any resolver.
class TWISTED_API FakeResolver : public internet::IResolverSimple {
 public:
  /// One getHostByName call.
  struct Query {
    /// The name asked for.
    std::string name;
    /// The timeout given, in seconds.
    double timeout;
  };

  FakeResolver() = default;
  /// `{{"example.test", "127.0.0.1"}, ...}`: the initial `names`.
  /// Mirrors FakeResolver(names).
  FakeResolver(std::initializer_list<std::pair<const std::string, std::string>> table)
      : names(table) {}

  /// The answer for `name`: its address in `names`, else its failure in
  /// `failures`, else DNSLookupError("FakeResolver couldn't find <name>")
  /// (Twisted's message). Fired at once unless holdAnswers is set; then the
  /// Deferred waits for flush(). Mirrors FakeResolver.getHostByName.
  internet::defer::Deferred<std::string> getHostByName(
      const std::string& name, double timeout = internet::kDefaultResolveTimeout) override;

  /// Answers every held lookup (in the order asked) as getHostByName would
  /// have at once; lookups cancelled meanwhile are skipped. Lookups started
  /// by the callbacks are held for the next flush. Returns how many fired.
  std::size_t flush();

  /// Held lookups neither answered nor cancelled.
  std::size_t pendingCount() const;

  /// Name to address (an IPv4 or IPv6 literal).
  std::map<std::string, std::string> names;
  /// Name to the failure its lookup gives (checked after `names`).
  std::map<std::string, python::Failure> failures;
  /// While true, lookups stay pending until flush().
  bool holdAnswers = false;
  /// Every getHostByName call, in order.
  std::vector<Query> queries;

 private:
  void answer(const std::string& name, internet::defer::Deferred<std::string>& d) const;

  std::vector<std::pair<std::string, internet::defer::Deferred<std::string>>> held_;
};

}  // namespace twisted::testing
