// The resolvers Twisted keeps in twisted.internet.base: ThreadedResolver (the
// reactor's default: the system's getaddrinfo on the thread pool) and
// BlockingResolver (getaddrinfo on the calling thread).
//
// Both return the first address getaddrinfo gives for AF_UNSPEC, so an
// IPv6-only host resolves too and the system's address ordering (RFC 6724,
// /etc/gai.conf) decides between IPv4 and IPv6. Twisted's use gethostbyname,
// IPv4 only.
// Test: tests/internet/test_resolver.cpp
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <string>

#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/iresolver_simple.h>

namespace twisted::internet {

/// Resolves names with getaddrinfo in the reactor's thread pool, so the
/// reactor thread never blocks, and delivers the answer on the reactor thread
/// (callFromThread). Its own timeout: with no answer after `timeout` seconds
/// (kDefaultResolveTimeout if not positive) the Deferred fails with
/// DNSLookupError("address 'name' not found: timeout error"), and the late
/// answer is ignored; the worker thread still finishes its getaddrinfo call.
///
/// A lookup does not need the resolver object: it may be dropped (or
/// replaced with installResolver) while lookups run, and each still fires.
/// A consumer that goes away may drop or cancel() its Deferred.
/// `threads` and `clock` (normally one reactor) must outlive every lookup; a
/// reactor joins its pool and discards undelivered answers when destroyed,
/// so its own resolver is safe.
///
/// Mirrors: twisted.internet.base.ThreadedResolver.
class TWISTED_API ThreadedResolver final : public IResolverSimple {
 public:
  /// `threads` runs the lookups and carries the answers back; `clock` times
  /// them out. Mirrors ThreadedResolver(reactor).
  ThreadedResolver(IReactorThreads& threads, IReactorTime& clock)
      : threads_(threads), clock_(clock) {}
  /// A reactor is both.
  template <class R>
  requires std::derived_from<R, IReactorThreads> && std::derived_from<R, IReactorTime>
  explicit ThreadedResolver(R& reactor) : ThreadedResolver(reactor, reactor) {}

  /// Starts a lookup of `name`; on the reactor thread. If the pool cannot
  /// take it (it was stopped at shutdown), the Deferred fails at once with
  /// DNSLookupError. Mirrors ThreadedResolver.getHostByName.
  defer::Deferred<std::string> getHostByName(const std::string& name,
                                             double timeout = kDefaultResolveTimeout) override;

 private:
  IReactorThreads& threads_;
  IReactorTime& clock_;
};

/// Resolves names with getaddrinfo on the calling thread: the returned
/// Deferred has fired already. Blocks the reactor for as long as the lookup
/// takes, so it suits tests and simple programs; `timeout` is not used (the
/// system resolver's own, /etc/resolv.conf, applies).
///
/// Mirrors: twisted.internet.base.BlockingResolver.
class TWISTED_API BlockingResolver final : public IResolverSimple {
 public:
  /// Mirrors BlockingResolver.getHostByName.
  defer::Deferred<std::string> getHostByName(const std::string& name,
                                             double timeout = kDefaultResolveTimeout) override;
};

}  // namespace twisted::internet
