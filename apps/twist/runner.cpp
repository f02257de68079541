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

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <thread>
#include <variant>

#include <twisted/application/app.h>
#include <twisted/application/service/application.h>
#include <twisted/internet/endpoints/detail/from_string_specs.h>
#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/reactor.h>
#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/filtering_log_observer.h>
#include <twisted/logger/format.h>
#include <twisted/logger/json.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/logger/log_level.h>
#include <twisted/logger/logger.h>
#include <twisted/python/logfile.h>

#include "service.h"

namespace twisted::twist {
namespace {

using application::service::IService;
using internet::reactor;

// Twisted's twist: ExitStatus.EX_USAGE and EX_IOERR (sysexits.h).
constexpr int kUsageError = 64;
constexpr int kLogFileError = 74;
// How long shutdown lets connections finish by default (--drain-timeout),
// then how long those closed at the deadline get before they are aborted,
// then how much longer the services get to stop (children to exit) before
// the reactor stops anyway.
constexpr double kDefaultDrainTimeout = 30;
constexpr double kDrainGrace = 1;
constexpr double kShutdownMargin = 5;

const std::vector<std::string> kReactors = {"default", "epoll", "iouring", "poll", "select"};

// As Twisted's usage.Options does on a UsageError: the error, then the usage
// of the (sub-)command being parsed, on stderr.
int usageError(const CLI::App& app, const std::string& message) {
  std::cerr << "Error: " << message << "\n\n" << app.help();
  return kUsageError;
}

// Logging as Twisted's `twist` sets it up (Twist.startLogging): text lines or
// JSON records on stdout, stderr or a file, behind a level filter. Removes
// its observers (which may point into the LogFile) before the file is closed.
class LogSetup {
 public:
  LogSetup(const std::string& path, const std::string& format, logger::LogLevel level) {
    std::ostream* stream = path == "-" ? &std::cout : path == "+" ? &std::cerr : nullptr;
    // Twisted's default (TwistOptions.selectDefaultLogObserver): text for a
    // terminal, JSON for anything else, a file included.
    bool json =
        format == "json" || (format.empty() && !(stream && ::isatty(stream == &std::cout ? 1 : 2)));
    logger::LogObserver out;
    if (stream) {
      out = json ? logger::jsonFileLogObserver(*stream) : logger::textFileLogObserver(*stream);
    } else {
      file_ = python::LogFile::fromFullPath(path);
      python::LogFile* f = file_.get();
      logger::FileLogObserver::Formatter formatEvent;
      if (json)
        formatEvent = [](const logger::LogEvent& event) {
          return "\x1e" + logger::eventAsJSON(event) + "\n";
        };
      else
        formatEvent = [](const logger::LogEvent& event) {
          return logger::formatEventAsClassicLogText(event);
        };
      out = logger::FileLogObserver([f](std::string_view text) { f->write(text); }, {},
                                    std::move(formatEvent));
    }
    logger::FilteringLogObserver filtered(std::move(out), {logger::LogLevelFilterPredicate(level)});
    handles_ = logger::globalLogBeginner().beginLoggingTo({std::move(filtered)});
  }
  ~LogSetup() {
    for (auto h : handles_)
      logger::globalLogPublisher().removeObserver(h);
  }

  /// The log file, or null when logging to stdout or stderr.
  python::LogFile* file() const noexcept { return file_.get(); }
  LogSetup(const LogSetup&) = delete;
  LogSetup& operator=(const LogSetup&) = delete;

 private:
  std::unique_ptr<python::LogFile> file_;
  std::vector<logger::ObserverHandle> handles_;
};

// `description` (a tcp: or tcp6: server string) with SO_REUSEPORT, on
// `port` when given (the port the first worker got for port 0).
// @throws std::invalid_argument for any other endpoint type.
std::string reusePortDescription(const std::string& description, std::optional<int> port) {
  namespace detail = internet::endpoints::detail;
  detail::ServerSpec spec = detail::serverSpec(description);
  auto* tcp = std::get_if<detail::TCPServerSpec>(&spec);
  if (!tcp)
    throw std::invalid_argument("--workers needs tcp: or tcp6: endpoints (got " + description +
                                ")");
  std::string interface;
  for (char c : tcp->interface) {
    if (c == ':' || c == '\\' || c == '=') interface += '\\';
    interface += c;
  }
  return (tcp->v6 ? "tcp6:" : "tcp:") + std::to_string(port.value_or(tcp->port)) +
         ":backlog=" + std::to_string(tcp->backlog) + ":interface=" + interface + ":reusePort=1";
}

// One worker of `twist --workers N`: its own reactor, run in its own thread.
struct Worker {
  std::unique_ptr<internet::ReactorBase> reactor;
  std::thread thread;
};

// The CPUs this process may run on, for --pin-workers.
std::vector<int> allowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
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
  std::string logFormat;  // "": Twisted's default for the log file
  double drainTimeout = kDefaultDrainTimeout;
  int workers = 1;
  bool pinWorkers = false;
  app.add_option("--reactor", reactorName,
                 "The reactor backend (default: $TWISTED_REACTOR, else epoll)")
      ->check(CLI::IsMember(kReactors));
  app.add_option("--log-file", logFile,
                 "Log to this file (rotated every 1 MB), - for stdout, + for stderr")
      ->capture_default_str();
  app.add_option("--log-format", logFormat,
                 "Log as text lines or JSON records (default: text on a terminal, else json)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", logLevel, "Log events at this level and above")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "critical"}))
      ->capture_default_str();
  app.add_option("--drain-timeout", drainTimeout,
                 "On SIGTERM/SIGINT, stop accepting and let connections finish for up to this "
                 "many seconds, then close the rest")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  app.add_option("--workers", workers,
                 "Run the service in this many threads, each with its own reactor listening on "
                 "the same tcp: ports (SO_REUSEPORT)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_flag("--pin-workers", pinWorkers, "Pin worker N to the Nth CPU this process may use");

  std::vector<CLI::App*> commands;
  for (std::size_t i = 0; i < makers.size(); ++i) {
    ServiceMaker& maker = *makers[i];
    CLI::App* command = app.add_subcommand(maker.tapname(), maker.description());
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
  if (auto* listening = dynamic_cast<ListeningServiceMaker*>(&maker);
      listening && listening->listen.empty() && !listening->defaultListen())
    return usageError(app, "nothing to listen on; give --listen");
  auto* listeningMaker = dynamic_cast<ListeningServiceMaker*>(&maker);
  if (workers > 1) {
    if (!listeningMaker) return usageError(app, "--workers needs a listening service");
    std::vector<std::string> given = listeningMaker->listen;
    if (given.empty()) given.push_back(*listeningMaker->defaultListen());
    try {
      for (std::string& description : given)
        description = reusePortDescription(description, std::nullopt);
    } catch (const std::invalid_argument& e) {
      return usageError(app, e.what());
    }
    listeningMaker->listen = given;
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
  if (auto* listening = dynamic_cast<ListeningServiceMaker*>(&maker)) {
    listening->drainTimeout = drainTimeout;
    listening->drainGrace = kDrainGrace;
  }

  std::optional<LogSetup> logging;
  try {
    logging.emplace(logFile, logFormat, logger::levelWithName(logLevel));
  } catch (const std::system_error& e) {
    // Twisted's wording and status (Twist.opt_log_file: EX_IOERR).
    std::cerr << "Unable to open log file '" << logFile << "': " << e.code().message() << "\n";
    return kLogFileError;
  } catch (const std::exception& e) {
    std::cerr << "Unable to open log file '" << logFile << "': " << e.what() << "\n";
    return kLogFileError;
  }
  logger::Logger log("twist");

  // Twist.startService: the plugin's service under an Application named
  // after it, started now (a port that cannot be opened fails here), and
  // stopped (waited for) before the reactor shuts down.
  //
  // With --workers N, each worker gets its own reactor and its own copy of
  // the service, started here before any thread runs; the first worker's
  // ports (port 0 included) are the ones the others share.
  std::string error;
  std::vector<Worker> pool;
  const double shutdownTimeout = drainTimeout + kDrainGrace + kShutdownMargin;
  try {
    for (int i = 0; i < workers; ++i) {
      internet::ReactorBase* target = &reactor();
      if (workers > 1) {
        pool.push_back({internet::makeReactor(reactorName), {}});
        target = pool.back().reactor.get();
      }
      maker.reactor = target;
      std::shared_ptr<IService> service = maker.makeService();
      auto application = std::make_shared<application::service::Application>(maker.tapname());
      service->setServiceParent(application);
      application::app::startApplication(application, *target, shutdownTimeout);
      if (workers > 1 && i == 0) {
        std::vector<std::string> shared;
        for (std::size_t k = 0; k < listeningMaker->made.size(); ++k) {
          auto port = listeningMaker->made[k]->port();
          shared.push_back(reusePortDescription(
              listeningMaker->listen[k],
              port ? std::optional<int>(internet::portOf(port->getHost())) : std::nullopt));
        }
        listeningMaker->listen = shared;
      }
    }
    maker.reactor = nullptr;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    log.critical("{error}", logger::field("error", error));
    std::cerr << "twist " << maker.tapname() << ": " << error << "\n";
    return 1;
  }

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

  // Workers: signals stay with the main thread (its reactor handles them);
  // the threads start with them blocked.
  if (!pool.empty()) {
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE})
      sigaddset(&blocked, s);
    ::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
    std::vector<int> cpus = pinWorkers ? allowedCpus() : std::vector<int>{};
    for (std::size_t i = 0; i < pool.size(); ++i) {
      internet::ReactorBase* r = pool[i].reactor.get();
      std::optional<int> cpu;
      if (!cpus.empty()) cpu = cpus[i % cpus.size()];
      pool[i].thread = std::thread([r, cpu] {
        if (cpu) {
          cpu_set_t set;
          CPU_ZERO(&set);
          CPU_SET(*cpu, &set);
          ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
        }
        r->run(false);
      });
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    log.info("Started {workers} workers", logger::field("workers", workers));
  }

  log.info("Starting reactor...");
  reactor().run();
  if (hup) reactor().removeSignalHandler(*hup);
  // Every worker stops (and so drains, as the main reactor's services would)
  // in its own thread.
  for (Worker& w : pool) {
    internet::ReactorBase* r = w.reactor.get();
    r->callFromThread([r] { r->stop(); });
  }
  for (Worker& w : pool)
    w.thread.join();
  return 0;
}

}  // namespace twisted::twist
