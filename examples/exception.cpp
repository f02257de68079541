// Seed 004 part 3 (basic-twisted/exception.py): a callback that throws does
// not take the reactor down. The exception is logged (with its type and
// message) and the next call still runs.
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

using twisted::internet::reactor;

void falldown() {
  throw std::runtime_error("I'm going down");
}

void upagain() {
  std::puts("But that's not going to keep me down!");
  reactor().stop();
}

int main() {
  twisted::python::log::startLogging(std::cout);
  reactor().callWhenRunning(falldown);
  reactor().callWhenRunning(upagain);
  std::puts("Starting the reactor.");
  std::fflush(stdout);
  reactor().run();
  return 0;
}
