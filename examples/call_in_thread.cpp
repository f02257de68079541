// Seed 001 "线程" (threads): run a blocking function in the reactor's thread
// pool, so the reactor thread is not blocked while it sleeps.
//
//   def aSillyBlockingMethod(x):
//       import time
//       time.sleep(2)
//       print(x)
//
//   reactor.callInThread(aSillyBlockingMethod, "2 seconds have passed")
//   reactor.run()
//
// Usage: call_in_thread [SECONDS]   (default 2, as in the seed). The seed's
// program runs forever; this one stops the reactor once the method is done.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <twisted/internet/reactor.h>

using twisted::internet::reactor;

namespace {

std::thread::id reactorThread;  // set by main()
double sleepSeconds = 2;

void aSillyBlockingMethod(const std::string& x) {
  std::printf("aSillyBlockingMethod runs in a pool thread: %s\n",
              std::this_thread::get_id() != reactorThread ? "yes" : "no");
  std::this_thread::sleep_for(std::chrono::duration<double>(sleepSeconds));  // time.sleep(2)
  std::printf("%s\n", x.c_str());
  std::fflush(stdout);
  // Only callFromThread may touch the reactor from another thread.
  reactor().callFromThread([] { reactor().stop(); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) sleepSeconds = std::atof(argv[1]);
  reactorThread = std::this_thread::get_id();
  reactor().callInThread(aSillyBlockingMethod, std::string("2 seconds have passed"));
  reactor().run();
  return 0;
}
