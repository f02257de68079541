// `twist`: runs one of twistedcpp's network services. See runner.h, or
// `twist --help` and `twist SERVICE --help`.
#include "runner.h"

int main(int argc, char** argv) {
  return twisted::twist::run(argc, argv);
}
