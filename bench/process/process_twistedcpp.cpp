// process_twistedcpp: our peer in the process benchmarks (bench/run_process.sh,
// docs/benchmarks-process.md); command line and output in process_common.h.
//
// spawn: reactor().spawnProcess of /bin/true with an empty environment,
// INFLIGHT at once; each processEnded checks ProcessDone (exit 0) and
// starts the next, until N ended. "pipes" is spawnProcess's default childFDs
// (stdin, stdout, stderr pipes: processEnded once both outputs reached EOF);
// "devnull" passes a /dev/null fd as the child's 0, 1 and 2 (childFDs with
// ints: no pipes).
//
// cat: one /bin/cat; a pull producer (registerProducer(p, false), as
// Twisted's FileSender) writes 64 KiB each time stdin's buffer drained,
// then closeStdin; outReceived counts what comes back. processEnded checks
// ProcessDone and that exactly BYTES came back.
//
// The epoll reactor, run(false) (no signal handlers: reaping is a pidfd).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/process.h>
#include <twisted/internet/reactor.h>

#include "process_common.h"

namespace {

namespace internet = twisted::internet;
using internet::ProcessProtocol;
using twisted::python::Failure;
using namespace process_bench;

constexpr const char* kImpl = "twistedcpp";

// --- spawn -------------------------------------------------------------------

struct SpawnDriver {
  Args args;
  int devnull = -1;
  long started = 0, ended = 0;
  void startOne();
};

class TrueProtocol final : public ProcessProtocol {
 public:
  explicit TrueProtocol(SpawnDriver& d) : d_(d) {}
  void processEnded(const Failure& reason) override {
    if (!reason.check<internet::error::ProcessDone>()) fail(kImpl, "a child did not exit 0");
    ++d_.ended;
    if (d_.started < d_.args.n)
      d_.startOne();
    else if (d_.ended == d_.args.n)
      internet::reactor().stop();
  }

 private:
  SpawnDriver& d_;
};

void SpawnDriver::startOne() {
  ++started;
  auto proto = std::make_shared<TrueProtocol>(*this);
  if (args.pipes) {
    internet::reactor().spawnProcess(proto, "/bin/true", {"true"});
  } else {
    internet::process::ChildFDs fds{{0, devnull}, {1, devnull}, {2, devnull}};
    internet::reactor().spawnProcess(proto, "/bin/true", {"true"}, {}, {}, fds);
  }
}

int runSpawn(const Args& a) {
  SpawnDriver d{a};
  if (!a.pipes) d.devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  Sample t0{}, t1{};
  internet::reactor().callWhenRunning([&] {
    t0 = sample();
    for (int i = 0; i < a.inflight && d.started < a.n; ++i)
      d.startOne();
  });
  internet::reactor().run(false);
  t1 = sample();
  if (d.ended != a.n) fail(kImpl, "not every child ended");
  reportSpawn(kImpl, a, t0, t1);
  return 0;
}

// --- cat ---------------------------------------------------------------------

class CatProtocol final : public ProcessProtocol, public internet::IPullProducer {
 public:
  explicit CatProtocol(long long bytes) : total_(bytes) {}
  void connectionMade() override { transport->registerProducer(this, false); }
  // IPullProducer: one chunk per call; after the last, close stdin.
  void resumeProducing() override {
    if (sent_ >= total_) return;
    auto n = static_cast<std::size_t>(std::min<long long>(kChunk, total_ - sent_));
    sent_ += static_cast<long long>(n);
    transport->write(std::string_view(chunk(), n));
    if (sent_ == total_) {
      transport->unregisterProducer();
      processTransport()->closeStdin();
    }
  }
  void stopProducing() override {}
  void outReceived(std::string_view data) override {
    received_ += static_cast<long long>(data.size());
  }
  void errReceived(std::string_view) override { fail(kImpl, "cat wrote to stderr"); }
  void processEnded(const Failure& reason) override {
    if (!reason.check<internet::error::ProcessDone>()) fail(kImpl, "cat did not exit 0");
    if (sent_ != total_ || received_ != total_) fail(kImpl, "byte count is not exact");
    done = true;
    internet::reactor().stop();
  }
  bool done = false;

 private:
  long long total_, sent_ = 0, received_ = 0;
};

int runCat(const Args& a) {
  auto proto = std::make_shared<CatProtocol>(a.bytes);
  Sample t0{}, t1{};
  internet::reactor().callWhenRunning([&] {
    t0 = sample();
    internet::reactor().spawnProcess(proto, "/bin/cat", {"cat"});
  });
  internet::reactor().run(false);
  t1 = sample();
  if (!proto->done) fail(kImpl, "cat did not end");
  reportCat(kImpl, a, t0, t1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parseArgs(argc, argv);
  try {
    internet::installReactor(internet::makeReactor("epoll"));
    return a.test == Args::Test::Spawn ? runSpawn(a) : runCat(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kImpl, e.what());
    return 1;
  }
}
