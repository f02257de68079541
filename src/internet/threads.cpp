// twisted.internet.threads: the non-template parts. Test: tests/internet/test_threads.cpp
#include <twisted/internet/threads.h>

#include <stdexcept>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::threads {

namespace detail {

bool isInReactorThread(const IReactorThreads& reactor) noexcept {
  const auto* base = dynamic_cast<const ReactorBase*>(&reactor);
  return base != nullptr && base->isInIOThread();
}

void throwCalledFromReactorThread() {
  throw std::logic_error(
      "blockingCallFromThread must not be called in the reactor thread: it would wait for the "
      "reactor, which cannot run while it waits (deadlock)");
}

void throwResultAbandoned() {
  throw error::ReactorNotRunning(
      "blockingCallFromThread: the call, or the Deferred it returned, was destroyed before it "
      "produced a result (the reactor shut down first)");
}

}  // namespace detail

void callMultipleInThread(IReactorThreads& reactor, std::vector<std::function<void()>> calls) {
  // An exception leaves the loop: the pool logs it and the rest are skipped,
  // as Twisted's _runMultiple does.
  reactor.callInThread([calls = std::move(calls)] {
    for (const std::function<void()>& call : calls)
      call();
  });
}

void callMultipleInThread(std::vector<std::function<void()>> calls) {
  callMultipleInThread(reactor(), std::move(calls));
}

}  // namespace twisted::internet::threads
