// Seed 002 "Deferreds": how results and failures travel down the two chains.
// addCallback puts a pass-through on the errback side, addErrback on the
// callback side, and addCallbacks puts both at one level: an errback never
// sees the failure of the callback beside it, only of the levels above.
#include <cstdio>
#include <stdexcept>
#include <string>

#include <twisted/internet/defer.h>

using twisted::internet::defer::Deferred;
using twisted::internet::defer::Outcome;
using twisted::python::Failure;

int main() {
  Deferred<int> d;
  d.addCallback([](int x) {
     std::printf("callback 1 got %d, returns %d\n", x, x + 1);
     return x + 1;
   })
      .addCallbacks(
          [](int x) -> int {
            std::printf("callback 2 got %d and raises\n", x);
            throw std::runtime_error("callback 2 failed");
          },
          [](const Failure&) -> int {
            std::puts("errback 2: never called (same level as callback 2)");
            return 0;
          })
      .addCallback([](int) -> int {
        std::puts("callback 3: skipped, the chain is on the errback side");
        return 0;
      })
      .addErrback([](const Failure& f) {
        std::printf("errback 3 got \"%s\" and recovers with 10\n", f.getErrorMessage().c_str());
        return 10;
      })
      .addBoth([](Outcome<int> o) {
        std::printf("addBoth got %s %d\n", o.succeeded() ? "the value" : "a failure",
                    o.succeeded() ? o.value() : -1);
      });
  d.callback(1);
  return 0;
}
