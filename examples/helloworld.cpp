// Seed 001 §1.2 (src/helloworld.py): callWhenRunning schedules our code to
// run once the reactor has started.
#include <cstdio>

#include <twisted/internet/reactor.h>

using twisted::internet::reactor;

void hello() {
  std::puts("Hello from the reactor loop!");
  std::puts("Lately I feel like I'm stuck in a rut.");
  // The seed's version runs forever (Ctrl-C to quit); we stop so the example ends.
  reactor().stop();
}

int main() {
  reactor().callWhenRunning(hello);
  std::puts("Starting the reactor.");
  reactor().run();
  return 0;
}
