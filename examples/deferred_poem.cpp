// Seed 001 "Deferred": a Deferred works without the reactor. A callback/errback
// pair is added with addCallbacks, then the chain is fired with a result.
#include <cstdio>
#include <string>

#include <twisted/internet/defer.h>

using twisted::internet::defer::Deferred;
using twisted::python::Failure;

void gotPoem(const std::string& res) {
  std::puts("Your poem is served:");
  std::puts(res.c_str());
}

void poemFailed(const Failure&) {
  std::puts("No poetry for you.");
}

int main(int argc, char** argv) {
  Deferred<std::string> d;
  // add a callback/errback pair to the chain
  d.addCallbacks(gotPoem, poemFailed);
  if (argc > 1 && std::string(argv[1]) == "--fail") {
    // fire the chain with an error
    d.errback(std::runtime_error("I have failed."));
  } else {
    // fire the chain with a normal result
    d.callback("This poem is short.");
  }
  std::puts("Finished");
  return 0;
}
