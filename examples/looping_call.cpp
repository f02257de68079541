// Seed 001 "twisted.internet.task.LoopingCall": call a function every
// second; start()'s Deferred fires when the loop is stopped, or fails when
// the function throws.
//
//   loop = task.LoopingCall(runEverySecond)
//   loopDeferred = loop.start(1.0)
//   loopDeferred.addCallback(cbLoopDone)
//   loopDeferred.addErrback(ebLoopFailed)
//
// Usage: looping_call [INTERVAL] [fail]   INTERVAL in seconds (default 1, as
// in the seed); "fail" sets the seed's failInTheEnd.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <twisted/internet/reactor.h>
#include <twisted/internet/task.h>
#include <twisted/python/failure.h>

using twisted::internet::reactor;
using twisted::python::Failure;
namespace task = twisted::internet::task;

const int loopTimes = 3;
bool failInTheEnd = false;
int loopCounter = 0;
task::LoopingCall* loop = nullptr;

// Called at every loop interval.
void runEverySecond() {
  if (loopCounter < loopTimes) {
    ++loopCounter;
    std::puts("A new second has passed.");
    return;
  }

  if (failInTheEnd) throw std::runtime_error("Failure during loop execution.");

  // We looped enough times.
  loop->stop();
}

// Called when the loop was stopped with success.
void cbLoopDone(task::LoopingCall*) {
  std::puts("Loop done.");
  reactor().stop();
}

// Called when the loop execution failed.
void ebLoopFailed(const Failure& failure) {
  std::fputs(failure.getBriefTraceback().c_str(), stdout);
  reactor().stop();
}

int main(int argc, char** argv) {
  double interval = argc > 1 ? std::atof(argv[1]) : 1.0;
  failInTheEnd = argc > 2 && std::strcmp(argv[2], "fail") == 0;

  task::LoopingCall lc(runEverySecond);
  loop = &lc;

  // Start looping every `interval` seconds.
  auto loopDeferred = lc.start(interval);

  // Add callbacks for stop and failure.
  loopDeferred.addCallback(cbLoopDone).addErrback(ebLoopFailed);

  reactor().run();
  return 0;
}
