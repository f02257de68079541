#include <twisted/runner/procmon.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>

namespace twisted::runner::procmon {
namespace {

// Python's str.decode("utf-8") succeeds: well-formed UTF-8, no surrogates,
// no overlong forms, nothing above U+10FFFF.
bool isUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// Python's repr() of a bytes object: b'...' (b"..." if it holds ' and no ").
std::string bytesRepr(std::string_view s) {
  bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  char quote = dq ? '"' : '\'';
  std::string out = "b";
  out += quote;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

// Python's repr() of a str holding printable text: '...'.
std::string strRepr(std::string_view s) {
  bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  char quote = dq ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    if (ch == quote || ch == '\\') out += '\\';
    out += ch;
  }
  out += quote;
  return out;
}

}  // namespace

void LineLogger::lineReceived(std::string_view line) {
  std::string text = isUtf8(line) ? std::string(line) : bytesRepr(line);
  log.info("[{tag}] {line}", logger::field("tag", tag), logger::field("line", std::move(text)),
           logger::field("stream", stream));
}

void LineLogger::lineLengthExceeded(std::string_view line) {
  // `line` is the long line, then whatever followed it: log every complete
  // line in it, then the unterminated tail in MAX_LENGTH pieces; what is
  // left goes back to the buffer.
  for (;;) {
    std::size_t end = line.find('\n');
    if (end == std::string_view::npos) break;
    lineReceived(line.substr(0, end));
    line.remove_prefix(end + 1);
  }
  while (line.size() > MAX_LENGTH) {
    lineReceived(line.substr(0, MAX_LENGTH));
    line.remove_prefix(MAX_LENGTH);
  }
  if (!line.empty()) dataReceived(line);  // re-entrant: queued as the new buffer
}

void LineLogger::flush() {
  std::string rest = clearLineBuffer();
  if (!rest.empty()) lineReceived(rest);
}

void LoggingProtocol::connectionMade() {
  for (LineLogger* out : {&output_, &error_}) {
    out->tag = name;
    out->log = service != nullptr ? service->log : out->log;
  }
  output_.stream = "stdout";
  error_.stream = "stderr";
}

void LoggingProtocol::outReceived(std::string_view data) {
  output_.dataReceived(data);
}

void LoggingProtocol::errReceived(std::string_view data) {
  error_.dataReceived(data);
}

void LoggingProtocol::processEnded(const python::Failure&) {
  output_.flush();
  error_.flush();
  // A copy: connectionLost drops the monitor's share of this protocol.
  std::string processName = name;
  if (service != nullptr) service->connectionLost(processName);
}

ProcessMonitor::ProcessMonitor() : ProcessMonitor(internet::reactor(), internet::reactor()) {}

ProcessMonitor::ProcessMonitor(internet::IReactorProcess& processes, internet::IReactorTime& clock)
    : processes_(processes), clock_(clock) {}

ProcessMonitor::~ProcessMonitor() {
  for (auto* calls : {&restart_, &murder_})
    for (auto& [name, call] : *calls)
      if (call.active()) call.cancel();
  // The reactor keeps each protocol until its child ends: it must not call
  // back into a destroyed monitor.
  for (auto& [name, proto] : protocols_)
    proto->service = nullptr;
}

void ProcessMonitor::addProcess(const std::string& name, std::vector<std::string> args,
                                std::optional<uid_t> uid, std::optional<gid_t> gid,
                                internet::process::Environment env, std::string cwd) {
  if (processList_.contains(name)) throw std::invalid_argument("remove " + name + " first");
  if (args.empty()) throw std::invalid_argument("addProcess: args is empty (no executable)");
  processList_.emplace(name, Process{std::move(args), uid, gid, std::move(env), std::move(cwd)});
  delay_[name] = minRestartDelay;
  if (running()) startProcess(name);
}

void ProcessMonitor::removeProcess(const std::string& name) {
  stopProcess(name);
  processList_.erase(name);
  // A restart already scheduled would find no process to start.
  if (auto it = restart_.find(name); it != restart_.end() && it->second.active())
    it->second.cancel();
}

void ProcessMonitor::startService() {
  Service::startService();
  std::vector<std::string> names;
  for (auto& [name, process] : processList_)
    names.push_back(name);
  for (const std::string& name : names)
    startProcess(name);
}

internet::defer::Deferred<void> ProcessMonitor::stopService() {
  setRunning(false);
  for (auto& [name, call] : restart_)
    if (call.active()) call.cancel();
  std::vector<std::string> names;
  for (auto& [name, process] : processList_)
    names.push_back(name);
  for (const std::string& name : names)
    stopProcess(name);
  if (protocols_.empty()) return internet::defer::succeed();
  internet::defer::Deferred<void> d;
  stopWaiters_.push_back(d);
  return d;
}

void ProcessMonitor::connectionLost(const std::string& name) {
  // A child that ended by itself needs no KILL any more.
  if (auto it = murder_.find(name); it != murder_.end()) {
    if (it->second.active()) it->second.cancel();
    murder_.erase(it);
  }
  protocols_.erase(name);
  transports_.erase(name);

  double nextDelay = backoff(name, clock_.seconds() - timeStarted_[name] < threshold);
  if (running() && processList_.contains(name))
    restart_[name] = clock_.callLater(nextDelay, [this, name] { scheduledStart(name); });

  if (protocols_.empty()) {
    auto waiters = std::move(stopWaiters_);
    stopWaiters_.clear();
    for (auto& d : waiters)
      d.callback();
  }
}

double ProcessMonitor::backoff(const std::string& name, bool instant) {
  if (!instant) {  // it ran for a while: restart at once
    delay_[name] = minRestartDelay;
    return 0;
  }
  double next = delay_[name];  // it died too fast: back off
  delay_[name] = std::min(next * 2, maxRestartDelay);
  return next;
}

void ProcessMonitor::scheduledStart(const std::string& name) {
  try {
    startProcess(name);
  } catch (const std::exception&) {
    // Spawning failed (out of descriptors, say): retry as after an instant
    // death rather than give up on the process for good.
    log.failure("Failed to start process {name}", python::Failure(), logger::LogLevel::error,
                logger::field("name", name));
    if (running() && processList_.contains(name))
      restart_[name] =
          clock_.callLater(backoff(name, true), [this, name] { scheduledStart(name); });
  }
}

void ProcessMonitor::startProcess(const std::string& name) {
  if (protocols_.contains(name)) return;  // already running
  const Process& process = processList_.at(name);
  auto proto = std::make_shared<LoggingProtocol>();
  proto->service = this;
  proto->name = name;
  protocols_[name] = proto;
  timeStarted_[name] = clock_.seconds();
  std::shared_ptr<internet::IProcessTransport> transport;
  try {
    transport = processes_.spawnProcess(proto, process.args[0], process.args, process.env,
                                        process.cwd, process.uid, process.gid);
  } catch (...) {
    protocols_.erase(name);
    throw;
  }
  // Unless it already ended inside spawnProcess (a test double may do that).
  if (auto it = protocols_.find(name); it != protocols_.end() && it->second == proto)
    transports_[name] = std::move(transport);
}

void ProcessMonitor::stopProcess(const std::string& name) {
  if (!processList_.contains(name)) throw std::out_of_range("Unrecognized process name: " + name);
  auto it = transports_.find(name);
  if (it == transports_.end()) return;
  std::shared_ptr<internet::IProcessTransport> proc = it->second;
  try {
    proc->signalProcess("TERM");
  } catch (const internet::error::ProcessExitedAlready&) {
    return;
  }
  // Stopped again before the KILL: the earlier deadline stands (Twisted's
  // first DelayedCall stays scheduled too).
  if (auto m = murder_.find(name); m != murder_.end() && m->second.active()) return;
  murder_[name] = clock_.callLater(killTime, [proc] {
    try {
      proc->signalProcess("KILL");
    } catch (const internet::error::ProcessExitedAlready&) {
      // It exited, yet has not ended: something it started still holds its
      // pipes. Close them, so it ends and can be restarted (or let go).
      proc->loseConnection();
    }
  });
}

void ProcessMonitor::restartAll() {
  std::vector<std::string> names;
  for (auto& [name, process] : processList_)
    names.push_back(name);
  for (const std::string& name : names)
    stopProcess(name);
}

std::string ProcessMonitor::repr() const {
  std::string items;
  for (const auto& [name, process] : processList_) {
    std::string uidgid;
    if (process.uid) uidgid = std::to_string(*process.uid);
    if (process.gid) uidgid += ":" + std::to_string(*process.gid);
    if (!uidgid.empty()) uidgid = "(" + uidgid + ")";
    std::string args;
    for (const std::string& arg : process.args)
      args += (args.empty() ? "" : ", ") + strRepr(arg);
    items += (items.empty() ? "" : " ") + strRepr(name) + uidgid + ": [" + args + "]";
  }
  return "<ProcessMonitor " + items + ">";
}

}  // namespace twisted::runner::procmon
