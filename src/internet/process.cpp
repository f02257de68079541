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
// A child that changes its user or group cannot be started by posix_spawn:
// that case alone forks, and the child makes only raw system calls before
// its exec (see forkChild). usePTY gives the child a new session whose
// controlling terminal is a pseudo-terminal's slave on fds 0, 1 and 2; the
// parent reads and writes the master through one pipe-mode Connection.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

  struct Identity {
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
  };
  void spawn(const std::string& executable, const std::vector<std::string>& args,
             const Environment& env, const std::string& path, const ChildFDs& childFDs,
             Identity ids, bool usePTY);

  // IProcessTransport
  std::optional<int> pid() const override {
    if (pid_ > 0) return pid_;
    return std::nullopt;
  }
  // A terminal has no separate stdin, stdout and stderr to close (Twisted's
  // PTYProcess ignores these too): loseConnection closes it.
  void closeStdin() override {
    if (!pty_) closeChildFD(0);
  }
  void closeStdout() override {
    if (!pty_) closeChildFD(1);
  }
  void closeStderr() override {
    if (!pty_) closeChildFD(2);
  }
  void closeChildFD(int childFD) override {
    auto it = pipes_.find(childFD);
    if (it == pipes_.end()) return;
    if (auto c = it->second.conn.lock()) c->loseConnection();
  }
  void writeToChild(int childFD, std::string_view data) override {
    if (pty_ && childFD == 0) return write(data);
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
    auto it = pipes_.find(pty_ ? 1 : 0);  // a terminal's master is read and written
    return it != pipes_.end() && (pty_ || it->second.writer) ? it->second.conn.lock() : nullptr;
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
  bool pty_ = false;  // usePTY: pipes_[1] is the terminal's master, read and written
  bool ended_ = false;
  bool held_ = false;  // the reactor's keep-alive was taken
  std::optional<Failure> exitReason_;
  std::map<int, Pipe> pipes_;
  Reaper reaper_{*this};
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor until processEnded

  friend std::shared_ptr<IProcessTransport> spawn(ReactorBase&, std::shared_ptr<ProcessProtocol>,
                                                  std::string, std::vector<std::string>,
                                                  Environment, std::string, std::optional<ChildFDs>,
                                                  Process::Identity, bool);
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

namespace {
// Twisted's child runs os.execvpe: a name without a slash is looked up in
// the child's own PATH (os.defpath, "/bin:/usr/bin", if it has none). Done
// here, before spawning: the first executable regular file wins, else the
// first that exists (its exec then fails with the reason), else the name.
std::string resolveExecutable(const std::string& executable, const Environment& env) {
  if (executable.empty() || executable.find('/') != std::string::npos) return executable;
  auto it = env.find("PATH");
  std::string_view dirs = it != env.end() ? std::string_view(it->second) : "/bin:/usr/bin";
  std::string existing;
  for (;;) {
    auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::string candidate = dir.empty() ? executable : std::string(dir) + "/" + executable;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (existing.empty()) existing = candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return existing.empty() ? executable : existing;
}

// What the forked child needs, prepared by the parent: after fork() in a
// threaded program the child may only make async-signal-safe calls, so
// nothing here allocates, locks or looks up a user.
struct ForkPlan {
  struct Dup {
    int from, to;
  };
  const char* program;
  char* const* argv;
  char* const* envp;
  const Dup* dups;
  std::size_t dupCount;
  const int* closeBelow;  // fds under the highest target the child was not given
  std::size_t closeCount;
  int keepFrom;          // close every fd from here up, but errorFd
  const char* ptySlave;  // usePTY: opened after setsid(), becomes fds 0-2
  const char* chdirTo;   // or null
  const gid_t* groups;   // set with the uid (initgroups), when setUid
  std::size_t groupCount;
  gid_t gid;
  bool setUid;
  uid_t uid;
  int errorFd;  // close-on-exec: EOF on success; {step, errno} on failure
};

// Why the forked child failed, as it tells the parent.
enum ForkStep : int { kExec = 0, kChdir, kGroups, kGid, kUid, kTerminal };

[[noreturn]] void forkChildFailed(int errorFd, int step) noexcept {
  int report[2] = {step, errno};
  (void)!::write(errorFd, report, sizeof report);
  ::_exit(1);  // as Twisted's child after its failed exec
}

[[noreturn]] void forkChild(const ForkPlan& plan) noexcept {
  auto fail = [&](int step) { forkChildFailed(plan.errorFd, step); };
  // Default dispositions and an empty mask, as the spawn attributes give.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (plan.ptySlave) {
    // A session leader opening a terminal without O_NOCTTY makes it its
    // controlling terminal.
    if (::setsid() < 0) fail(kTerminal);
    int fd = ::open(plan.ptySlave, O_RDWR);
    if (fd < 0) fail(kTerminal);
    for (int target = 0; target < 3; ++target)
      if (fd != target && ::dup2(fd, target) < 0) fail(kTerminal);
    if (fd > 2) ::close(fd);
  }
  for (std::size_t i = 0; i < plan.dupCount; ++i)
    if (::dup2(plan.dups[i].from, plan.dups[i].to) < 0) fail(kExec);
  for (std::size_t i = 0; i < plan.closeCount; ++i)
    ::close(plan.closeBelow[i]);
  if (plan.errorFd > plan.keepFrom) ::syscall(SYS_close_range, plan.keepFrom, plan.errorFd - 1, 0);
  ::syscall(SYS_close_range, plan.errorFd + 1, ~0U, 0);
  if (plan.chdirTo && ::chdir(plan.chdirTo) != 0) fail(kChdir);
  {
    // Raw system calls: glibc's wrappers would signal the parent's other
    // threads (they set the ids of every thread of a process).
    if (plan.setUid && ::syscall(SYS_setgroups, plan.groupCount, plan.groups) != 0) fail(kGroups);
    if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) fail(kGid);
    if (plan.setUid && ::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) fail(kUid);
  }
  ::execve(plan.program, plan.argv, plan.envp);
  forkChildFailed(plan.errorFd, kExec);
}

// The supplementary groups of `uid`'s user with `gid` (Twisted's
// initgroups(uid, gid)); just `gid` for a uid without a passwd entry.
std::vector<gid_t> groupsOf(uid_t uid, gid_t gid) {
  std::vector<char> buf(4096);
  passwd pw{};
  passwd* found = nullptr;
  while (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == ERANGE)
    buf.resize(buf.size() * 2);
  if (!found) return {gid};
  int n = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  while (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0)
    groups.resize(static_cast<std::size_t>(n));
  groups.resize(static_cast<std::size_t>(n));
  return groups;
}

// A pseudo-terminal's master (close-on-exec, non-blocking later by its
// Connection) and its slave's path.
std::pair<int, std::string> openPty() {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    throw std::system_error(errno, std::generic_category(), "spawnProcess: posix_openpt");
  char name[128];
  if (::grantpt(master) != 0 || ::unlockpt(master) != 0 ||
      ::ptsname_r(master, name, sizeof name) != 0) {
    int err = errno;
    ::close(master);
    throw std::system_error(err, std::generic_category(), "spawnProcess: pseudo-terminal");
  }
  return {master, name};
}
}  // namespace

void Process::spawn(const std::string& executable, const std::vector<std::string>& args,
                    const Environment& env, const std::string& path, const ChildFDs& givenFDs,
                    Identity ids, bool usePTY) {
  const std::string program = resolveExecutable(executable, env);
  // A terminal: the child's fds 0-2 are its slave, opened by the child.
  const ChildFDs childFDs = usePTY ? ChildFDs{} : givenFDs;
  std::string ptySlave;
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
    if (usePTY) {
      auto [master, slave] = openPty();
      parentEnds.push_back({1, master, false});
      ptySlave = std::move(slave);
    }
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
  std::vector<int> closeBelow;  // fds under the highest target that are not targets
  for (int fd = 0; fd < maxTarget; ++fd)
    if (!childFDs.count(fd) && !(usePTY && fd < 3)) closeBelow.push_back(fd);

  pid_t child = 0;
  int rc = 0;              // posix_spawn's error: no child
  std::string failedStep;  // the forked child's failure, if any (it exits 1)
  if (!ids.uid && !ids.gid) {
    FileActions actions;
    for (auto& s : sources)
      posix_spawn_file_actions_adddup2(&actions.a, s.fd, s.target);
    if (usePTY) {
      // After POSIX_SPAWN_SETSID (glibc starts the session before the file
      // actions): opened without O_NOCTTY, the slave becomes the
      // controlling terminal.
      posix_spawn_file_actions_addopen(&actions.a, 0, ptySlave.c_str(), O_RDWR, 0);
      posix_spawn_file_actions_adddup2(&actions.a, 0, 1);
      posix_spawn_file_actions_adddup2(&actions.a, 0, 2);
    }
    // Every descriptor the child was not given is closed: those below the
    // highest target that are not targets, and all above it.
    for (int fd : closeBelow)
      posix_spawn_file_actions_addclose(&actions.a, fd);
    posix_spawn_file_actions_addclosefrom_np(&actions.a, maxTarget + 1);
    if (!path.empty()) posix_spawn_file_actions_addchdir_np(&actions.a, path.c_str());

    SpawnAttr attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr.a, &none);
    posix_spawnattr_setsigdefault(&attr.a, &all);
    posix_spawnattr_setflags(&attr.a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                          (usePTY ? POSIX_SPAWN_SETSID : 0));
    rc = ::posix_spawn(&child, program.c_str(), &actions.a, &attr.a, argv.data(), envp.data());
  } else {
    // Twisted's _execChild: the missing one of uid and gid is this process's
    // effective one; the groups are the user's (initgroups) unless the uid
    // stays as it is.
    const uid_t uid = ids.uid.value_or(::geteuid());
    const gid_t gid = ids.gid.value_or(::getegid());
    const bool setUid = uid != ::getuid();
    std::vector<gid_t> groups = setUid ? groupsOf(uid, gid) : std::vector<gid_t>{};
    std::vector<ForkPlan::Dup> dups;
    for (auto& s : sources)
      dups.push_back({s.fd, s.target});
    int errorPipe[2];
    if (::pipe2(errorPipe, O_CLOEXEC) != 0) {
      int err = errno;
      closeSources();
      for (auto& p : parentEnds)
        ::close(p.fd);
      throw std::system_error(err, std::generic_category(), "spawnProcess: pipe");
    }
    // Above every target, so the child's dup2s never land on it.
    int errorFd = ::fcntl(errorPipe[1], F_DUPFD_CLOEXEC, maxTarget + 1);
    ::close(errorPipe[1]);
    ForkPlan plan{program.c_str(),
                  argv.data(),
                  envp.data(),
                  dups.data(),
                  dups.size(),
                  closeBelow.data(),
                  closeBelow.size(),
                  maxTarget + 1,
                  usePTY ? ptySlave.c_str() : nullptr,
                  path.empty() ? nullptr : path.c_str(),
                  groups.data(),
                  groups.size(),
                  gid,
                  setUid,
                  uid,
                  errorFd};
    child = errorFd < 0 ? -1 : ::fork();
    if (child == 0) forkChild(plan);
    int forkErr = errno;
    if (errorFd >= 0) ::close(errorFd);
    if (child < 0) {
      ::close(errorPipe[0]);
      closeSources();
      for (auto& p : parentEnds)
        ::close(p.fd);
      throw std::system_error(forkErr, std::generic_category(), "spawnProcess: fork");
    }
    int report[2] = {0, 0};
    ssize_t n;
    while ((n = ::read(errorPipe[0], report, sizeof report)) < 0 && errno == EINTR) {
    }
    ::close(errorPipe[0]);
    if (n == static_cast<ssize_t>(sizeof report)) {
      std::string reason = std::strerror(report[1]);
      switch (report[0]) {
        case kGroups:
          failedStep = "setgroups for uid " + std::to_string(uid) + ": " + reason;
          break;
        case kGid:
          failedStep = "setgid " + std::to_string(gid) + ": " + reason;
          break;
        case kUid:
          failedStep = "setuid " + std::to_string(uid) + ": " + reason;
          break;
        case kTerminal:
          failedStep = "the terminal " + ptySlave + ": " + reason;
          break;
        default:
          failedStep = reason;
      }
    }
  }
  if (rc != 0 || !failedStep.empty()) {
    // What Twisted's child writes to its stderr when its exec fails (the
    // pipe is empty, the message far below its capacity: never blocks). A
    // terminal's slave is opened for it: the master reads it.
    const std::string reason = rc != 0 ? std::string(std::strerror(rc)) : failedStep;
    const std::string message =
        "Upon exec of " + executable + (path.empty() ? "" : " in " + path) + ": " + reason + "\n";
    if (usePTY) {
      int slave = ::open(ptySlave.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (slave >= 0) {
        (void)!::write(slave, message.data(), message.size());
        ::close(slave);
      }
    }
    for (auto& s : sources)
      if (s.target == 2) (void)!::write(s.fd, message.data(), message.size());
    log::msg("spawnProcess: cannot run " + executable + (path.empty() ? "" : " in " + path) + ": " +
             reason);
  }
  closeSources();  // the child has its own copies; ours close, so EOFs reach us

  // The pipes, child or not: without a child, their other ends are closed,
  // so readers see EOF and writers EPIPE, as after a child's failed exec. A
  // terminal's master is one Connection, read and written (a copy of the fd
  // for writing: a Connection in pipe mode owns two).
  pty_ = usePTY;
  for (auto& p : parentEnds) {
    int writeFd = p.writer ? p.fd : -1;
    if (usePTY && (writeFd = ::fcntl(p.fd, F_DUPFD_CLOEXEC, 0)) < 0) {
      // No copy to write with: the terminal cannot be driven. The child (if
      // any) is left to be reaped; its output still arrives.
      log::msg(std::string("spawnProcess: cannot copy the terminal's master: ") +
               std::strerror(errno));
    }
    auto conn = std::make_shared<Connection>(
        reactor_, Connection::Pipes{p.writer ? -1 : p.fd, writeFd, true});
    auto proto = std::make_unique<PipeProtocol>(this, p.target);
    pipes_[p.target] = Pipe{conn, proto.get(), p.writer};
    Connection::start(conn, std::move(proto));
  }

  if (rc != 0) {
    // Twisted's child reports the failed exec on stderr and exits 1.
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
                                         std::optional<ChildFDs> childFDs, Process::Identity ids,
                                         bool usePTY) {
  if (!protocol) throw std::invalid_argument("spawnProcess: null protocol");
  auto p = std::make_shared<Process>(reactor, protocol);
  p->spawn(executable, args, env, path, childFDs ? *childFDs : defaultChildFDs(), ids, usePTY);
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
  // Twisted: "Using childFDs is not supported with usePTY=True."
  if (usePTY && childFDs) throw std::invalid_argument("spawnProcess: usePTY and childFDs together");
  return process::detail::spawn(*this, std::move(protocol), std::move(executable), std::move(args),
                                std::move(env), std::move(path), std::move(childFDs), {uid, gid},
                                usePTY);
}

}  // namespace twisted::internet
