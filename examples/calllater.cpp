// Seed 001 "IReactorTime": callLater with arguments, and cancelling a call.
//
//   reactor.callLater(3.5, f, "hello, world")
//   callID = reactor.callLater(5, g); callID.cancel()
//
// Usage: calllater [SCALE]   multiplies every delay (default 1).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <twisted/internet/reactor.h>

using twisted::internet::reactor;

void f(const std::string& s) {
  std::printf("this will run 3.5 seconds after it was scheduled: %s\n", s.c_str());
}

void g() {
  std::puts("I'll never run.");
}

int main(int argc, char** argv) {
  double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
  reactor().callLater(3.5 * scale, f, std::string("hello, world"));

  twisted::internet::DelayedCall callID = reactor().callLater(5 * scale, g);
  callID.cancel();
  std::printf("cancelled: %s, active: %s\n", callID.cancelled() ? "yes" : "no",
              callID.active() ? "yes" : "no");

  // The seed's programs run forever; this one stops after both due times.
  reactor().callLater(6 * scale, [] { reactor().stop(); });
  reactor().run();
  return 0;
}
