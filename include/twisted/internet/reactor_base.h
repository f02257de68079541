// ReactorBase: everything the select, poll and epoll reactors share.
//
// The loop body is a list of named phases, in Twisted's order
// (ReactorBase.mainLoop / runUntilCurrent / doIteration):
//   1. handleSignals      the handlers (addSignalHandler) of every signal
//                         that arrived since the last pass; SIGINT/SIGTERM
//                         stop the reactor through one of them
//   2. runThreadCalls     the callFromThread calls queued before this phase
//   3. runDelayedCalls    every due call scheduled before this phase began
//   4. shutdown           if stop() was requested, fire "shutdown"
//   5. timeout            how long the poll may block (no timers and no
//                         thread calls: indefinitely, zero CPU)
//   6. waitForEvents      the backend's poll; the ready fds are collected
//                         before any dispatch
//   7. dispatch           each ready fd in turn, prefetchReady warming the
//                         next ones' slot and descriptor
// When the loop ends (crash(), which the "during shutdown" trigger calls),
// restoreSignals removes the SIGINT/SIGTERM handlers run() added. Backends supply only
// step 6's wait and interest updates.
// Test: tests/internet/test_reactor.cpp (parameterised over every backend).
#pragma once

#include <twisted/export.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <twisted/internet/detail/keep_alive.h>
#include <twisted/internet/detail/thread_call_queue.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/interfaces/ireactor_multicast.h>
#include <twisted/internet/interfaces/ireactor_pluggable_resolver.h>
#include <twisted/internet/interfaces/ireactor_process.h>
#include <twisted/internet/interfaces/ireactor_signals.h>
#include <twisted/internet/interfaces/ireactor_socket.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_udp.h>
#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/interfaces/ireactor_unix_datagram.h>

namespace twisted::internet {

namespace detail {
class SystemEventTriggers;  // src/internet/system_event_triggers.h
class CompletionIO;         // src/internet/completion_io.h
}  // namespace detail

/// Options for constructing a reactor.
struct TWISTED_API ReactorOptions {
  /// Replaces the monotonic clock that seconds() reads (tests use a fake
  /// clock and iterate() to drive due calls deterministically).
  std::function<double()> clock;
};

/// The reactor machinery shared by every backend: delayed calls, system
/// events, thread calls, the thread pool, the FD set bookkeeping and the
/// dispatch rules. Instantiate a concrete backend (EPollReactor, PollReactor,
/// SelectReactor) or use the process-wide reactor().
///
/// Mirrors: twisted.internet.base.ReactorBase + posixbase.PosixReactorBase
/// (IReactorCore, IReactorTime, IReactorFDSet, IReactorThreads, IReactorTCP, IReactorSSL,
/// IReactorUDP, IReactorMulticast, IReactorUNIX, IReactorUNIXDatagram,
/// IReactorSocket, IReactorPluggableResolver, IReactorProcess), plus
/// IReactorSignals (a C++ addition).
/// Thread affinity: the reactor belongs to the thread that runs it (before
/// run(), to the thread that created it); only callFromThread and
/// callInThread may be called from other threads.
class TWISTED_API ReactorBase : public IReactorCore,
                                public IReactorTime,
                                public IReactorFDSet,
                                public IReactorThreads,
                                public IReactorTCP,
                                public IReactorSSL,
                                public IReactorUDP,
                                public IReactorMulticast,
                                public IReactorUNIX,
                                public IReactorUNIXDatagram,
                                public IReactorSocket,
                                public IReactorPluggableResolver,
                                public IReactorProcess,
                                public IReactorSignals {
 public:
  ReactorBase(const ReactorBase&) = delete;
  ReactorBase& operator=(const ReactorBase&) = delete;
  /// Stops and joins the thread pool; pending calls count as cancelled.
  /// Removes every signal handler (restoring the dispositions they replaced).
  /// Registered descriptors are not touched (the reactor does not own them).
  ~ReactorBase() override;

  // IReactorCore
  void run(bool installSignalHandlers = true) override;
  void stop() override;
  void crash() override;
  void iterate(double delay = 0) override;
  bool running() const override { return running_; }
  void removeSystemEventTrigger(TriggerId id) override;
  void fireSystemEvent(std::string_view eventType) override;
  std::function<void()> delaySystemEvent() override;

  // IReactorTime
  double seconds() const override;
  std::vector<DelayedCall> getDelayedCalls() const override;

  // IReactorFDSet
  void addReader(IReadDescriptor* reader) override;
  void addWriter(IWriteDescriptor* writer) override;
  void removeReader(IReadDescriptor* reader) override;
  void removeWriter(IWriteDescriptor* writer) override;
  std::vector<IFileDescriptor*> removeAll() override;
  std::vector<IReadDescriptor*> getReaders() const override;
  std::vector<IWriteDescriptor*> getWriters() const override;

  // IReactorThreads
  void suggestThreadPoolSize(int size) override;
  python::ThreadPool& getThreadPool() override;

  // IReactorTCP (src/internet/tcp/)
  std::shared_ptr<IListeningPort> listenTCP(int port, std::shared_ptr<Factory> factory,
                                            int backlog = 50,
                                            std::string_view interface = "") override;
  std::shared_ptr<IConnector> connectTCP(
      std::string_view host, int port, std::shared_ptr<ClientFactory> factory, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {}) override;

  // IReactorSSL (src/internet/ssl/)
  std::shared_ptr<IListeningPort> listenSSL(int port, std::shared_ptr<Factory> factory,
                                            const ssl::CertificateOptions& contextFactory,
                                            int backlog = 50,
                                            std::string_view interface = "") override;
  std::shared_ptr<IConnector> connectSSL(
      std::string_view host, int port, std::shared_ptr<ClientFactory> factory,
      const ssl::CertificateOptions& contextFactory, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {}) override;

  // IReactorUDP (src/internet/udp/)
  std::shared_ptr<IUDPPort> listenUDP(int port, std::shared_ptr<DatagramProtocol> protocol,
                                      std::string_view interface = "",
                                      int maxPacketSize = 8192) override;

  // IReactorMulticast (src/internet/udp/)
  std::shared_ptr<IMulticastPort> listenMulticast(int port,
                                                  std::shared_ptr<DatagramProtocol> protocol,
                                                  std::string_view interface = "",
                                                  int maxPacketSize = 8192,
                                                  bool listenMultiple = false) override;
  // IReactorUNIX (src/internet/unix/)
  std::shared_ptr<IListeningPort> listenUNIX(std::string_view address,
                                             std::shared_ptr<Factory> factory, int backlog = 50,
                                             int mode = 0666, bool wantPID = false) override;
  std::shared_ptr<IConnector> connectUNIX(std::string_view address,
                                          std::shared_ptr<ClientFactory> factory,
                                          double timeout = 30, bool checkPID = false) override;

  // IReactorSocket (src/internet/unix/unix.cpp, datagram.cpp)
  std::shared_ptr<IListeningPort> adoptStreamPort(int fileDescriptor, int addressFamily,
                                                  std::shared_ptr<Factory> factory) override;
  void adoptStreamConnection(int fileDescriptor, int addressFamily,
                             std::shared_ptr<Factory> factory) override;
  std::shared_ptr<IUDPPort> adoptDatagramPort(int fileDescriptor, int addressFamily,
                                              std::shared_ptr<DatagramProtocol> protocol,
                                              int maxPacketSize = 8192) override;

  // IReactorUNIXDatagram (src/internet/unix/datagram.cpp)
  std::shared_ptr<IUDPPort> listenUNIXDatagram(std::string_view address,
                                               std::shared_ptr<DatagramProtocol> protocol,
                                               int maxPacketSize = 8192, int mode = 0666) override;
  std::shared_ptr<IUDPPort> connectUNIXDatagram(std::string_view address,
                                                std::shared_ptr<ConnectedDatagramProtocol> protocol,
                                                int maxPacketSize = 8192, int mode = 0666,
                                                std::string_view bindAddress = "") override;

  // IReactorProcess (src/internet/process.cpp)
  using IReactorProcess::spawnProcess;
  std::shared_ptr<IProcessTransport> spawnProcess(
      std::shared_ptr<ProcessProtocol> protocol, std::string executable,
      std::vector<std::string> args, process::Environment env = {}, std::string path = {},
      std::optional<uid_t> uid = std::nullopt, std::optional<gid_t> gid = std::nullopt,
      bool usePTY = false, std::optional<process::ChildFDs> childFDs = std::nullopt) override;

  // IReactorSignals
  SignalHandlerId addSignalHandler(int signum, std::function<void(int)> handler) override;
  bool removeSignalHandler(SignalHandlerId id) override;

  // IReactorPluggableResolver. The default resolver, made on first use, is a
  // ThreadedResolver on this reactor (getaddrinfo in the thread pool).
  std::shared_ptr<IResolverSimple> installResolver(
      std::shared_ptr<IResolverSimple> newResolver) override;
  std::shared_ptr<IResolverSimple> resolver() override;

  /// Resolves `name` to an address: an empty name gives "0.0.0.0", an IPv4
  /// or IPv6 literal is returned as is (the Deferred has fired), anything
  /// else goes to resolver()->getHostByName(name, timeout). Twisted returns
  /// only IPv4 literals as is. Mirrors ReactorBase.resolve (IReactorCore.resolve).
  defer::Deferred<std::string> resolve(const std::string& name,
                                       double timeout = kDefaultResolveTimeout);

  /// Keeps an active port, connection or connection attempt alive until
  /// releaseKeepAlive (or the reactor's destruction). For transports.
  void holdKeepAlive(detail::KeepAliveHook& hook, std::shared_ptr<void> self) {
    keepAlive_.hold(hook, std::move(self));
  }
  /// Hands back the reference holdKeepAlive took (null if none).
  std::shared_ptr<void> releaseKeepAlive(detail::KeepAliveHook& hook) noexcept {
    return keepAlive_.release(hook);
  }

  /// Tells the reactor that `fd`, no longer registered (its reader and writer
  /// were removed), is about to be closed by its owner, so a backend that
  /// defers unregistering (epoll) can skip the system call: close() drops the
  /// fd from the epoll set. If something else still shares the socket (a
  /// dup(), a fork), its lingering registration is caught at its first event
  /// and the epoll set rebuilt. No Twisted equivalent.
  void descriptorClosing(int fd) noexcept { forgetInterest(fd); }

  /// The backend's name: "epoll", "poll" or "select".
  virtual std::string_view backendName() const = 0;

  /// Internal, for the stream transports: the backend's completion-based
  /// socket I/O (io_uring's receive and send requests), or null where the
  /// backend has only readiness. No Twisted equivalent.
  virtual detail::CompletionIO* completionIO() noexcept { return nullptr; }

  /// True if called from the reactor's thread. Mirrors
  /// twisted.python.threadable.isInIOThread.
  bool isInIOThread() const noexcept;

  /// Loop iterations (polls) so far. No Twisted equivalent; like libuv's
  /// uv_metrics_info loop_count, for tests and diagnostics.
  std::uint64_t iterations() const noexcept { return iterations_; }

  /// Disconnects every descriptor: removeAll(), then connectionLost(ConnectionLost)
  /// on each. Runs during shutdown. Mirrors PosixReactorBase.disconnectAll.
  void disconnectAll();

  /// Test seam, no Twisted equivalent. While set, `fault(fd, reading)` is
  /// asked before each new registration of an fd with the backend
  /// (`reading`: its interest includes reading); a non-zero errno fails that
  /// registration as the backend's own failure would (addReader/addWriter
  /// throw std::system_error), e.g. ENOMEM or ENOSPC from epoll_ctl. An empty
  /// function removes the seam.
  void setRegistrationFaultForTesting(std::function<int(int fd, bool reading)> fault) {
    registrationFault_ = std::move(fault);
  }

 protected:
  /// What a backend reports for one ready descriptor: readable.
  static constexpr std::uint32_t kReadable = 1;
  /// Writable.
  static constexpr std::uint32_t kWritable = 2;
  /// HUP or ERR: the connection is gone.
  static constexpr std::uint32_t kHangup = 4;
  /// The fd is not open (POLLNVAL, EBADF).
  static constexpr std::uint32_t kInvalid = 8;
  /// The interest a backend must watch an fd for: reading.
  static constexpr std::uint32_t kWantRead = 1;
  /// Writing.
  static constexpr std::uint32_t kWantWrite = 2;

  /// The state every backend shares; `options` may replace the clock (tests
  /// inject one). A backend's constructor calls initWaker() once its own
  /// state exists.
  explicit ReactorBase(ReactorOptions options);

  /// Must be called by the concrete backend's constructor, once its own
  /// state exists: registers the internal waker.
  void initWaker();

  /// Backend: change the interest for `fd` from `oldMask` to `newMask`
  /// (either may be 0). Must not call back into the reactor.
  virtual void updateInterest(int fd, std::uint32_t oldMask, std::uint32_t newMask) = 0;

  /// Backend: wait up to `timeout` seconds (negative: indefinitely) and call
  /// `ready(fd, events)` for every ready fd, before any dispatch happens. An
  /// interrupted wait (EINTR) reports nothing.
  virtual void waitForEvents(double timeout,
                             const std::function<void(int, std::uint32_t)>& ready) = 0;

  /// Backend: `fd` (interest already 0) is about to be closed; drop any
  /// unregistration still pending for it. Must not call back into the reactor.
  virtual void forgetInterest(int /*fd*/) noexcept {}

  /// Backend helper: the interest currently registered for `fd`.
  std::uint32_t interestOf(int fd) const noexcept;
  /// Backend helper: every fd with a non-zero interest, in fd order.
  template <class V>
  void forEachInterest(V&& visit) const {
    for (std::size_t fd = 0; fd < slots_.size(); ++fd)
      if (slots_[fd].mask) visit(static_cast<int>(fd), slots_[fd].mask);
  }

  void scheduleEntry(double delay, detail::TimerEntry* entry) override;
  std::optional<TriggerId> callWhenRunningImpl(python::detail::UniqueFunction f) override;
  TriggerId addTriggerImpl(std::string_view phase, std::string_view eventType,
                           python::detail::UniqueFunction f) override;
  void queueThreadCall(python::detail::UniqueFunction f) override;
  void queueInThreadPool(python::detail::UniqueFunction f) override;

 private:
  struct Slot {
    IReadDescriptor* reader = nullptr;
    IWriteDescriptor* writer = nullptr;
    std::uint32_t mask = 0;        // InterestBits registered with the backend
    std::uint32_t generation = 0;  // bumped when a descriptor leaves the slot
  };
  struct Ready {
    int fd;
    std::uint32_t generation;
    std::uint32_t events;
  };
  class Timers;
  class Waker;
  struct SignalState;

  // Loop phases.
  void startRunning(bool installSignalHandlers);
  void mainLoop();
  void runUntilCurrent();
  void runThreadCalls();
  void runDelayedCalls();
  double timeout() const;
  void doIteration(double timeout);
  void prefetchReady(std::size_t next) const noexcept;
  void dispatch(const Ready& r);
  void handleSignals();
  void installShutdownHandlers();
  void restoreSignals() noexcept;
  void releaseSignal(int signum) noexcept;

  // FD set bookkeeping.
  Slot* slotFor(const IFileDescriptor* d, int* fdOut);
  void setInterest(int fd, Slot& s);
  // `reader`: d as the reader that reported `why`, null for a writer.
  void disconnectSelectable(IFileDescriptor* d, const python::Failure& why,
                            IReadDescriptor* reader);
  void removeDescriptor(IFileDescriptor* d);

  void reallyStartRunning();
  void wakeUp() noexcept;

  std::function<double()> clock_;
  std::unique_ptr<Timers> timers_;
  std::unique_ptr<detail::SystemEventTriggers> events_;
  std::unique_ptr<Waker> waker_;
  std::unique_ptr<SignalState> signals_;

  std::vector<Slot> slots_;   // indexed by fd
  std::vector<Ready> ready_;  // reused between iterations
  std::size_t readerCount_ = 0;
  std::size_t writerCount_ = 0;
  std::function<int(int, bool)> registrationFault_;  // setRegistrationFaultForTesting

  // callFromThread queue (detail/thread_call_queue.h): producers append
  // under its lock, the loop takes every queued call at once.
  detail::ThreadCallQueue threadCalls_;

  static constexpr int threadPoolSize_ = 10;  // Twisted's default maxthreads
  std::unique_ptr<python::ThreadPool> threadPool_;
  std::shared_ptr<IResolverSimple> resolver_;  // null until resolver() or installResolver

  std::atomic<std::thread::id> loopThread_;
  bool started_ = false;        // run() called and not crashed
  bool stopped_ = true;         // stop() requested (or never started)
  bool justStopped_ = false;    // shutdown event due at the end of this iteration
  bool startedBefore_ = false;  // stop() was called once: not restartable
  bool running_ = false;
  std::uint64_t iterations_ = 0;
  // The loop thread's latest clock reading (runDelayedCalls, scheduleEntry).
  // timeout() returns 0 without reading the clock again when the earliest
  // call is due at or before it (the clock is monotonic).
  double lastNow_ = -std::numeric_limits<double>::infinity();

  // Last member: destroyed first, before the timers and the thread pool.
  detail::KeepAliveList keepAlive_;
};

}  // namespace twisted::internet
