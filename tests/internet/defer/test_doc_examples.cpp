// The code snippets of docs/deferred.md, verbatim, so the guide cannot drift
// from what compiles. Each block is marked with the doc section it comes
// from; where the doc shows a program around the reactor, the program is
// compiled here (not run: one process can run the global reactor once) and
// the same functions run against a task::Clock.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/testing/event_logging_observer.h>

// docs/deferred.md, top: the headers and names every snippet uses.
#include <twisted/internet/defer.h>    // Deferred, succeed, fail, DeferredList, ...
#include <twisted/internet/reactor.h>  // reactor()
#include <twisted/internet/task.h>     // task::Clock, deferLater, LoopingCall
#include <twisted/internet/threads.h>  // threads::deferToThread, blockingCallFromThread

using namespace twisted::internet::defer;  // Deferred, succeed, fail, Outcome, ...
using twisted::internet::IReactorTime;
using twisted::internet::reactor;
using twisted::python::Failure;
namespace task = twisted::internet::task;
namespace threads = twisted::internet::threads;

// A named namespace: the doc's program functions (compiled, not run) need
// external linkage to be warning-free without attributes.
namespace doc_examples {

// The final value of a fired Deferred (the test's view of Python's d.result).
template <class T>
std::optional<T> valueOf(Deferred<T> d) {
  auto out = std::make_shared<std::optional<T>>();
  d.addCallback([out](T v) { *out = std::move(v); });
  return *out;
}

// --- "The poem" (seed 001 §Deferred) ----------------------------------------

void gotPoem(const std::string& res) {
  std::puts("Your poem is served:");
  std::puts(res.c_str());
}

void poemFailed(const Failure&) {
  std::puts("No poetry for you.");
}

void poem() {
  Deferred<std::string> d;
  // add a callback/errback pair to the chain
  d.addCallbacks(gotPoem, poemFailed);
  // fire the chain with a normal result
  d.callback("This poem is short.");
  std::puts("Finished");
}

TEST(DocExamples, Poem) {
  testing::internal::CaptureStdout();
  poem();
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "Your poem is served:\nThis poem is short.\nFinished\n");
}

// --- "Two chains" (seed 002 "Deferreds") --------------------------------------

TEST(DocExamples, TwoChains) {
  testing::internal::CaptureStdout();
  {
    Deferred<int> d;
    d.addCallback([](int x) { return x + 1; })  // errback side: a pass-through
        .addCallbacks([](int) -> int { throw std::runtime_error("callback 2 failed"); },
                      [](const Failure&) { return 0; })  // same level: does not see that throw
        .addCallback([](int x) { return x * 100; })      // skipped: we are on the errback side
        .addErrback([](const Failure& f) {               // sees "callback 2 failed"...
          std::printf("recovering from: %s\n", f.getErrorMessage().c_str());
          return 10;  // ...and recovers: back on the callback side
        })
        .addBoth([](Outcome<int> o) { std::printf("%d\n", o.value()); });  // 10
    d.callback(1);
  }
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "recovering from: callback 2 failed\n10\n");
}

// --- "addBoth, callback and errback" (seed 000) ------------------------------

TEST(DocExamples, AddBothRunsEitherWay) {
  testing::internal::CaptureStdout();
  {
    Deferred<std::string> d;
    Deferred<std::size_t> size = d.addCallback([](const std::string& page) { return page.size(); });
    size.addBoth([](Outcome<std::size_t> o) {  // runs on either chain, like a `finally`
      if (o.isFailure())
        std::printf("failed: %s\n", o.failure().getErrorMessage().c_str());
      else
        std::printf("%zu bytes\n", o.value());
    });
    d.errback(std::runtime_error("connection refused"));  // or d.callback("<html>...</html>")
  }
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "failed: connection refused\n");
}

// --- "A callback that returns a Deferred" --------------------------------------

TEST(DocExamples, ReturningADeferredChains) {
  Deferred<int> inner;
  Deferred<int> outer;
  Deferred<std::string> result =
      outer
          .addCallback([inner](int) { return inner; })            // the chain waits for inner...
          .addCallback([](int v) { return std::to_string(v); });  // ...and goes on with its int
  outer.callback(0);  // outer is now paused, waiting on inner
  inner.callback(7);  // result fires with "7"

  EXPECT_EQ(valueOf(result), "7");
}

// --- "Errors" ---------------------------------------------------------------------

TEST(DocExamples, TrapAndRecover) {
  Deferred<int> d;
  Deferred<int> quotient = d.addCallback([](int x) -> int {
    if (x == 0) throw std::domain_error("zero");
    return 100 / x;
  });
  Deferred<int> r = quotient.addErrback([](const Failure& f) {
    f.trap<std::domain_error>();  // anything else: thrown on, unchanged
    return -1;                    // recovered
  });
  d.callback(0);

  EXPECT_EQ(valueOf(r), -1);
}

TEST(DocExamples, FailureSpellings) {
  try {
    throw std::out_of_range("index 7");
  } catch (...) {
    Failure f;                                       // Failure() inside `except:`
    bool isRange = f.check<std::out_of_range>();     // true
    bool isLogic = f.check<std::logic_error>();      // true: catch semantics, bases match
    std::string message = f.getErrorMessage();       // "index 7"
    std::string type = f.typeName();                 // "std::out_of_range"
    const auto* e = f.valueAs<std::out_of_range>();  // the exception object (or null)
    f.trap<std::logic_error>();                      // returns: it is one
    // f.trap<std::invalid_argument>() throws f on; f.raiseException() throws the out_of_range

    EXPECT_TRUE(isRange);
    EXPECT_TRUE(isLogic);
    EXPECT_EQ(message, "index 7");
    EXPECT_EQ(type, "std::out_of_range");
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->what(), "index 7");
    EXPECT_THROW(f.trap<std::invalid_argument>(), Failure);
    EXPECT_THROW(f.raiseException(), std::out_of_range);
  }
}

// --- "succeed, fail, maybeDeferred" -----------------------------------------------

TEST(DocExamples, SucceedFailMaybeDeferred) {
  twisted::testing::EventLoggingObserver logs;
  {
    Deferred<int> a = succeed(3);                                      // succeed(3)
    Deferred<void> b = succeed();                                      // succeed(None)
    Deferred<int> c = fail<int>(std::runtime_error("no"));             // fail(RuntimeError("no"))
    Deferred<int> e = maybeDeferred([](int x) { return x + 1; }, 41);  // fired with 42
    Deferred<int> f = maybeDeferred([]() -> int { throw std::runtime_error("x"); });  // failed

    EXPECT_EQ(valueOf(a), 3);
    EXPECT_TRUE(b.called());
    EXPECT_TRUE(c.called());
    EXPECT_EQ(valueOf(e), 42);
    EXPECT_TRUE(f.called());
  }
  // c and f died holding failures nobody handled: logged, as in Twisted.
  EXPECT_EQ(logs.flushLoggedErrors<std::runtime_error>().size(), 2u);
}

// --- "Cancelling" -------------------------------------------------------------------

TEST(DocExamples, CancelWithCanceller) {
  bool stopped = false;
  Deferred<int> d([&stopped](Deferred<int>&) {
    stopped = true;  // stop the work that would have fired d; not firing d here
  });                // means it fails with CancelledError
  Deferred<int> r = d.addErrback([](const Failure& f) {
    f.trap<CancelledError>();
    return -1;
  });
  d.cancel();

  EXPECT_TRUE(stopped);
  EXPECT_EQ(valueOf(r), -1);
}

TEST(DocExamples, Timeout) {
  task::Clock clock;  // any IReactorTime: reactor() in a program
  Deferred<int> d;
  Deferred<int> r = d.addTimeout(5, clock).addErrback([](const Failure& f) {
    f.trap<TimeoutError>();
    return 0;
  });
  clock.advance(5);  // d is cancelled; the errback sees a TimeoutError

  EXPECT_EQ(valueOf(r), 0);
}

TEST(DocExamples, PauseAndChainDeferred) {
  std::vector<int> seen;
  Deferred<int> d;
  d.addCallback([&seen](int v) { seen.push_back(v); });
  d.pause();
  d.callback(1);  // the callbacks wait: seen is empty...
  d.unpause();    // ...until now: seen is {1}

  Deferred<int> a;
  Deferred<int> b;
  a.chainDeferred(b);  // b fires with a's result (a's chain is left holding void)
  a.callback(2);

  EXPECT_EQ(seen, std::vector<int>{1});
  EXPECT_EQ(valueOf(b), 2);
}

TEST(DocExamples, PauseHoldsTheCallbacks) {
  std::vector<int> seen;
  Deferred<int> d;
  d.addCallback([&seen](int v) { seen.push_back(v); });
  d.pause();
  d.callback(1);
  EXPECT_TRUE(seen.empty());
  d.unpause();
  EXPECT_EQ(seen, std::vector<int>{1});
}

// --- "Coroutines" -------------------------------------------------------------------

// @inlineCallbacks def addLater(clock, x): yield deferLater(clock, 1); returnValue(x + 1)
// async def addLater(clock, x): await deferLater(clock, 1); return x + 1
Deferred<int> addLater(IReactorTime& clock, int x) {
  co_await task::deferLater(clock, 1.0);
  co_return x + 1;
}

Deferred<std::string> pageOrDefault(Deferred<std::string> page) {
  try {
    co_return co_await page;
  } catch (const std::runtime_error& e) {  // the failure's exception, original type
    co_return std::string("default (") + e.what() + ")";
  }
}

TEST(DocExamples, Coroutines) {
  task::Clock clock;
  Deferred<int> d = addLater(clock, 41);  // runs now, up to the first co_await
  EXPECT_FALSE(d.called());
  clock.advance(1);  // ensureDeferred/fromCoroutine: nothing to call, d is the result
  EXPECT_EQ(valueOf(d), 42);

  Deferred<std::string> page;
  Deferred<std::string> r = pageOrDefault(page);
  page.errback(std::runtime_error("404"));
  EXPECT_EQ(valueOf(r), "default (404)");
}

TEST(DocExamples, LambdaCoroutines) {
  Deferred<int> d;
  Deferred<void> later;
  std::string name = "answer: ";

  // Safe: addCallback keeps the lambda, captures included, until the Deferred
  // it returns has fired.
  Deferred<std::string> a = d.addCallback([name, later](int v) -> Deferred<std::string> {
    co_await later;
    co_return name + std::to_string(v);
  });

  // Dangling: the lambda is a temporary that dies at the `;`, with its captures,
  // while the coroutine is still suspended on `later`.
  //   auto bad = [name, later]() -> Deferred<std::string> { co_await later; co_return name; }();
  // Safe: no captures; what the coroutine needs is passed as parameters (by value),
  // which live in the coroutine frame.
  Deferred<std::string> b = [](std::string n, Deferred<void> l) -> Deferred<std::string> {
    co_await l;
    co_return n;
  }(name, later);

  d.callback(42);
  later.callback();
  EXPECT_EQ(valueOf(a), "answer: 42");
  EXPECT_EQ(valueOf(b), "answer: ");
}

// --- "Several Deferreds" (DeferredList & co.) ------------------------------------------

TEST(DocExamples, ListsLocksQueues) {
  std::vector<int> gathered;
  std::vector<std::string> report;
  Deferred<int> d1;
  Deferred<int> d2;
  gatherResults({d1, d2}).addCallback([&gathered](std::vector<int> values) {
    gathered = values;  // [1, 2]: all values, or the first failure (FirstError)
  });
  DeferredList({d1, d2}, {.consumeErrors = true})
      .addCallback([&report](DeferredListResult<int> results) {
        for (auto& [ok, outcome] : results)
          report.push_back(ok ? std::to_string(outcome.value()) : outcome.failure().typeName());
      });
  d1.callback(1);
  d2.callback(2);

  EXPECT_EQ(gathered, (std::vector<int>{1, 2}));
  EXPECT_EQ(report, (std::vector<std::string>{"1", "2"}));

  DeferredLock lock;
  Deferred<int> held = lock.run([] { return 1; });  // acquire, call, release
  DeferredSemaphore sem(2);                         // at most 2 at once
  Deferred<std::string> fetched = sem.run([](std::string url) { return url; }, "http://a/");
  DeferredQueue<std::string> q;
  Deferred<std::string> line = q.get();  // fires when something is put
  q.put("hello");

  EXPECT_EQ(valueOf(held), 1);
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(valueOf(fetched), "http://a/");
  EXPECT_EQ(valueOf(line), "hello");
}

Deferred<void> withLock(DeferredLock& lock, std::vector<int>& out, int v) {
  co_await lock.acquire();
  out.push_back(v);  // critical section (may co_await)
  lock.release();
}

TEST(DocExamples, LockInACoroutine) {
  DeferredLock lock;
  std::vector<int> out;
  Deferred<void> first = lock.acquire();  // someone holds it
  Deferred<void> w = withLock(lock, out, 5);
  EXPECT_TRUE(out.empty());
  lock.release();
  EXPECT_EQ(out, std::vector<int>{5});
  EXPECT_TRUE(w.called());
}

// --- "task.deferLater" (seed 001) ----------------------------------------------------

std::string f(const std::string& s) {
  return "This will run 3.5 seconds after it was scheduled: " + s;
}

void called(const std::string& result) {
  std::puts(result.c_str());
}

void deferLaterMain() {
  auto d = task::deferLater(reactor(), 3.5, f, "hello, world");
  // called after f() returns
  d.addCallback(called);
  // f() will only be called if the event loop is started.
  reactor().run();
}

TEST(DocExamples, DeferLater) {
  task::Clock clock;
  testing::internal::CaptureStdout();
  auto d = task::deferLater(clock, 3.5, f, "hello, world");
  d.addCallback(called);
  clock.advance(3.5);
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "This will run 3.5 seconds after it was scheduled: hello, world\n");
}

// --- "task.LoopingCall" (seed 001) ---------------------------------------------------

constexpr int loopTimes = 3;
bool failInTheEnd = false;
int loopCounter = 0;

void runEverySecond(task::LoopingCall& loop) {
  if (loopCounter < loopTimes) {
    ++loopCounter;
    std::puts("A new second has passed.");
    return;
  }
  if (failInTheEnd) throw std::runtime_error("Failure during loop execution.");
  // We looped enough times.
  loop.stop();
}

void cbLoopDone(task::LoopingCall*) {
  std::puts("Loop done.");
  reactor().stop();
}

void ebLoopFailed(const Failure& failure) {
  std::fputs(failure.getBriefTraceback().c_str(), stdout);
  reactor().stop();
}

void loopingCallMain() {
  task::LoopingCall loop(runEverySecond, std::ref(loop));
  // Start looping every 1 second, with callbacks for stop and failure.
  loop.start(1.0).addCallback(cbLoopDone).addErrback(ebLoopFailed);
  reactor().run();
}

// The doc's runEverySecond on a task::Clock; the end callbacks stand in for
// cbLoopDone/ebLoopFailed, which stop the (here not running) global reactor.
TEST(DocExamples, LoopingCall) {
  task::Clock clock;
  std::optional<bool> done;  // true: stopped; false: failed
  testing::internal::CaptureStdout();
  {
    task::LoopingCall loop(runEverySecond, std::ref(loop));
    loop.setClock(clock);
    loop.start(1.0)
        .addCallback([&done](task::LoopingCall* which) { done = which != nullptr; })
        .addErrback([&done](const Failure&) { done = false; });
    for (int i = 0; i < 3; ++i)
      clock.advance(1);
  }
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "A new second has passed.\nA new second has passed.\nA new second has passed.\n");
  EXPECT_EQ(done, true);
}

// --- "threads" (seed 001) -----------------------------------------------------------

int doLongCalculation() {
  // .... do long calculation here ...
  return 3;
}

void printResult(int x) {
  std::printf("%d\n", x);
}

void deferToThreadMain() {
  // run method in thread and get result as defer.Deferred
  auto d = threads::deferToThread(doLongCalculation);
  d.addCallback(printResult);
  reactor().run();
}

// In a thread that is not the reactor's: waits for the reactor thread's answer.
int askTheReactor() {
  return threads::blockingCallFromThread(reactor(), [] { return succeed(42); });
}

// --- "Typing rules" ---------------------------------------------------------------

TEST(DocExamples, HandleTypes) {
  Deferred<int> d;
  Deferred<std::string> s = d.addCallback([](int x) { return std::to_string(x); });
  s.addCallback([](const std::string& v) { return v.size(); });  // through the newest handle
  // d.addCallback([](int x) { return x; });  // throws DeferredTypeError: the chain
  //                                          // produces std::size_t now, not int
  d.callback(1);  // fires with the type it was created with

  EXPECT_THROW(d.addCallback([](int x) { return x; }), DeferredTypeError);
}

TEST(DocExamples, ChainedDeferredHoldsVoid) {
  Deferred<int> first;
  Deferred<void> second;
  second.addCallback([first] { return first; });  // second now waits for first
  second.callback();
  // first.addCallback([](int v) { ... });        // throws DeferredTypeError
  bool ran = false;
  first.asVoid().addCallback([&ran] {
    ran = true; /* runs after second got the int */
  });
  first.callback(3);

  EXPECT_THROW(first.addCallback([](int v) { return v; }), DeferredTypeError);
  EXPECT_TRUE(ran);
}

}  // namespace doc_examples
