#include "runner.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <twisted/internet/defer/gather_results.h>
#include <twisted/internet/endpoints/from_string.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/filtering_log_observer.h>
#include <twisted/logger/format.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/logger/log_level.h>
#include <twisted/logger/logger.h>
#include <twisted/python/logfile.h>

#include "service.h"

namespace twisted::twist {
namespace {

using internet::IListeningPort;
using internet::reactor;

// Twisted's twist: ExitStatus.EX_USAGE and EX_IOERR (sysexits.h).
constexpr int kUsageError = 64;
constexpr int kLogFileError = 74;

const std::vector<std::string> kReactors = {"default", "epoll", "poll", "select"};

// As Twisted's usage.Options does on a UsageError: the error, then the usage
// of the (sub-)command being parsed, on stderr.
int usageError(const CLI::App& app, const std::string& message) {
  std::cerr << "Error: " << message << "\n\n" << app.help();
  return kUsageError;
}

// Logging as Twisted's `twist` sets it up (Twist.startLogging): text lines on
// stdout or a file, behind a level filter. Removes its observers (which may
// point into the LogFile) before the file is closed.
class LogSetup {
 public:
  LogSetup(const std::string& path, logger::LogLevel level) {
    logger::LogObserver out;
    if (path == "-") {
      out = logger::textFileLogObserver(std::cout);
    } else {
      file_ = python::LogFile::fromFullPath(path);
      python::LogFile* f = file_.get();
      out = logger::FileLogObserver(
          [f](std::string_view text) { f->write(text); }, {},
          [](const logger::LogEvent& event) { return logger::formatEventAsClassicLogText(event); });
    }
    logger::FilteringLogObserver filtered(std::move(out), {logger::LogLevelFilterPredicate(level)});
    handles_ = logger::globalLogBeginner().beginLoggingTo({std::move(filtered)});
  }
  ~LogSetup() {
    for (auto h : handles_)
      logger::globalLogPublisher().removeObserver(h);
  }

  /// The log file, or null when logging to stdout.
  python::LogFile* file() const noexcept { return file_.get(); }
  LogSetup(const LogSetup&) = delete;
  LogSetup& operator=(const LogSetup&) = delete;

 private:
  std::unique_ptr<python::LogFile> file_;
  std::vector<logger::ObserverHandle> handles_;
};

CLI::Validator endpointValidator() {
  return CLI::Validator(
      [](std::string& description) -> std::string {
        try {
          internet::endpoints::checkServerString(description);
          return {};
        } catch (const internet::endpoints::EndpointParseError& e) {
          return e.what();
        }
      },
      "");
}

// A service that does not listen: Twist.startService's order (start it,
// then a "before shutdown" trigger that waits for its stopService).
int runService(ServiceMaker& maker) {
  logger::Logger log("twist");
  std::unique_ptr<Service> service = maker.makeService();
  try {
    service->startService();
  } catch (const std::exception& e) {
    log.critical("{error}", logger::field("error", std::string(e.what())));
    std::cerr << "twist " << maker.tapname() << ": " << e.what() << "\n";
    return 1;
  }
  reactor().addSystemEventTrigger("before", "shutdown",
                                  [&service] { return service->stopService(); });
  log.info("Starting reactor...");
  reactor().run();
  return 0;
}

}  // namespace

int run(int argc, const char* const* argv) {
  // As Python does at start-up (which is why Twisted's twist survives): a
  // write to a pipe whose reader left (`twist chat | head -n 1`) fails with
  // EPIPE, and the log observer then drops itself, instead of SIGPIPE
  // killing the server.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::unique_ptr<ServiceMaker>> makers = serviceMakers();

  CLI::App app{"Runs a network service on the twistedcpp reactor.", "twist"};
  // At most one service; a missing or unknown one gets its own message below.
  app.require_subcommand(0, 1);
  std::string reactorName;
  std::string logFile = "-";
  std::string logLevel = "info";
  app.add_option("--reactor", reactorName,
                 "The reactor backend (default: $TWISTED_REACTOR, else epoll)")
      ->check(CLI::IsMember(kReactors));
  app.add_option("--log-file", logFile, "Log to this file (rotated every 1 MB), - for stdout")
      ->capture_default_str();
  app.add_option("--log-level", logLevel, "Log events at this level and above")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "critical"}))
      ->capture_default_str();

  std::vector<std::vector<std::string>> listens(makers.size());
  std::vector<CLI::App*> commands;
  for (std::size_t i = 0; i < makers.size(); ++i) {
    ServiceMaker& maker = *makers[i];
    CLI::App* command = app.add_subcommand(maker.tapname(), maker.description());
    std::optional<std::string> fallback = maker.defaultListen();
    if (maker.listens())
      command
          ->add_option(
              "--listen", listens[i],
              "Listen on this endpoint (repeatable; serverFromString syntax: tcp:, tcp6:, "
              "unix:, ssl: (certKey defaults to privateKey), systemd:, stdio:); default: " +
                  fallback.value_or(std::string("none")))
          ->type_name(
              "tcp:PORT[:interface=ADDR] | ssl:PORT:privateKey=KEY.pem[:certKey=CERT.pem] | "
              "unix:PATH | systemd:domain=INET:index=N")
          ->expected(1)
          ->take_all()
          ->allow_extra_args(false)
          ->check(endpointValidator());
    maker.options(*command);
    commands.push_back(command);
  }

  app.allow_extras();  // after the sub-commands, which must not inherit it
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usageError(app, e.what());
  }

  std::size_t chosen = 0;
  while (chosen < commands.size() && !commands[chosen]->parsed())
    ++chosen;
  if (chosen == commands.size() || !app.remaining().empty()) {
    std::string names;
    for (auto& m : makers)
      names += (names.empty() ? "" : ", ") + m->tapname();
    std::vector<std::string> extra = app.remaining();
    if (chosen == commands.size() && !extra.empty() && extra.front().starts_with("-"))
      return usageError(app, "option " + extra.front() + " not recognized");
    if (chosen == commands.size() && !extra.empty())
      return usageError(app,
                        "unknown service '" + extra.front() + "' (choose one of: " + names + ")");
    if (!extra.empty()) return usageError(app, "unexpected argument '" + extra.front() + "'");
    return usageError(app, "a service is required (one of: " + names + ")");
  }
  ServiceMaker& maker = *makers[chosen];
  std::vector<std::string> descriptions = listens[chosen];
  if (maker.listens() && descriptions.empty()) {
    std::optional<std::string> fallback = maker.defaultListen();
    if (!fallback) return usageError(app, "nothing to listen on; give --listen");
    descriptions.push_back(*fallback);
  }
  // --reactor wins over TWISTED_REACTOR, which the README documents for
  // every program (internet::reactor() reads it too).
  if (reactorName.empty()) {
    const char* env = std::getenv("TWISTED_REACTOR");
    reactorName = env && *env ? env : "default";
    if (std::find(kReactors.begin(), kReactors.end(), reactorName) == kReactors.end())
      return usageError(app, "TWISTED_REACTOR=" + reactorName +
                                 " names no reactor (one of: default, epoll, poll, select)");
  }

  internet::installReactor(internet::makeReactor(reactorName));

  std::optional<LogSetup> logging;
  try {
    logging.emplace(logFile, logger::levelWithName(logLevel));
  } catch (const std::system_error& e) {
    // Twisted's wording and status (Twist.opt_log_file: EX_IOERR).
    std::cerr << "Unable to open log file '" << logFile << "': " << e.code().message() << "\n";
    return kLogFileError;
  } catch (const std::exception& e) {
    std::cerr << "Unable to open log file '" << logFile << "': " << e.what() << "\n";
    return kLogFileError;
  }
  logger::Logger log("twist");

  if (!maker.listens()) return runService(maker);

  std::shared_ptr<internet::Factory> factory;
  try {
    factory = maker.makeFactory();
  } catch (const internet::ssl::CertificateError& e) {
    // A service's own TLS files (portforward --connect tls:...): one line,
    // exit 1, as for a key that cannot serve a port.
    log.critical("{error}", logger::field("error", std::string(e.what())));
    std::cerr << "twist " << maker.tapname() << ": " << e.what() << "\n";
    return 1;
  }
  std::vector<std::shared_ptr<IListeningPort>> ports;
  for (const std::string& description : descriptions) {
    std::string error;
    try {
      // The endpoints listen at once (their Deferreds have fired when
      // listen() returns); ssl: reads its files in serverFromString.
      internet::endpoints::serverFromString(reactor(), description)
          ->listen(factory)
          .addCallbacks([&ports](std::shared_ptr<IListeningPort> port) { ports.push_back(port); },
                        [&error](const python::Failure& f) { error = f.getErrorMessage(); });
    } catch (const internet::ssl::CertificateError& e) {
      // A missing, unreadable or mismatched key or certificate: the port
      // cannot be served, as when it cannot be opened.
      error = "Couldn't listen on " + description + ": " + e.what();
    } catch (const internet::endpoints::EndpointParseError& e) {
      // systemd: with nothing inherited at that index.
      error = "Couldn't listen on " + description + ": " + e.reason();
    }
    if (!error.empty()) {
      log.critical("{error}", logger::field("error", error));
      std::cerr << "twist " << maker.tapname() << ": " << error << "\n";
      for (auto& port : ports)
        port->stopListening();
      return 1;
    }
  }

  // Twist.startService: stop the service (its ports) before shutdown; the
  // returned Deferred holds shutdown until every port is closed.
  reactor().addSystemEventTrigger("before", "shutdown", [&ports] {
    std::vector<internet::defer::Deferred<void>> stopped;
    for (auto& port : ports)
      stopped.push_back(port->stopListening());
    return internet::defer::gatherResults(std::move(stopped));
  });

  // SIGHUP reopens the log file at its path, so logrotate's "move it away,
  // then HUP" goes on in a new file (twistd does the like on SIGUSR1, by
  // rotating). Added last: no early return leaves it behind.
  std::optional<internet::SignalHandlerId> hup;
  if (python::LogFile* file = logging->file()) {
    hup = reactor().addSignalHandler(SIGHUP, [file, &log](int) {
      try {
        file->reopen();
      } catch (const std::system_error& e) {
        // Nowhere else to say it: the log file is what failed.
        std::cerr << "twist: cannot reopen log file '" << file->path().string()
                  << "': " << e.code().message() << "\n";
        return;
      }
      log.info("Received SIGHUP, reopened the log file.");
    });
  }

  log.info("Starting reactor...");
  reactor().run();
  if (hup) reactor().removeSignalHandler(*hup);
  return 0;
}

}  // namespace twisted::twist
