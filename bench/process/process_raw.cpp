// process_raw: the hand-written reference of the process benchmarks
// (bench/run_process.sh, docs/benchmarks-process.md): what a careful C
// programmer writes with no framework. Command line and output in
// process_common.h.
//
// spawn: posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) of /bin/true with
// an empty environment, pidfd_open, one epoll set; a readable pidfd is
// reaped with waitid(P_PIDFD) and its exit status checked. INFLIGHT at once.
// "pipes": three pipe2(O_CLOEXEC) per child mapped to 0, 1, 2 with dup2
// spawn actions (the same childFDs as Twisted's default); stdout and stderr
// are read to EOF, stdin is closed once the child exited, and the next child
// starts when all three are done. Each fd leaves the epoll set with
// EPOLL_CTL_DEL before its close (see drop()). "devnull": one /dev/null fd dup2'ed to
// 0, 1, 2; done when reaped. No other spawn attribute (the parent has no
// signal handler and no other fd without O_CLOEXEC).
//
// cat: one /bin/cat, stdin and stdout pipes (the parent's ends O_NONBLOCK),
// stderr inherited; epoll for both: write 64 KiB chunks until EAGAIN, read
// 64 KiB until a short read, close stdin after the last byte, reap at EOF.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "process_common.h"

extern char** environ;

namespace {

using namespace process_bench;
constexpr const char* kImpl = "raw";

char* const kTrueArgv[] = {const_cast<char*>("true"), nullptr};
char* const kCatArgv[] = {const_cast<char*>("cat"), nullptr};
char* const kEmptyEnv[] = {nullptr};

int pidfdOpen(pid_t pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // always close-on-exec
  if (fd < 0) fail(kImpl, "pidfd_open");
  return fd;
}

void reap(int pidfd) {
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) != 0) fail(kImpl, "waitid");
  if (info.si_code != CLD_EXITED || info.si_status != 0) fail(kImpl, "a child did not exit 0");
}

// --- spawn -------------------------------------------------------------------

// epoll data: slot << 2 | what (0 pidfd, 1 stdout, 2 stderr).
struct Slot {
  int pidfd = -1, in = -1, out = -1, err = -1;
  int open = 0;  // pidfd + pipes still to finish
};

struct Spawner {
  Args args;
  int ep = -1, devnull = -1;
  long started = 0, ended = 0;
  std::vector<Slot> slots;

  void add(int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) fail(kImpl, "epoll_ctl");
  }

  void start(std::size_t i) {
    ++started;
    Slot& s = slots[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int in[2], out[2], err[2];
    if (args.pipes) {
      if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        fail(kImpl, "pipe2");
      posix_spawn_file_actions_adddup2(&fa, in[0], 0);
      posix_spawn_file_actions_adddup2(&fa, out[1], 1);
      posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    } else {
      for (int fd = 0; fd < 3; ++fd)
        posix_spawn_file_actions_adddup2(&fa, devnull, fd);
    }
    pid_t pid;
    if (::posix_spawn(&pid, "/bin/true", &fa, nullptr, kTrueArgv, kEmptyEnv) != 0)
      fail(kImpl, "posix_spawn");
    posix_spawn_file_actions_destroy(&fa);
    s.pidfd = pidfdOpen(pid);
    add(s.pidfd, i << 2);
    s.open = 1;
    if (args.pipes) {
      ::close(in[0]);
      ::close(out[1]);
      ::close(err[1]);
      s.in = in[1];
      s.out = out[0];
      s.err = err[0];
      add(s.out, i << 2 | 1);
      add(s.err, i << 2 | 2);
      s.open = 3;
    }
  }

  // EPOLL_CTL_DEL before close: closing alone does not take an fd out of the
  // epoll set while another open file refers to it, and a child spawned a
  // moment ago may still hold a copy (exec lets the vfork parent go before
  // it closes the close-on-exec fds); the stale registration then reports
  // events for a recycled fd number. (Without this, runs fail.)
  void drop(int fd) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
  }

  void finishOne(std::size_t i) {
    if (--slots[i].open > 0) return;
    ++ended;
    if (started < args.n) start(i);
  }

  void run() {
    slots.resize(static_cast<std::size_t>(args.inflight));
    for (std::size_t i = 0; i < slots.size() && started < args.n; ++i)
      start(i);
    epoll_event evs[64];
    char buf[kChunk];
    while (ended < args.n) {
      int n = ::epoll_wait(ep, evs, 64, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail(kImpl, "epoll_wait");
      }
      for (int k = 0; k < n; ++k) {
        std::size_t i = evs[k].data.u64 >> 2;
        Slot& s = slots[i];
        switch (evs[k].data.u64 & 3) {
          case 0:  // exited
            reap(s.pidfd);
            drop(s.pidfd);
            s.pidfd = -1;
            if (s.in >= 0) ::close(s.in);
            s.in = -1;
            finishOne(i);
            break;
          case 1:
          case 2: {
            int& fd = (evs[k].data.u64 & 3) == 1 ? s.out : s.err;
            ssize_t r = ::read(fd, buf, sizeof buf);
            if (r > 0) fail(kImpl, "/bin/true wrote something");
            if (r < 0) fail(kImpl, "read");
            drop(fd);  // EOF
            fd = -1;
            finishOne(i);
            break;
          }
        }
      }
    }
  }
};

int runSpawn(const Args& a) {
  Spawner s;
  s.args = a;
  s.ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (!a.pipes) s.devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  Sample t0 = sample();
  s.run();
  Sample t1 = sample();
  if (s.ended != a.n) fail(kImpl, "not every child ended");
  reportSpawn(kImpl, a, t0, t1);
  return 0;
}

// --- cat ---------------------------------------------------------------------

int runCat(const Args& a) {
  Sample t0 = sample();
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC)) fail(kImpl, "pipe2");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  pid_t pid;
  if (::posix_spawn(&pid, "/bin/cat", &fa, nullptr, kCatArgv, kEmptyEnv) != 0)
    fail(kImpl, "posix_spawn");
  posix_spawn_file_actions_destroy(&fa);
  int pidfd = pidfdOpen(pid);
  ::close(in[0]);
  ::close(out[1]);
  int wfd = in[1], rfd = out[0];
  ::fcntl(wfd, F_SETFL, O_NONBLOCK);
  ::fcntl(rfd, F_SETFL, O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u32 = 0;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, wfd, &ev);
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev);

  long long sent = 0, received = 0;
  const char* data = chunk();
  static char buf[kChunk];
  epoll_event evs[2];
  while (rfd >= 0) {
    int n = ::epoll_wait(ep, evs, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(kImpl, "epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      if (evs[k].data.u32 == 0 && wfd >= 0) {
        while (sent < a.bytes) {
          auto len = static_cast<std::size_t>(std::min<long long>(kChunk, a.bytes - sent));
          ssize_t w = ::write(wfd, data, len);
          if (w < 0) {
            if (errno == EAGAIN) break;
            fail(kImpl, "write");
          }
          sent += w;
        }
        if (sent == a.bytes) {
          ::close(wfd);  // cat reads EOF; also leaves the epoll set
          wfd = -1;
        }
      } else if (evs[k].data.u32 == 1 && rfd >= 0) {
        for (;;) {
          ssize_t r = ::read(rfd, buf, sizeof buf);
          if (r < 0) {
            if (errno == EAGAIN) break;
            fail(kImpl, "read");
          }
          if (r == 0) {
            ::close(rfd);
            rfd = -1;
            break;
          }
          received += r;
          if (static_cast<std::size_t>(r) < sizeof buf) break;
        }
      }
    }
  }
  reap(pidfd);
  ::close(pidfd);
  Sample t1 = sample();
  if (sent != a.bytes || received != a.bytes) fail(kImpl, "byte count is not exact");
  reportCat(kImpl, a, t0, t1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parseArgs(argc, argv);
  return a.test == Args::Test::Spawn ? runSpawn(a) : runCat(a);
}
