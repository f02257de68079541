// ThreadedResolver and BlockingResolver. Test: tests/internet/test_resolver.cpp
#include <twisted/internet/threaded_resolver.h>

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/error.h>

namespace twisted::internet {

namespace {

/// What one getaddrinfo call found: an address or why there is none.
struct Answer {
  bool found = false;
  std::string text;  // the numeric address, or the reason
};

// The first address getaddrinfo gives (AF_UNSPEC: the system's preferred
// family first), formatted numerically; getnameinfo keeps an IPv6 scope
// ("fe80::1%eth0") that inet_ntop would drop. Any thread.
Answer firstAddress(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res);
  int savedErrno = errno;
  if (rc != 0 || !res) {
    if (res) ::freeaddrinfo(res);
    if (rc == EAI_SYSTEM) return {false, std::system_category().message(savedErrno)};
    return {false, rc ? ::gai_strerror(rc) : "no address"};
  }
  char host[NI_MAXHOST];
  rc = ::getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (rc != 0) return {false, ::gai_strerror(rc)};
  return {true, host};
}

// Twisted's message: "address 'name' not found: <why>".
python::Failure notFound(const std::string& name, const std::string& why) {
  return python::Failure(error::DNSLookupError("address '" + name + "' not found: " + why));
}

// One ThreadedResolver lookup, on the reactor thread. The pending timeout
// call holds it (a cycle that ends when the call runs or is cancelled, or
// the reactor is destroyed); the worker and the canceller only refer to it
// weakly, so an answer or a cancel after the end finds nothing.
struct Lookup {
  explicit Lookup(std::string n) : name(std::move(n)) {}

  // No answer counts after this; drops the timeout call (and its reference
  // to us: the caller holds one).
  void finish() {
    done = true;
    if (timeoutCall.active()) timeoutCall.cancel();
  }

  void deliver(Answer answer) {
    if (done) return;
    finish();
    defer::Deferred<std::string> d = deferred;
    if (answer.found)
      d.callback(std::move(answer.text));
    else
      d.errback(notFound(name, answer.text));
  }

  std::string name;
  defer::Deferred<std::string> deferred;
  DelayedCall timeoutCall;
  bool done = false;
};

}  // namespace

defer::Deferred<std::string> ThreadedResolver::getHostByName(const std::string& name,
                                                             double timeout) {
  auto lookup = std::make_shared<Lookup>(name);
  std::weak_ptr<Lookup> weak = lookup;
  // Cancelling abandons the lookup; the Deferred then fails with CancelledError.
  lookup->deferred = defer::Deferred<std::string>([weak](defer::Deferred<std::string>&) {
    if (auto l = weak.lock()) l->finish();
  });
  defer::Deferred<std::string> result = lookup->deferred;
  const double delay = timeout > 0 ? timeout : kDefaultResolveTimeout;
  lookup->timeoutCall = clock_.callLater(delay, [lookup] {
    lookup->deliver({false, "timeout error"});
  });
  IReactorThreads* threads = &threads_;
  try {
    // The worker touches no Deferred (they are single-threaded): it only
    // carries a weak reference back to the reactor thread.
    threads_.callInThread([threads, weak, name] {
      Answer answer = firstAddress(name);
      threads->callFromThread([weak, answer = std::move(answer)]() mutable {
        if (auto l = weak.lock()) l->deliver(std::move(answer));
      });
    });
  } catch (const std::exception& e) {  // the pool is stopped (reactor shut down)
    lookup->deliver({false, e.what()});
  }
  return result;
}

defer::Deferred<std::string> BlockingResolver::getHostByName(const std::string& name,
                                                             double /*timeout*/) {
  Answer answer = firstAddress(name);
  if (answer.found) return defer::succeed(std::move(answer.text));
  return defer::fail<std::string>(notFound(name, answer.text));
}

}  // namespace twisted::internet
