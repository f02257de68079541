// spawnProcess, ProcessProtocol and the process transport. Mirrors
// twisted.internet.process (Process, ProcessReader, ProcessWriter).
// Tests: tests/internet/process/test_process.cpp
//
// Design: each pipe to or from the child is the stream transport
// (stream::detail::Connection) in pipe mode, one-way (a read-only pipe for
// "r", a write-only one for "w"), owning its fd; so buffering, flow control
// and closing are the TCP transport's code. Its protocol (PipeProtocol)
// forwards data and loss to the Process, which calls the ProcessProtocol.
// Spawning is posix_spawn (glibc's is clone(CLONE_VM|CLONE_VFORK): safe in
// a threaded program) with the fd mapping, the working directory, an empty
// signal mask and default dispositions as spawn actions. Reaping is a pidfd
// registered as a reader: readable once the child exited, then
// waitid(P_PIDFD) reaps exactly that child (no SIGCHLD handler, nobody
// else's children touched, no zombie). Without pidfd_open (Linux before 5.3:
// ENOSYS) each such Process adds a SIGCHLD handler (IReactorSignals) that
// reaps its own pid with waitpid(pid, WNOHANG); never waitpid(-1), which
// would take the exit status of the program's other children.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/python/log.h>

#include "internet/stream/connection.h"

extern char** environ;

namespace twisted::internet {

namespace log = python::log;
using python::Failure;

// --- ProcessProtocol --------------------------------------------------------

IProcessTransport* ProcessProtocol::processTransport() const noexcept {
  return static_cast<IProcessTransport*>(transport);
}

void ProcessProtocol::childDataReceived(int childFD, std::string_view data) {
  if (childFD == 1)
    outReceived(data);
  else if (childFD == 2)
    errReceived(data);
}

void ProcessProtocol::childConnectionLost(int childFD) {
  if (childFD == 0)
    inConnectionLost();
  else if (childFD == 1)
    outConnectionLost();
  else if (childFD == 2)
    errConnectionLost();
}

namespace process {

ChildFDs defaultChildFDs() {
  return {{0, ChildFD::Write}, {1, ChildFD::Read}, {2, ChildFD::Read}};
}

Environment parentEnvironment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

namespace detail {

using stream::detail::Connection;

class Process;

// The protocol of one pipe's Connection: hands its events to the Process.
class PipeProtocol final : public Protocol {
 public:
  PipeProtocol(Process* p, int childFD) : process_(p), childFD_(childFD) {}
  void dataReceived(std::string_view data) override;
  void connectionLost(const Failure& reason) override;
  std::string logPrefix() const override;
  Process* process_;  // null once the Process is gone (reactor destroyed)

 private:
  int childFD_;
};

class Process final : public IProcessTransport, public std::enable_shared_from_this<Process> {
 public:
  explicit Process(ReactorBase& reactor, std::shared_ptr<ProcessProtocol> protocol)
      : reactor_(reactor), protocol_(std::move(protocol)) {}
  ~Process() override;

  void spawn(const std::string& executable, const std::vector<std::string>& args,
             const Environment& env, const std::string& path, const ChildFDs& childFDs);

  // IProcessTransport
  std::optional<int> pid() const override {
    if (pid_ > 0) return pid_;
    return std::nullopt;
  }
  void closeStdin() override { closeChildFD(0); }
  void closeStdout() override { closeChildFD(1); }
  void closeStderr() override { closeChildFD(2); }
  void closeChildFD(int childFD) override {
    auto it = pipes_.find(childFD);
    if (it == pipes_.end()) return;
    if (auto c = it->second.conn.lock()) c->loseConnection();
  }
  void writeToChild(int childFD, std::string_view data) override {
    auto it = pipes_.find(childFD);
    if (it == pipes_.end() || !it->second.writer)
      throw std::out_of_range("writeToChild: no pipe the parent writes to child fd " +
                              std::to_string(childFD));
    if (auto c = it->second.conn.lock()) c->write(data);
  }
  void signalProcess(std::string_view signalName) override;
  void signalProcess(int signalNumber) override;

  // ITransport (stdin; closing closes every pipe)
  void write(std::string_view data) override {
    if (auto in = stdinPipe()) in->write(data);
  }
  void writeSequence(std::span<const std::string_view> data) override {
    if (auto in = stdinPipe()) in->writeSequence(data);
  }
  void loseConnection() override {
    // Twisted's Process.loseConnection: closeStdin, closeStderr, closeStdout.
    disconnecting_ = true;
    for (int fd : childFDs())
      closeChildFD(fd);
  }
  void abortConnection() override {
    disconnecting_ = true;
    for (int fd : childFDs()) {
      auto it = pipes_.find(fd);
      if (it == pipes_.end()) continue;
      if (auto c = it->second.conn.lock()) c->abortConnection();
    }
  }
  Address getPeer() const override { return PipeAddress{}; }
  Address getHost() const override { return PipeAddress{}; }
  bool disconnecting() const override { return disconnecting_; }
  void registerProducer(IProducer* producer, bool streaming) override {
    auto in = stdinPipe();
    if (!in) throw std::runtime_error("registerProducer: the child has no stdin pipe");
    in->registerProducer(producer, streaming);
  }
  void unregisterProducer() override {
    if (auto in = stdinPipe()) in->unregisterProducer();
  }
  void pauseProducing() override {
    for (auto& [fd, pipe] : pipes_)
      if (auto c = pipe.conn.lock(); c && !pipe.writer) c->pauseProducing();
  }
  void resumeProducing() override {
    for (auto& [fd, pipe] : pipes_)
      if (auto c = pipe.conn.lock(); c && !pipe.writer) c->resumeProducing();
  }
  void stopProducing() override { loseConnection(); }
  std::string logPrefix() const override { return protocol_->logPrefix(); }

  // From the pipes.
  void pipeData(int childFD, std::string_view data);
  void pipeLost(int childFD);

 private:
  // The pidfd as a reader: readable once the child has exited.
  class Reaper final : public IReadDescriptor {
   public:
    explicit Reaper(Process& p) noexcept : p_(p) {}
    int fileno() const override { return p_.pidfd_; }
    DescriptorResult doRead() override { return p_.reap(); }
    void connectionLost(const Failure&) override { p_.reaperLost(); }
    IHalfCloseableDescriptor* halfCloseable() noexcept override { return nullptr; }
    bool readsErrors() const noexcept override { return true; }
    std::string logPrefix() const override { return p_.logPrefix(); }

   private:
    Process& p_;
  };

  // The reactor owns the pipes' Connections (until their connectionLost
  // returns, or its destruction, which closes their fds: the child sees
  // EOF or EPIPE).
  struct Pipe {
    std::weak_ptr<Connection> conn;
    PipeProtocol* protocol;  // owned by conn
    bool writer;
  };

  std::shared_ptr<Connection> stdinPipe() {
    auto it = pipes_.find(0);
    return it != pipes_.end() && it->second.writer ? it->second.conn.lock() : nullptr;
  }
  std::vector<int> childFDs() const {
    std::vector<int> fds;
    for (auto& [fd, pipe] : pipes_)
      fds.push_back(fd);
    return fds;
  }
  void watchChild();
  DescriptorResult reap();
  void reapByPid();
  void removeSigchldHandler() noexcept;
  void reaperLost();
  void closePidfd() noexcept;
  void exited(int waitStatus);
  void maybeCallProcessEnded();

  ReactorBase& reactor_;
  std::shared_ptr<ProcessProtocol> protocol_;
  int pid_ = 0;
  int pidfd_ = -1;
  bool watching_ = false;
  SignalHandlerId sigchld_;  // the SIGCHLD fallback's handler, while unreaped
  bool disconnecting_ = false;
  bool ended_ = false;
  bool held_ = false;  // the reactor's keep-alive was taken
  std::optional<Failure> exitReason_;
  std::map<int, Pipe> pipes_;
  Reaper reaper_{*this};
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor until processEnded

  friend std::shared_ptr<IProcessTransport> spawn(ReactorBase&, std::shared_ptr<ProcessProtocol>,
                                                  std::string, std::vector<std::string>,
                                                  Environment, std::string,
                                                  std::optional<ChildFDs>);
};

void PipeProtocol::dataReceived(std::string_view data) {
  if (process_) process_->pipeData(childFD_, data);
}

void PipeProtocol::connectionLost(const Failure&) {
  if (process_) process_->pipeLost(childFD_);
}

std::string PipeProtocol::logPrefix() const {
  return process_ ? process_->logPrefix() : "ProcessPipe";
}

Process::~Process() {
  for (auto& [fd, pipe] : pipes_)
    if (auto c = pipe.conn.lock()) pipe.protocol->process_ = nullptr;
  // The reactor went away with the child still running (it dropped our
  // keep-alive without processEnded): leave the child alone (as Twisted),
  // but reap it if it has already exited; the reactor is not touched.
  const bool reactorGone = held_ && !keepAlive_.linked() && !ended_;
  if (pid_ > 0 && pidfd_ >= 0) {
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG);
  } else if (pid_ > 0 && sigchld_.value) {
    ::waitpid(pid_, nullptr, WNOHANG);
  }
  // A reactor being destroyed removed every signal handler already.
  if (!reactorGone) removeSigchldHandler();
  if (reactorGone || !watching_) {
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
  } else {
    closePidfd();
  }
}

void Process::closePidfd() noexcept {
  if (watching_) {
    reactor_.removeReader(&reaper_);
    watching_ = false;
  }
  if (pidfd_ >= 0) {
    reactor_.descriptorClosing(pidfd_);
    ::close(pidfd_);
    pidfd_ = -1;
  }
}

namespace {
// A pipe2(O_CLOEXEC), or throws.
std::pair<int, int> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "spawnProcess: pipe");
  return {fds[0], fds[1]};
}

struct FileActions {
  posix_spawn_file_actions_t a;
  FileActions() { posix_spawn_file_actions_init(&a); }
  ~FileActions() { posix_spawn_file_actions_destroy(&a); }
};
struct SpawnAttr {
  posix_spawnattr_t a;
  SpawnAttr() { posix_spawnattr_init(&a); }
  ~SpawnAttr() { posix_spawnattr_destroy(&a); }
};
}  // namespace

void Process::spawn(const std::string& executable, const std::vector<std::string>& args,
                    const Environment& env, const std::string& path, const ChildFDs& childFDs) {
  // The child's side of each entry, above every target fd (so no dup2 of
  // the spawn actions overwrites another's source): as it is if it already
  // is (a new pipe's end usually is), else duplicated there, close-on-exec.
  int maxTarget = 2;
  for (auto& [target, spec] : childFDs)
    maxTarget = std::max(maxTarget, target);
  struct Source {
    int target;
    int fd;
    bool owned;  // ours to close (a pipe's end or a copy), not the caller's fd
  };
  std::vector<Source> sources;
  auto closeSources = [&] {
    for (auto& s : sources)
      if (s.owned) ::close(s.fd);
    sources.clear();
  };
  struct ParentEnd {
    int target;
    int fd;
    bool writer;
  };
  std::vector<ParentEnd> parentEnds;
  try {
    for (auto& [target, spec] : childFDs) {
      int childSide;
      bool ownChildSide = true;
      if (const ChildFD* kind = std::get_if<ChildFD>(&spec)) {
        auto [r, w] = makePipe();
        if (*kind == ChildFD::Write) {
          parentEnds.push_back({target, w, true});
          childSide = r;
        } else {
          parentEnds.push_back({target, r, false});
          childSide = w;
        }
      } else {
        childSide = std::get<int>(spec);
        ownChildSide = false;
      }
      if (childSide > maxTarget) {
        sources.push_back({target, childSide, ownChildSide});
        continue;
      }
      int copy = ::fcntl(childSide, F_DUPFD_CLOEXEC, maxTarget + 1);
      int err = errno;
      if (ownChildSide) ::close(childSide);
      if (copy < 0)
        throw std::system_error(err, std::generic_category(),
                                "spawnProcess: child fd " + std::to_string(target));
      sources.push_back({target, copy, true});
    }
  } catch (...) {
    closeSources();
    for (auto& p : parentEnds)
      ::close(p.fd);
    throw;
  }

  FileActions actions;
  for (auto& s : sources)
    posix_spawn_file_actions_adddup2(&actions.a, s.fd, s.target);
  // Every descriptor the child was not given is closed: those below the
  // highest target that are not targets, and all above it.
  for (int fd = 0; fd < maxTarget; ++fd)
    if (!childFDs.count(fd)) posix_spawn_file_actions_addclose(&actions.a, fd);
  posix_spawn_file_actions_addclosefrom_np(&actions.a, maxTarget + 1);
  if (!path.empty()) posix_spawn_file_actions_addchdir_np(&actions.a, path.c_str());

  SpawnAttr attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr.a, &none);
  posix_spawnattr_setsigdefault(&attr.a, &all);
  posix_spawnattr_setflags(&attr.a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> envStrings;
  envStrings.reserve(env.size());
  for (auto& [k, v] : env)
    envStrings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : envStrings)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t child = 0;
  int rc = ::posix_spawn(&child, executable.c_str(), &actions.a, &attr.a, argv.data(), envp.data());
  if (rc != 0) {
    // What Twisted's child writes to its stderr when its exec fails (the
    // pipe is empty, the message far below its capacity: never blocks).
    const std::string message = "Upon exec of " + executable + (path.empty() ? "" : " in " + path) +
                                ": " + std::strerror(rc) + "\n";
    for (auto& s : sources)
      if (s.target == 2) (void)!::write(s.fd, message.data(), message.size());
  }
  closeSources();  // the child has its own copies; ours close, so EOFs reach us

  // The pipes, child or not: without a child, their other ends are closed,
  // so readers see EOF and writers EPIPE, as after a child's failed exec.
  for (auto& p : parentEnds) {
    auto conn = std::make_shared<Connection>(
        reactor_, Connection::Pipes{p.writer ? -1 : p.fd, p.writer ? p.fd : -1, true});
    auto proto = std::make_unique<PipeProtocol>(this, p.target);
    pipes_[p.target] = Pipe{conn, proto.get(), p.writer};
    Connection::start(conn, std::move(proto));
  }

  if (rc != 0) {
    // Twisted's child reports the failed exec on stderr and exits 1.
    log::msg("spawnProcess: cannot run " + executable + (path.empty() ? "" : " in " + path) + ": " +
             std::strerror(rc));
    reactor_.callLater(0, [self = shared_from_this()] { self->exited(1 << 8); });
    return;
  }
  pid_ = child;
  watchChild();
}

namespace {
// Test seam: with TWISTED_TEST_SIGCHLD_REAPING set (read once, at the first
// spawn), every child is reaped by the SIGCHLD fallback, as on a kernel
// without pidfd_open.
bool pidfdDisabled() {
  static const bool disabled = [] {
    const char* v = std::getenv("TWISTED_TEST_SIGCHLD_REAPING");
    return v && *v && std::string_view(v) != "0";
  }();
  return disabled;
}
}  // namespace

// Starts watching the child pid_ for its exit: its pidfd as a reader, else
// (no pidfd_open) a SIGCHLD handler.
void Process::watchChild() {
  pidfd_ = pidfdDisabled() ? -1 : static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ >= 0) {
    // pidfd_open's fd is always close-on-exec.
    reactor_.addReader(&reaper_);
    watching_ = true;
    return;
  }
  const int err = pidfdDisabled() ? ENOSYS : errno;
  try {
    if (err != ENOSYS)
      throw std::system_error(err, std::generic_category(), "spawnProcess: pidfd_open");
    std::weak_ptr<Process> weak = weak_from_this();
    sigchld_ = reactor_.addSignalHandler(SIGCHLD, [weak](int) {
      if (auto self = weak.lock()) self->reapByPid();
    });
    // The child may have exited before the handler existed (its SIGCHLD
    // then found the old disposition): look once from the loop. (Twisted's
    // registerReapProcessHandler also reaps at once, synchronously.)
    reactor_.callLater(0, [weak] {
      if (auto self = weak.lock()) self->reapByPid();
    });
  } catch (...) {
    removeSigchldHandler();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
    throw;
  }
}

// The SIGCHLD fallback: reaps pid_ if it has exited. Called for every
// SIGCHLD, which may be any child's: only our own pid is waited for.
void Process::reapByPid() {
  if (pid_ <= 0) return;  // reaped already
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == 0) return;                   // still running
  if (got < 0 && errno == EINTR) return;  // the next SIGCHLD or check retries
  removeSigchldHandler();
  pid_ = 0;
  // ECHILD: someone else reaped it (SIGCHLD ignored, a waitpid(-1)
  // elsewhere); the status is unknown, as in reap().
  exited(got > 0 ? status : 1 << 8);
}

void Process::removeSigchldHandler() noexcept {
  if (!sigchld_.value) return;
  reactor_.removeSignalHandler(sigchld_);
  sigchld_ = {};
}

DescriptorResult Process::reap() {
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG) != 0) {
    if (errno == EINTR) return std::nullopt;
    // ECHILD: someone else reaped it (a waitpid(-1) elsewhere); status unknown.
    closePidfd();
    pid_ = 0;
    exited(1 << 8);
    return std::nullopt;
  }
  if (info.si_pid == 0) return std::nullopt;  // not yet
  int status;
  if (info.si_code == CLD_EXITED)
    status = (info.si_status & 0xff) << 8;
  else
    status = (info.si_status & 0x7f) | (info.si_code == CLD_DUMPED ? 0x80 : 0);
  closePidfd();
  pid_ = 0;
  exited(status);
  return std::nullopt;
}

void Process::reaperLost() {
  // The reactor dropped the pidfd (it is shutting down): nothing to report.
  watching_ = false;
}

void Process::exited(int waitStatus) {
  if (WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == 0)
    exitReason_ = Failure(error::ProcessDone(waitStatus));
  else if (WIFEXITED(waitStatus))
    exitReason_ =
        Failure(error::ProcessTerminated(WEXITSTATUS(waitStatus), std::nullopt, waitStatus));
  else
    exitReason_ = Failure(error::ProcessTerminated(std::nullopt, WTERMSIG(waitStatus), waitStatus));
  auto keep = shared_from_this();
  {
    log::LoggingContextScope scope(this);
    try {
      protocol_->processExited(*exitReason_);
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in processExited");
    }
  }
  // The child is gone: nobody reads its stdin any more (unless a grandchild
  // inherited it). Flush what can be flushed and close.
  for (auto& [fd, pipe] : pipes_)
    if (auto c = pipe.conn.lock(); c && pipe.writer) c->loseConnection();
  maybeCallProcessEnded();
  // The last reference may go here: what the protocol's destructor logs must
  // not ask this dying Process (the Reaper's context) for its logPrefix.
  log::LoggingContextScope noContext(nullptr);
  keep.reset();
}

void Process::pipeData(int childFD, std::string_view data) {
  log::LoggingContextScope scope(this);
  try {
    protocol_->childDataReceived(childFD, data);
  } catch (...) {
    log::err(std::current_exception(), "Unhandled error in childDataReceived");
  }
}

void Process::pipeLost(int childFD) {
  auto keep = shared_from_this();
  auto it = pipes_.find(childFD);
  if (it == pipes_.end()) return;
  it->second.protocol->process_ = nullptr;
  pipes_.erase(it);  // the Connection lives until its connectionLost returns
  {
    log::LoggingContextScope scope(this);
    try {
      protocol_->childConnectionLost(childFD);
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in childConnectionLost");
    }
  }
  maybeCallProcessEnded();
  log::LoggingContextScope noContext(nullptr);  // as in exited()
  keep.reset();
}

void Process::maybeCallProcessEnded() {
  if (ended_ || !exitReason_ || !pipes_.empty()) return;
  ended_ = true;
  auto keep = reactor_.releaseKeepAlive(keepAlive_);
  {
    log::LoggingContextScope scope(this);
    try {
      protocol_->connected = false;
      protocol_->processEnded(*exitReason_);
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in processEnded");
    }
  }
  log::LoggingContextScope noContext(nullptr);
  keep.reset();
}

void Process::signalProcess(std::string_view signalName) {
  // Twisted takes any name its signal module has (getattr(signal, "SIG" +
  // name)): every number's abbreviation, and the aliases glibc does not
  // list there.
  static const std::map<std::string_view, int> aliases{
      {"IOT", SIGIOT}, {"CLD", SIGCHLD}, {"POLL", SIGPOLL}};
  if (auto it = aliases.find(signalName); it != aliases.end()) return signalProcess(it->second);
  for (int number = 1; number < SIGRTMIN; ++number) {
    const char* name = ::sigabbrev_np(number);
    if (name && signalName == name) return signalProcess(number);
  }
  throw std::invalid_argument("signalProcess: unknown signal " + std::string(signalName));
}

void Process::signalProcess(int signalNumber) {
  if (pidfd_ < 0 && pid_ > 0) {
    // The SIGCHLD fallback: until we reap it, the pid is our child's (an
    // exited child stays a zombie holding it), never a recycled one.
    if (::kill(pid_, signalNumber) != 0) {
      int err = errno;
      if (err == ESRCH) throw error::ProcessExitedAlready();
      throw std::system_error(err, std::generic_category(), "signalProcess");
    }
    return;
  }
  if (pidfd_ < 0) throw error::ProcessExitedAlready();
  // Through the pidfd: never a recycled pid.
  if (::syscall(SYS_pidfd_send_signal, pidfd_, signalNumber, nullptr, 0) != 0) {
    int err = errno;
    if (err == ESRCH) throw error::ProcessExitedAlready();
    throw std::system_error(err, std::generic_category(), "signalProcess");
  }
}

std::shared_ptr<IProcessTransport> spawn(ReactorBase& reactor,
                                         std::shared_ptr<ProcessProtocol> protocol,
                                         std::string executable, std::vector<std::string> args,
                                         Environment env, std::string path,
                                         std::optional<ChildFDs> childFDs) {
  if (!protocol) throw std::invalid_argument("spawnProcess: null protocol");
  auto p = std::make_shared<Process>(reactor, protocol);
  p->spawn(executable, args, env, path, childFDs ? *childFDs : defaultChildFDs());
  reactor.holdKeepAlive(p->keepAlive_, p);
  p->held_ = true;
  {
    log::LoggingContextScope scope(p.get());
    try {
      protocol->makeConnection(static_cast<IProcessTransport*>(p.get()));
    } catch (...) {
      log::err(std::current_exception(), "Unhandled error in connectionMade");
    }
  }
  return p;
}

}  // namespace detail
}  // namespace process

std::shared_ptr<IProcessTransport> ReactorBase::spawnProcess(
    std::shared_ptr<ProcessProtocol> protocol, std::string executable,
    std::vector<std::string> args, process::Environment env, std::string path,
    std::optional<uid_t> uid, std::optional<gid_t> gid, bool usePTY,
    std::optional<process::ChildFDs> childFDs) {
  if (usePTY && childFDs) throw std::invalid_argument("spawnProcess: usePTY and childFDs together");
  // TODO(issue 12): uid/gid and usePTY are being implemented.
  if (uid || gid || usePTY)
    throw std::invalid_argument("spawnProcess: uid, gid and usePTY are not supported yet");
  return process::detail::spawn(*this, std::move(protocol), std::move(executable), std::move(args),
                                std::move(env), std::move(path), std::move(childFDs));
}

}  // namespace twisted::internet
