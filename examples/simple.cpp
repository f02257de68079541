// Seed 001 §1.1 (src/simple.py): start the reactor with nothing to do.
//
//   from twisted.internet import reactor
//   reactor.run()
//
// The loop waits for events that never come and uses no CPU doing it (watch
// it in top). Press Ctrl-C: SIGINT stops the reactor cleanly.
#include <twisted/internet/reactor.h>

int main() {
  twisted::internet::reactor().run();
  return 0;
}
