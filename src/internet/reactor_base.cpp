// The shared reactor machinery. Test: tests/internet/test_reactor.cpp
#include <twisted/internet/reactor_base.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/threaded_resolver.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>
#include <twisted/python/threadpool.h>

#include "system_event_triggers.h"

namespace twisted::internet {

using python::Failure;
using python::detail::UniqueFunction;
namespace log = python::log;

namespace main {
const Failure& CONNECTION_DONE() {
  static const Failure f{error::ConnectionDone()};
  return f;
}
const Failure& CONNECTION_LOST() {
  static const Failure f{error::ConnectionLost()};
  return f;
}
}  // namespace main

namespace {

double monotonicSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs a user callback: an exception is logged and never escapes the loop
// (seed 004 part 3: a failing callback does not stop the reactor).
template <class F>
void callLogged(F&& f, std::string_view why) noexcept {
  try {
    f();
  } catch (...) {
    log::err(Failure(std::current_exception()), why);
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Delayed calls

class ReactorBase::Timers final : public detail::TimerQueue {
 public:
  explicit Timers(const ReactorBase* r) : r_(r) {}
  double now() const override { return r_->seconds(); }

 private:
  const ReactorBase* r_;
};

double ReactorBase::seconds() const {
  return clock_ ? clock_() : monotonicSeconds();
}

void ReactorBase::scheduleEntry(double delay, detail::TimerEntry* entry) {
  if (!(delay >= 0))  // also rejects NaN
    throw std::invalid_argument(std::to_string(delay) +
                                " is not greater than or equal to 0 seconds");
  if (started_ && !isInIOThread())
    throw std::logic_error("callLater called outside the reactor thread; use callFromThread");
  const double now = seconds();
  lastNow_ = now;
  timers_->push(entry, now + delay);
}

std::vector<DelayedCall> ReactorBase::getDelayedCalls() const {
  std::vector<DelayedCall> calls;
  calls.reserve(timers_->size());
  timers_->forEach([&](detail::TimerEntry* e) { calls.emplace_back(e); });
  return calls;
}

void ReactorBase::runDelayedCalls() {
  if (timers_->empty()) return;
  const double now = seconds();  // the pass's one clock reading
  lastNow_ = now;
  // Calls scheduled (or reset) while this phase runs get a sequence number at
  // or above the cutoff and wait for the next iteration, even if already due:
  // a callLater(0) chain cannot starve I/O.
  const std::uint64_t cutoff = timers_->nextSeq();
  while (!timers_->empty() && timers_->topTime() <= now && timers_->topSeq() < cutoff) {
    detail::TimerEntry* e = timers_->pop();  // the queue's reference is now ours
    e->state = detail::TimerEntry::State::kCalled;
    callLogged([e] { e->invoke(); }, "Unhandled error in a delayed call");
    e->release();
    detail::unref(e);
  }
}

// ---------------------------------------------------------------------------
// System events

// The table: system_event_triggers.h.

TriggerId ReactorBase::addTriggerImpl(std::string_view phase, std::string_view eventType,
                                      UniqueFunction f) {
  return events_->add(phase, eventType, std::move(f));
}

void ReactorBase::removeSystemEventTrigger(TriggerId id) {
  events_->remove(id);
}

void ReactorBase::fireSystemEvent(std::string_view eventType) {
  events_->fire(eventType);
}

std::function<void()> ReactorBase::delaySystemEvent() {
  return events_->delay();
}

std::optional<TriggerId> ReactorBase::callWhenRunningImpl(UniqueFunction f) {
  if (running_) {
    f();
    return std::nullopt;
  }
  return addTriggerImpl("after", "startup", std::move(f));
}

// ---------------------------------------------------------------------------
// Waker: an eventfd the loop watches so another thread (or a signal handler)
// can interrupt a blocking wait. Internal: excluded from getReaders/removeAll.

class ReactorBase::Waker final : public IReadDescriptor {
 public:
  Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ~Waker() override { ::close(fd_); }
  int fileno() const override { return fd_; }
  // Async-signal-safe: called from signal handlers too.
  void wakeUp() const noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
  }
  DescriptorResult doRead() override {
    std::uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(fd_, &count, sizeof count);
    return std::nullopt;
  }
  void connectionLost(const Failure&) override {}
  std::string logPrefix() const override { return "Waker"; }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------
// Signals (IReactorSignals). The process-wide handler only sets the signal's
// pending flag and writes the owning reactor's waker (both async-signal-safe);
// handleSignals, the loop's first phase, runs the handlers.
//
// The waker is a self-pipe (an eventfd), not a signalfd: a signalfd sees a
// signal only while it is blocked in every thread of the process (else a
// thread that has it unblocked takes it with its default action), and a
// library cannot block signals in threads it did not start.

namespace {
// Indexed by signal number; lock-free atomics, so usable in a signal handler.
std::atomic<bool> g_pending[NSIG];
// The owning reactor's waker fd plus one: the zero-initialised table means
// "no owner" before any constructor has run.
std::atomic<int> g_wakeFdPlusOne[NSIG];
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// The reactor owning each signal (IReactorSignals' rule). Never read by the
// signal handler; the mutex orders two reactors claiming one from two threads.
std::mutex g_ownersMutex;
const void* g_owners[NSIG];

extern "C" void twistedSignalHandler(int sig) {
  const int savedErrno = errno;  // the interrupted code may be about to read it
  g_pending[sig].store(true, std::memory_order_release);
  if (int fd = g_wakeFdPlusOne[sig].load(std::memory_order_acquire) - 1; fd >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
  }
  errno = savedErrno;
}

bool ownedByAnother(int sig, const void* self) {
  std::lock_guard lock(g_ownersMutex);
  return g_owners[sig] && g_owners[sig] != self;
}
}  // namespace

struct ReactorBase::SignalState {
  struct Handler {
    SignalHandlerId id;
    int signum;
    std::function<void(int)> fn;
    bool removed = false;  // seen by a dispatch already holding it
  };
  // A signal this reactor owns, and the disposition its first handler replaced.
  struct Owned {
    int signum;
    struct sigaction previous;
  };
  // Shared, so a dispatch keeps the handler it is calling alive while that
  // handler adds or removes others.
  std::vector<std::shared_ptr<Handler>> handlers;  // registration order
  std::vector<Owned> owned;
  std::uint64_t nextId = 1;
  int wakeFd = -1;
  std::vector<SignalHandlerId> shutdownHandlers;  // run()'s SIGINT/SIGTERM ones
};

SignalHandlerId ReactorBase::addSignalHandler(int signum, std::function<void(int)> handler) {
  if (signum <= 0 || signum >= NSIG)
    throw std::invalid_argument("addSignalHandler: no signal " + std::to_string(signum));
  // SIGKILL and SIGSTOP cannot be caught; after a fault's handler returns the
  // faulting instruction runs again, so it cannot wait for the loop.
  for (int bad : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    if (signum == bad)
      throw std::invalid_argument(std::string("addSignalHandler: ") + ::strsignal(signum) +
                                  " cannot be handled in the reactor loop");
  if (!handler) throw std::logic_error("addSignalHandler: empty handler");
  SignalState& st = *signals_;
  auto owns = [&] {
    return std::any_of(st.owned.begin(), st.owned.end(),
                       [&](const SignalState::Owned& o) { return o.signum == signum; });
  };
  if (!owns()) {
    std::lock_guard lock(g_ownersMutex);
    if (g_owners[signum])
      throw std::logic_error(std::string("addSignalHandler: ") + ::strsignal(signum) +
                             " is handled by another reactor");
    // Forget a delivery meant for a previous owner; wake us from now on.
    g_pending[signum].store(false, std::memory_order_relaxed);
    g_wakeFdPlusOne[signum].store(st.wakeFd + 1, std::memory_order_release);
    struct sigaction sa {};
    sa.sa_handler = twistedSignalHandler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // other threads' system calls are not interrupted
    SignalState::Owned owned{signum, {}};
    if (::sigaction(signum, &sa, &owned.previous) != 0) {
      int err = errno;
      g_wakeFdPlusOne[signum].store(0, std::memory_order_release);
      throw std::system_error(err, std::generic_category(),
                              "addSignalHandler: sigaction(" + std::to_string(signum) + ")");
    }
    g_owners[signum] = this;
    st.owned.push_back(owned);
  }
  SignalHandlerId id{st.nextId++};
  st.handlers.push_back(
      std::make_shared<SignalState::Handler>(SignalState::Handler{id, signum, std::move(handler)}));
  return id;
}

bool ReactorBase::removeSignalHandler(SignalHandlerId id) {
  SignalState& st = *signals_;
  auto it = std::find_if(st.handlers.begin(), st.handlers.end(),
                         [&](const auto& h) { return h->id == id; });
  if (it == st.handlers.end()) return false;
  (*it)->removed = true;
  const int signum = (*it)->signum;
  st.handlers.erase(it);
  if (std::none_of(st.handlers.begin(), st.handlers.end(),
                   [&](const auto& h) { return h->signum == signum; }))
    releaseSignal(signum);
  return true;
}

// The last handler of `signum` is gone: put back the disposition it replaced.
void ReactorBase::releaseSignal(int signum) noexcept {
  SignalState& st = *signals_;
  auto it = std::find_if(st.owned.begin(), st.owned.end(),
                         [&](const SignalState::Owned& o) { return o.signum == signum; });
  if (it == st.owned.end()) return;
  std::lock_guard lock(g_ownersMutex);
  ::sigaction(signum, &it->previous, nullptr);
  // After the restore: a delivery racing with it still finds our waker open.
  g_wakeFdPlusOne[signum].store(0, std::memory_order_release);
  g_pending[signum].store(false, std::memory_order_relaxed);
  g_owners[signum] = nullptr;
  st.owned.erase(it);
}

void ReactorBase::handleSignals() {
  SignalState& st = *signals_;
  // The common case, every iteration: a relaxed load per owned signal.
  bool any = false;
  for (const SignalState::Owned& o : st.owned)
    any |= g_pending[o.signum].load(std::memory_order_relaxed);
  if (!any) return;
  std::vector<int> signums;  // handlers may release (and so erase) owned signals
  for (const SignalState::Owned& o : st.owned)
    signums.push_back(o.signum);
  for (int signum : signums) {
    auto stillOwned = std::any_of(st.owned.begin(), st.owned.end(),
                                  [&](const SignalState::Owned& o) { return o.signum == signum; });
    if (!stillOwned || !g_pending[signum].exchange(false, std::memory_order_acquire)) continue;
    std::vector<std::shared_ptr<SignalState::Handler>> batch;
    for (const auto& h : st.handlers)
      if (h->signum == signum) batch.push_back(h);
    for (const auto& h : batch)
      if (!h->removed) callLogged([&] { h->fn(signum); }, "Unhandled error in a signal handler");
  }
}

// Twisted's _SignalReactorMixin._handleSignals: SIGINT only if nobody took it
// over (it is at its default disposition), SIGTERM always. A signal another
// reactor owns is left to it: the first reactor to run() with signal
// handlers keeps them until it stops.
void ReactorBase::installShutdownHandlers() {
  auto shutdown = [this](int signum) {
    log::msg(std::string("Received ") + (signum == SIGINT ? "SIGINT" : "SIGTERM") +
             ", shutting down.");
    if (started_ && !stopped_) stop();
  };
  struct sigaction sigint {};
  ::sigaction(SIGINT, nullptr, &sigint);
  if (sigint.sa_handler == SIG_DFL && !ownedByAnother(SIGINT, this))
    signals_->shutdownHandlers.push_back(addSignalHandler(SIGINT, shutdown));
  if (!ownedByAnother(SIGTERM, this))
    signals_->shutdownHandlers.push_back(addSignalHandler(SIGTERM, shutdown));
}

// Removes the handlers installShutdownHandlers added.
void ReactorBase::restoreSignals() noexcept {
  for (SignalHandlerId id : signals_->shutdownHandlers)
    removeSignalHandler(id);
  signals_->shutdownHandlers.clear();
}

// ---------------------------------------------------------------------------
// Construction

ReactorBase::ReactorBase(ReactorOptions options)
    : clock_(std::move(options.clock)),
      timers_(std::make_unique<Timers>(this)),
      events_(std::make_unique<detail::SystemEventTriggers>()),
      signals_(std::make_unique<SignalState>()),
      loopThread_(std::this_thread::get_id()) {
  // Twisted's ReactorBase.__init__: "during startup" sets running() before
  // any trigger added later runs; shutdown ends the loop and disconnects
  // every descriptor; the thread pool's stop trigger is added when it exists.
  addSystemEventTrigger("during", "startup", [this] { reallyStartRunning(); });
  addSystemEventTrigger("during", "shutdown", [this] { crash(); });
  addSystemEventTrigger("during", "shutdown", [this] { disconnectAll(); });
  // The pool exists from the start (it has no thread until work arrives), so
  // callInThread from any thread never races with creating it.
  threadPool_ =
      std::make_unique<python::ThreadPool>(0, threadPoolSize_, "twisted.internet.reactor");
  callWhenRunning([this] { threadPool_->start(); });
  addSystemEventTrigger("during", "shutdown", [this] { threadPool_->stop(); });
}

void ReactorBase::initWaker() {
  waker_ = std::make_unique<Waker>();
  signals_->wakeFd = waker_->fileno();
  addReader(waker_.get());
}

ReactorBase::~ReactorBase() {
  if (threadPool_) threadPool_->stop();
  // Thread calls never run are destroyed (the pool's threads are joined, so
  // nobody else queues any now).
  threadCalls_.discardQueued();
  threadCalls_.waitForWakers();  // a thread whose call ran may still be writing the waker
  // Before the waker closes (a member destroyed after this body).
  signals_->handlers.clear();
  while (!signals_->owned.empty())
    releaseSignal(signals_->owned.back().signum);
  // Backends close their own fds in their destructors, which ran already.
}

bool ReactorBase::isInIOThread() const noexcept {
  return std::this_thread::get_id() == loopThread_.load(std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------
// Core: run, stop, crash, iterate

void ReactorBase::startRunning(bool installSignalHandlers) {
  if (started_) throw error::ReactorAlreadyRunning();
  if (startedBefore_) throw error::ReactorNotRestartable();
  started_ = true;
  stopped_ = false;
  loopThread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  if (installSignalHandlers) installShutdownHandlers();
  fireSystemEvent("startup");
}

void ReactorBase::reallyStartRunning() {
  running_ = true;
}

void ReactorBase::run(bool installSignalHandlers) {
  startRunning(installSignalHandlers);
  mainLoop();
}

void ReactorBase::mainLoop() {
  while (started_) {
    runUntilCurrent();
    if (!started_) break;
    doIteration(running_ ? timeout() : 0);
  }
  restoreSignals();
  log::msg("Main loop terminated.");
}

void ReactorBase::stop() {
  if (stopped_ || !started_) throw error::ReactorNotRunning();
  stopped_ = true;
  justStopped_ = true;
  startedBefore_ = true;
}

void ReactorBase::crash() {
  started_ = false;
  running_ = false;
  // As Twisted: the next run() fires "startup" again; our own trigger, used
  // up by the last one, goes back ahead of any added from now on.
  addSystemEventTrigger("during", "startup", [this] { reallyStartRunning(); });
}

void ReactorBase::iterate(double delay) {
  runUntilCurrent();
  doIteration(delay);
}

void ReactorBase::runUntilCurrent() {
  handleSignals();
  runThreadCalls();
  runDelayedCalls();
  if (justStopped_) {
    justStopped_ = false;
    fireSystemEvent("shutdown");
  }
}

double ReactorBase::timeout() const {
  if (threadCalls_.queued() || justStopped_) return 0;
  if (timers_->empty()) return -1;  // nothing due: block until I/O (zero CPU)
  const double top = timers_->topTime();
  // Already due at the last reading (a callLater(0) from a call that just
  // ran, say): no need to read the clock again. If a fake clock went back,
  // the next pass reads it and finds nothing due; one extra zero-timeout poll.
  if (top <= lastNow_) return 0;
  double t = top - seconds();
  return std::clamp(t, 0.0, 2147483.0);
}

// ---------------------------------------------------------------------------
// Thread calls (the queue: detail/thread_call_queue.h)

void ReactorBase::queueThreadCall(UniqueFunction f) {
  // One wake-up per batch: while the queue is non-empty a wake-up is already
  // pending, and the loop thread itself never blocks with calls queued.
  // A thread other than the loop's claims its wake-up (see ThreadCallQueue):
  // the loop may run the call, stop and be destroyed before the write below
  // returns, and the destructor must not close the eventfd under it.
  if (isInIOThread()) {
    threadCalls_.push(std::move(f));
  } else if (threadCalls_.push(std::move(f), /*claimWake=*/true)) {
    wakeUp();
    threadCalls_.wakeDone();
  }
}

void ReactorBase::runThreadCalls() {
  threadCalls_.runQueued();
}

void ReactorBase::wakeUp() noexcept {
  if (waker_) waker_->wakeUp();
}

// ---------------------------------------------------------------------------
// Thread pool

python::ThreadPool& ReactorBase::getThreadPool() {
  return *threadPool_;
}

void ReactorBase::suggestThreadPoolSize(int size) {
  threadPool_->adjustPoolsize(0, size);
}

void ReactorBase::queueInThreadPool(UniqueFunction f) {
  threadPool_->submit(std::move(f));
}

// ---------------------------------------------------------------------------
// Name resolution

std::shared_ptr<IResolverSimple> ReactorBase::installResolver(
    std::shared_ptr<IResolverSimple> newResolver) {
  if (!newResolver) throw std::invalid_argument("installResolver: null resolver");
  std::shared_ptr<IResolverSimple> old = resolver();
  resolver_ = std::move(newResolver);
  return old;
}

std::shared_ptr<IResolverSimple> ReactorBase::resolver() {
  // Lazily, so a reactor that never resolves a name never makes one.
  if (!resolver_) resolver_ = std::make_shared<ThreadedResolver>(*this);
  return resolver_;
}

defer::Deferred<std::string> ReactorBase::resolve(const std::string& name, double timeout) {
  if (name.empty()) return defer::succeed(std::string("0.0.0.0"));
  unsigned char buf[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, name.c_str(), buf) == 1 || ::inet_pton(AF_INET6, name.c_str(), buf) == 1)
    return defer::succeed(name);
  return defer::maybeDeferred([&] { return resolver()->getHostByName(name, timeout); });
}

// ---------------------------------------------------------------------------
// FD set

namespace {
IFileDescriptor* asFile(IReadDescriptor* r) {
  return r;
}
IFileDescriptor* asFile(IWriteDescriptor* w) {
  return w;
}
}  // namespace

std::uint32_t ReactorBase::interestOf(int fd) const noexcept {
  return fd >= 0 && static_cast<std::size_t>(fd) < slots_.size() ? slots_[fd].mask : 0;
}

void ReactorBase::setInterest(int fd, Slot& s) {
  std::uint32_t mask = (s.reader ? kWantRead : 0) | (s.writer ? kWantWrite : 0);
  if (mask == s.mask) return;
  std::uint32_t old = s.mask;
  if (old == 0 && registrationFault_) {
    if (int err = registrationFault_(fd, (mask & kWantRead) != 0)) {
      throw std::system_error(err, std::generic_category(),
                              "registering fd " + std::to_string(fd) + " (injected fault)");
    }
  }
  s.mask = mask;
  updateInterest(fd, old, mask);
}

// The slot holding `d` (as reader or writer), trying its fileno() first and
// falling back to a scan when the descriptor has already closed its fd.
ReactorBase::Slot* ReactorBase::slotFor(const IFileDescriptor* d, int* fdOut) {
  auto holds = [d](const Slot& s) {
    return (s.reader && asFile(s.reader) == d) || (s.writer && asFile(s.writer) == d);
  };
  int fd = d->fileno();
  if (fd >= 0 && static_cast<std::size_t>(fd) < slots_.size() && holds(slots_[fd])) {
    *fdOut = fd;
    return &slots_[fd];
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (holds(slots_[i])) {
      *fdOut = static_cast<int>(i);
      return &slots_[i];
    }
  }
  return nullptr;
}

void ReactorBase::addReader(IReadDescriptor* reader) {
  int fd = reader->fileno();
  if (fd < 0) throw std::invalid_argument("addReader: descriptor has no file descriptor (-1)");
  if (static_cast<std::size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
  Slot& s = slots_[fd];
  if (s.reader == reader) return;
  if (s.reader) {
    // A stale reader whose fd was closed and reused: it is gone for good.
    ++s.generation;
  } else {
    ++readerCount_;
  }
  s.reader = reader;
  try {
    setInterest(fd, s);
  } catch (...) {
    s.reader = nullptr;
    --readerCount_;
    s.mask = s.writer ? kWantWrite : 0;
    throw;
  }
}

void ReactorBase::addWriter(IWriteDescriptor* writer) {
  int fd = writer->fileno();
  if (fd < 0) throw std::invalid_argument("addWriter: descriptor has no file descriptor (-1)");
  if (static_cast<std::size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
  Slot& s = slots_[fd];
  if (s.writer == writer) return;
  if (s.writer) {
    ++s.generation;
  } else {
    ++writerCount_;
  }
  s.writer = writer;
  try {
    setInterest(fd, s);
  } catch (...) {
    s.writer = nullptr;
    --writerCount_;
    s.mask = s.reader ? kWantRead : 0;
    throw;
  }
}

void ReactorBase::removeReader(IReadDescriptor* reader) {
  int fd;
  Slot* s = slotFor(reader, &fd);
  if (!s || s->reader != reader) return;
  s->reader = nullptr;
  --readerCount_;
  ++s->generation;  // readiness already collected for it is dropped
  setInterest(fd, *s);
}

void ReactorBase::removeWriter(IWriteDescriptor* writer) {
  int fd;
  Slot* s = slotFor(writer, &fd);
  if (!s || s->writer != writer) return;
  s->writer = nullptr;
  --writerCount_;
  ++s->generation;
  setInterest(fd, *s);
}

void ReactorBase::removeDescriptor(IFileDescriptor* d) {
  int fd;
  while (Slot* s = slotFor(d, &fd)) {
    if (s->reader && asFile(s->reader) == d) {
      s->reader = nullptr;
      --readerCount_;
    }
    if (s->writer && asFile(s->writer) == d) {
      s->writer = nullptr;
      --writerCount_;
    }
    ++s->generation;
    setInterest(fd, *s);
  }
}

std::vector<IFileDescriptor*> ReactorBase::removeAll() {
  std::vector<IFileDescriptor*> removed;
  for (std::size_t fd = 0; fd < slots_.size(); ++fd) {
    Slot& s = slots_[fd];
    bool changed = false;
    if (s.reader && s.reader != waker_.get()) {
      removed.push_back(asFile(s.reader));
      s.reader = nullptr;
      --readerCount_;
      changed = true;
    }
    if (s.writer) {
      IFileDescriptor* w = asFile(s.writer);
      if (std::find(removed.begin(), removed.end(), w) == removed.end()) removed.push_back(w);
      s.writer = nullptr;
      --writerCount_;
      changed = true;
    }
    if (changed) {
      ++s.generation;
      setInterest(static_cast<int>(fd), s);
    }
  }
  return removed;
}

std::vector<IReadDescriptor*> ReactorBase::getReaders() const {
  std::vector<IReadDescriptor*> out;
  for (const Slot& s : slots_)
    if (s.reader && s.reader != waker_.get()) out.push_back(s.reader);
  return out;
}

std::vector<IWriteDescriptor*> ReactorBase::getWriters() const {
  std::vector<IWriteDescriptor*> out;
  for (const Slot& s : slots_)
    if (s.writer) out.push_back(s.writer);
  return out;
}

void ReactorBase::disconnectAll() {
  for (IFileDescriptor* d : removeAll()) {
    log::LoggingContextScope scope(d);
    callLogged([&] { d->connectionLost(main::CONNECTION_LOST()); },
               "Unhandled error in connectionLost");
  }
}

// ---------------------------------------------------------------------------
// Poll and dispatch

// With many connections their objects are cold by the time their turn comes
// (the kernel work of the batch evicts them): start loading ready_[next]'s
// descriptor, and the slot of the event after it, while the one before is
// dispatched. A prefetch never faults, so a stale pointer is harmless.
// Inline: defined ahead of its one caller, doIteration.
inline void ReactorBase::prefetchReady(std::size_t next) const noexcept {
  auto fd = static_cast<std::size_t>(ready_[next].fd);
  if (fd < slots_.size()) {
    const Slot& s = slots_[fd];
    if (s.reader) {
      __builtin_prefetch(s.reader);
      __builtin_prefetch(reinterpret_cast<const char*>(s.reader) + 64);
      __builtin_prefetch(reinterpret_cast<const char*>(s.reader) + 128);
    }
  }
  if (next + 1 < ready_.size()) {
    auto after = static_cast<std::size_t>(ready_[next + 1].fd);
    if (after < slots_.size()) __builtin_prefetch(&slots_[after]);
  }
}

void ReactorBase::doIteration(double timeout) {
  ++iterations_;
  ready_.clear();
  // A poll that may not wait, with nothing watched but the waker, could only
  // report the waker, whose work (thread calls, signals) the next pass finds
  // through its atomics anyway: skip the system call. A callLater(0) chain in
  // a program without descriptors then costs no syscall per link; with any
  // descriptor watched, every iteration polls, as Twisted's does.
  if (timeout == 0 && writerCount_ == 0 && readerCount_ == (waker_ ? 1u : 0u)) return;
  waitForEvents(timeout, [this](int fd, std::uint32_t events) {
    // Snapshot the generation before anything is dispatched: a descriptor
    // removed (or replaced) by an earlier callback of this batch is skipped.
    std::uint32_t gen = static_cast<std::size_t>(fd) < slots_.size() ? slots_[fd].generation : 0;
    ready_.push_back(Ready{fd, gen, events});
  });
  const std::size_t n = ready_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n) prefetchReady(i + 1);
    dispatch(ready_[i]);
  }
}

void ReactorBase::dispatch(const Ready& r) {
  auto current = [&]() -> Slot* {
    if (static_cast<std::size_t>(r.fd) >= slots_.size()) return nullptr;
    Slot* s = &slots_[r.fd];  // re-fetched: callbacks may grow slots_
    return s->generation == r.generation ? s : nullptr;
  };
  Slot* s = current();
  if (!s || !s->mask) return;

  if (r.events & (kHangup | kInvalid) && !(r.events & kReadable) &&
      !(!(r.events & kInvalid) && s->reader && s->reader->readsErrors())) {
    // Twisted's _POLL_DISCONNECTED without POLLIN: the connection is gone.
    // For a reader that is a clean end, all input having been read (a pipe
    // whose writer closed reports only POLLHUP), so half-close applies; for
    // a writer alone it is a loss.
    IFileDescriptor* d = s->reader ? asFile(s->reader) : asFile(s->writer);
    IReadDescriptor* reader = s->reader;
    if (r.events & kInvalid)
      disconnectSelectable(d, Failure(error::ConnectionFdescWentAway()), reader);
    else
      disconnectSelectable(d, reader ? main::CONNECTION_DONE() : main::CONNECTION_LOST(), reader);
    return;
  }

  if ((r.events & (kReadable | kHangup)) && s->reader) {
    IReadDescriptor* reader = s->reader;
    DescriptorResult why;
    {
      log::LoggingContextScope scope(reader);
      if (reader->fileno() == -1) {
        why = Failure(error::ConnectionFdescWentAway());
      } else {
        try {
          why = reader->doRead();
        } catch (...) {
          why = Failure(std::current_exception());
          log::err(*why, "Unhandled error in doRead");
        }
      }
    }
    if (why) {
      disconnectSelectable(reader, *why, reader);
      return;
    }
    s = current();
    if (!s) return;
  }

  if ((r.events & kWritable) && s->writer) {
    IWriteDescriptor* writer = s->writer;
    DescriptorResult why;
    {
      log::LoggingContextScope scope(writer);
      if (writer->fileno() != r.fd) {
        why = Failure(error::ConnectionFdescWentAway());
      } else {
        try {
          why = writer->doWrite();
        } catch (...) {
          why = Failure(std::current_exception());
          log::err(*why, "Unhandled error in doWrite");
        }
      }
    }
    if (why) disconnectSelectable(writer, *why, nullptr);
  }
}

void ReactorBase::disconnectSelectable(IFileDescriptor* d, const Failure& why,
                                       IReadDescriptor* reader) {
  log::LoggingContextScope scope(d);
  // Half-close: a descriptor that opted in keeps writing after the peer's EOF.
  // (The shared CONNECTION_DONE first: check<> is a dynamic_cast.)
  if (reader && (why == main::CONNECTION_DONE() || why.check<error::ConnectionDone>())) {
    if (auto* half = d->halfCloseable()) {
      removeReader(reader);
      callLogged([&] { half->readConnectionLost(why); }, "Unhandled error in readConnectionLost");
      return;
    }
  }
  removeDescriptor(d);
  callLogged([&] { d->connectionLost(why); }, "Unhandled error in connectionLost");
}

}  // namespace twisted::internet
