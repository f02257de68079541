// Internal: the getaddrinfo call and the "look up on the pool, answer on the
// reactor thread, give up after a timeout" machinery that ThreadedResolver
// (one address) and GAIResolver (every address) share. Not installed.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/internet/address.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/iresolver_simple.h>

namespace twisted::internet::detail {

/// What one getaddrinfo call found: addresses, or why there are none.
struct AddressInfo {
  bool found = false;
  std::string why;                 // when !found
  std::vector<Address> addresses;  // when found: getaddrinfo's order, never empty
};

/// getaddrinfo(host) for `family` (AF_UNSPEC, AF_INET, AF_INET6) and
/// `socktype` (SOCK_STREAM, SOCK_DGRAM), every answer as an IPv4Address or
/// IPv6Address with `port` and `type` ("TCP"/"UDP"); the host text is
/// numeric and keeps an IPv6 scope ("fe80::1%eth0"). `numericOnly`
/// (AI_NUMERICHOST) never asks DNS: it only parses an address literal.
/// Any thread.
AddressInfo getAddressInfo(const std::string& host, int port, int family, int socktype,
                           bool numericOnly, std::string_view type);

/// Twisted's ThreadedResolver message: "address 'name' not found: <why>".
inline python::Failure notFound(const std::string& name, const std::string& why) {
  return python::Failure(error::DNSLookupError("address '" + name + "' not found: " + why));
}

/// Runs `work()` (returning an AddressInfo) in `threads`' pool and fires the
/// returned Deferred on the reactor thread with `convert(info)` (a T), or
/// with notFound(name, why). No answer within `timeout` seconds (the default
/// if not positive): notFound(name, "timeout error"), and the late answer is
/// ignored. Cancelling abandons the lookup. A pool that refuses the work
/// (stopped at shutdown) fails it at once.
///
/// The pending timeout call holds the lookup (a cycle that ends when the call
/// runs or is cancelled, or the reactor is destroyed); the worker and the
/// canceller only refer to it weakly, so an answer or a cancel after the end
/// finds nothing.
template <class T, class Work, class Convert>
defer::Deferred<T> lookUpInPool(IReactorThreads& threads, IReactorTime& clock,
                                const std::string& name, double timeout, Work work,
                                Convert convert) {
  struct Lookup {
    Lookup(std::string n, Convert c) : name(std::move(n)), convert(std::move(c)) {}
    // No answer counts after this; drops the timeout call (and its reference
    // to us: the caller holds one).
    void finish() {
      done = true;
      if (timeoutCall.active()) timeoutCall.cancel();
    }
    void deliver(AddressInfo info) {
      if (done) return;
      finish();
      defer::Deferred<T> d = deferred;
      if (info.found)
        d.callback(convert(std::move(info)));
      else
        d.errback(notFound(name, info.why));
    }
    std::string name;
    Convert convert;
    defer::Deferred<T> deferred;
    DelayedCall timeoutCall;
    bool done = false;
  };

  auto lookup = std::make_shared<Lookup>(name, std::move(convert));
  std::weak_ptr<Lookup> weak = lookup;
  // Cancelling abandons the lookup; the Deferred then fails with CancelledError.
  lookup->deferred = defer::Deferred<T>([weak](defer::Deferred<T>&) {
    if (auto l = weak.lock()) l->finish();
  });
  defer::Deferred<T> result = lookup->deferred;
  const double delay = timeout > 0 ? timeout : kDefaultResolveTimeout;
  lookup->timeoutCall = clock.callLater(delay, [lookup] {
    lookup->deliver({false, "timeout error", {}});
  });
  IReactorThreads* pool = &threads;
  try {
    // The worker touches no Deferred (they are single-threaded): it only
    // carries a weak reference back to the reactor thread.
    threads.callInThread([pool, weak, work = std::move(work)]() mutable {
      AddressInfo info = work();
      pool->callFromThread([weak, info = std::move(info)]() mutable {
        if (auto l = weak.lock()) l->deliver(std::move(info));
      });
    });
  } catch (const std::exception& e) {  // the pool is stopped (reactor shut down)
    lookup->deliver({false, e.what(), {}});
  }
  return result;
}

}  // namespace twisted::internet::detail
