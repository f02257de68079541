// `ls -l DIR` again, with twisted.internet.utils.getProcessOutput instead of
// a ProcessProtocol: one call, one Deferred of the whole output.
//
// Usage: get_process_output [DIR]   (default /)
#include <cstdio>
#include <string>

#include <twisted/internet/reactor.h>
#include <twisted/internet/utils.h>

using twisted::internet::reactor;
using twisted::python::Failure;
namespace utils = twisted::internet::utils;

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/";
  reactor().callWhenRunning([dir] {
    // The arguments come after argv[0] (utils passes the executable as
    // argv[0]); the environment is empty unless given.
    utils::getProcessOutput("/bin/ls", {"-l", dir}, {{"LC_ALL", "C"}})
        .addCallbacks(
            [](const std::string& out) { std::printf("%s", out.c_str()); },
            [](const Failure& f) { std::printf("ls failed: %s\n", f.getErrorMessage().c_str()); })
        .addBoth([] { reactor().stop(); });
  });
  reactor().run();
}
