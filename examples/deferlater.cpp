// Seed 001 "twisted.internet.task.deferLater": the result of a delayed call
// comes back through a Deferred, so callbacks can be added to it.
//
//   d = task.deferLater(reactor, 3.5, f, "hello, world")
//   d.addCallback(called)
//
// Usage: deferlater [SCALE]   multiplies the delay (default 1).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <twisted/internet/reactor.h>
#include <twisted/internet/task.h>

using twisted::internet::reactor;
namespace task = twisted::internet::task;

std::string f(const std::string& s) {
  return "This will run 3.5 seconds after it was scheduled: " + s;
}

// Called after f() returned, with its result.
void called(const std::string& result) {
  std::puts(result.c_str());
}

int main(int argc, char** argv) {
  double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
  auto d = task::deferLater(reactor(), 3.5 * scale, f, std::string("hello, world"));
  d.addCallback(called)
      // The seed's program runs forever; this one stops once it has printed.
      .addCallback([] { reactor().stop(); });

  // f() will only be called if the event loop is started.
  reactor().run();
  return 0;
}
