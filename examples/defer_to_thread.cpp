// Seed 001 "线程" (threads): run a blocking function in the reactor's thread
// pool and get its result back as a Deferred, in the reactor thread.
//
//   d = threads.deferToThread(doLongCalculation)
//   d.addCallback(printResult)
//   reactor.run()
#include <cstdio>
#include <thread>

#include <twisted/internet/reactor.h>
#include <twisted/internet/threads.h>

using twisted::internet::reactor;
namespace threads = twisted::internet::threads;

// Set by main(): the thread that runs the reactor.
std::thread::id reactorThread;

int doLongCalculation() {
  // .... do long calculation here ...
  std::printf("doLongCalculation runs in a pool thread: %s\n",
              std::this_thread::get_id() != reactorThread ? "yes" : "no");
  std::fflush(stdout);
  return 3;
}

void printResult(int x) {
  std::printf("printResult runs in the reactor thread: %s\n",
              std::this_thread::get_id() == reactorThread ? "yes" : "no");
  std::printf("%d\n", x);
}

int main() {
  reactorThread = std::this_thread::get_id();
  // Run the function in a thread and get its result as a Deferred.
  auto d = threads::deferToThread(doLongCalculation);
  // The seed's program runs forever; this one stops once the result is printed.
  d.addCallback(printResult).addCallback([] { reactor().stop(); });
  reactor().run();
  return 0;
}
