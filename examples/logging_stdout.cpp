// Seed 002 "Log" (twisted.python.log): start logging to standard output,
// then log a message, an error from a caught exception and a structured
// event. Every line goes through the one global log bus, so the legacy and
// the structured API end up in the same place.
#include <iostream>
#include <stdexcept>
#include <string>

#include <twisted/logger.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace log = twisted::python::log;
using twisted::logger::field;
using twisted::logger::Logger;
using twisted::python::Failure;

// A logging context names the "system" of the lines logged on its behalf,
// as a connection's logPrefix() does for everything logged while the reactor
// runs its callbacks.
class Poet : public log::ILoggingContext {
 public:
  std::string logPrefix() const override { return "Poet,0,127.0.0.1"; }
  void recite() const {
    log::msg("Reciting.");
    throw std::runtime_error("forgot the second verse");
  }
};

int main() {
  // log.startLogging(sys.stdout)
  log::startLogging(std::cout);

  // log.msg(...)
  log::msg("Hello, log!");

  // log.err(): inside an except block, logs the exception being handled.
  try {
    throw std::invalid_argument("bad input");
  } catch (...) {
    log::err(Failure(), "Handling a caught exception");
  }

  // callWithLogger: the poet's logPrefix becomes the system; its exception
  // is logged instead of propagated.
  Poet poet;
  log::callWithLogger(poet, [&poet] { poet.recite(); });

  // twisted.logger: a structured event, formatted only when written.
  Logger logger("examples.logging_stdout");
  logger.info("{count} poems from {host}", field("count", 3), field("host", "localhost"));
  logger.warn("{{braces}} are escaped");
  return 0;
}
