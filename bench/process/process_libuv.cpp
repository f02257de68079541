// process_libuv: libuv's uv_spawn in the process benchmarks
// (bench/run_process.sh, docs/benchmarks-process.md); command line and
// output in process_common.h. libuv reaps with its SIGCHLD handler and
// waitpid; uv_spawn is fork + exec on Linux (libuv 1.44, Debian 12).
//
// spawn: uv_spawn of /bin/true with an empty environment, INFLIGHT at once;
// exit_cb checks exit status 0 and no signal. "pipes": UV_CREATE_PIPE for
// 0 (the child reads), 1 and 2 (it writes), stdout and stderr read to EOF,
// stdin closed at exit; the next child starts once the process handle and
// all three pipes are closed. "devnull": UV_INHERIT_FD of one /dev/null fd
// for 0, 1, 2.
//
// cat: one /bin/cat, stdin and stdout pipes, stderr inherited; one 64 KiB
// uv_write outstanding at a time (the next from its write_cb, the shape of
// a pull producer), stdin closed after the last; stdout read to EOF,
// counted.
#include <fcntl.h>
#include <uv.h>

#include <algorithm>
#include <vector>

#include "process_common.h"

namespace {

using namespace process_bench;
constexpr const char* kImpl = "libuv";

char* kTrueArgv[] = {const_cast<char*>("/bin/true"), nullptr};
char* kCatArgv[] = {const_cast<char*>("/bin/cat"), nullptr};
char* kEmptyEnv[] = {nullptr};
char gReadBuf[kChunk];

void allocCb(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(gReadBuf, kChunk);
}

// --- spawn -------------------------------------------------------------------

struct Spawner;
struct Slot {
  Spawner* sp;
  uv_process_t proc;
  uv_pipe_t in, out, err;
  int open = 0;  // handles not yet closed
};

struct Spawner {
  Args args;
  uv_loop_t* loop;
  int devnull = -1;
  long started = 0, ended = 0;
  std::vector<Slot> slots;
  void start(Slot& s);
};

void closedCb(uv_handle_t* h) {
  auto* s = static_cast<Slot*>(h->data);
  if (--s->open > 0) return;
  ++s->sp->ended;
  if (s->sp->started < s->sp->args.n) s->sp->start(*s);
}

void exitCb(uv_process_t* p, int64_t status, int signal) {
  auto* s = static_cast<Slot*>(p->data);
  if (status != 0 || signal != 0) fail(kImpl, "a child did not exit 0");
  if (s->sp->args.pipes) uv_close(reinterpret_cast<uv_handle_t*>(&s->in), closedCb);
  uv_close(reinterpret_cast<uv_handle_t*>(p), closedCb);
}

void readCb(uv_stream_t* st, ssize_t nread, const uv_buf_t*) {
  if (nread == 0) return;
  if (nread > 0) fail(kImpl, "/bin/true wrote something");
  if (nread != UV_EOF) fail(kImpl, "read");
  uv_close(reinterpret_cast<uv_handle_t*>(st), closedCb);
}

void Spawner::start(Slot& s) {
  ++started;
  s.sp = this;
  uv_process_options_t o{};
  uv_stdio_container_t stdio[3];
  o.file = "/bin/true";
  o.args = kTrueArgv;
  o.env = kEmptyEnv;
  o.exit_cb = exitCb;
  o.stdio = stdio;
  o.stdio_count = 3;
  if (args.pipes) {
    uv_pipe_t* pipes[3] = {&s.in, &s.out, &s.err};
    for (int i = 0; i < 3; ++i) {
      uv_pipe_init(loop, pipes[i], 0);
      pipes[i]->data = &s;
      stdio[i].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE |
                                                   (i == 0 ? UV_READABLE_PIPE : UV_WRITABLE_PIPE));
      stdio[i].data.stream = reinterpret_cast<uv_stream_t*>(pipes[i]);
    }
  } else {
    for (auto& c : stdio) {
      c.flags = UV_INHERIT_FD;
      c.data.fd = devnull;
    }
  }
  s.proc.data = &s;
  if (int rc = uv_spawn(loop, &s.proc, &o); rc != 0) fail(kImpl, uv_strerror(rc));
  s.open = 1;
  if (args.pipes) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&s.out), allocCb, readCb);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&s.err), allocCb, readCb);
    s.open = 4;
  }
}

int runSpawn(const Args& a) {
  Spawner sp;
  sp.args = a;
  sp.loop = uv_default_loop();
  if (!a.pipes) sp.devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  sp.slots.resize(static_cast<std::size_t>(a.inflight));
  Sample t0 = sample();
  for (auto& s : sp.slots)
    if (sp.started < a.n) sp.start(s);
  uv_run(sp.loop, UV_RUN_DEFAULT);
  Sample t1 = sample();
  if (sp.ended != a.n) fail(kImpl, "not every child ended");
  reportSpawn(kImpl, a, t0, t1);
  return 0;
}

// --- cat ---------------------------------------------------------------------

struct Cat {
  long long total, sent = 0, received = 0;
  bool exited = false, eof = false;
  uv_process_t proc;
  uv_pipe_t in, out;
  uv_write_t req;
} gCat;

void writeNext();
void writeCb(uv_write_t*, int status) {
  if (status != 0) fail(kImpl, "write");
  writeNext();
}
void writeNext() {
  if (gCat.sent == gCat.total) {
    uv_close(reinterpret_cast<uv_handle_t*>(&gCat.in), nullptr);  // cat reads EOF
    return;
  }
  auto n = static_cast<unsigned>(std::min<long long>(kChunk, gCat.total - gCat.sent));
  gCat.sent += n;
  uv_buf_t b = uv_buf_init(const_cast<char*>(chunk()), n);
  uv_write(&gCat.req, reinterpret_cast<uv_stream_t*>(&gCat.in), &b, 1, writeCb);
}
void catRead(uv_stream_t* st, ssize_t nread, const uv_buf_t*) {
  if (nread > 0) {
    gCat.received += nread;
  } else if (nread == UV_EOF) {
    gCat.eof = true;
    uv_close(reinterpret_cast<uv_handle_t*>(st), nullptr);
  } else if (nread < 0) {
    fail(kImpl, "read");
  }
}
void catExit(uv_process_t* p, int64_t status, int signal) {
  if (status != 0 || signal != 0) fail(kImpl, "cat did not exit 0");
  gCat.exited = true;
  uv_close(reinterpret_cast<uv_handle_t*>(p), nullptr);
}

int runCat(const Args& a) {
  uv_loop_t* loop = uv_default_loop();
  gCat.total = a.bytes;
  Sample t0 = sample();
  uv_pipe_init(loop, &gCat.in, 0);
  uv_pipe_init(loop, &gCat.out, 0);
  uv_stdio_container_t stdio[3];
  stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
  stdio[0].data.stream = reinterpret_cast<uv_stream_t*>(&gCat.in);
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&gCat.out);
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  uv_process_options_t o{};
  o.file = "/bin/cat";
  o.args = kCatArgv;
  o.env = kEmptyEnv;
  o.exit_cb = catExit;
  o.stdio = stdio;
  o.stdio_count = 3;
  if (int rc = uv_spawn(loop, &gCat.proc, &o); rc != 0) fail(kImpl, uv_strerror(rc));
  uv_read_start(reinterpret_cast<uv_stream_t*>(&gCat.out), allocCb, catRead);
  writeNext();
  uv_run(loop, UV_RUN_DEFAULT);
  Sample t1 = sample();
  if (!gCat.exited || !gCat.eof) fail(kImpl, "cat did not end");
  if (gCat.sent != a.bytes || gCat.received != a.bytes) fail(kImpl, "byte count is not exact");
  reportCat(kImpl, a, t0, t1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parseArgs(argc, argv);
  return a.test == Args::Test::Spawn ? runSpawn(a) : runCat(a);
}
