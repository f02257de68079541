// Fake reactors that record what code asks of them (listen, connect,
// triggers, readers and writers) without doing any I/O, so code built on a
// reactor can be unit-tested without sockets. Mirrors MemoryReactor,
// MemoryReactorClock and RaisingMemoryReactor of twisted.internet.testing.
//
// Typical use (a ReconnectingClientFactory or ClientCreator under test):
//
//     testing::MemoryReactorClock reactor;
//     auto factory = std::make_shared<MyClientFactory>();
//     reactor.connectTCP("example.com", 8080, factory);
//     auto& [host, port, f, timeout, bindAddress] = reactor.tcpClients.at(0);
//     auto proto = f->buildProtocol(internet::IPv4Address{"TCP", "127.0.0.1", 8080});
//     testing::StringTransport transport;
//     proto->makeConnection(&transport);
//     reactor.advance(1.0);  // run due calls (the MemoryReactorClock variant)
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/ireactor_core.h>
#include <twisted/internet/interfaces/ireactor_fdset.h>
#include <twisted/internet/interfaces/ireactor_ssl.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/task/clock.h>
#include <twisted/python/detail/unique_function.h>

namespace twisted::testing {

/// A listening port that listens on nothing: what MemoryReactor::listenTCP returns.
/// Mirrors: twisted.internet.testing._FakePort.
class TWISTED_API FakePort : public internet::IListeningPort {
 public:
  /// A port whose getHost() is `hostAddress`.
  explicit FakePort(internet::Address hostAddress) : hostAddress_(std::move(hostAddress)) {}
  /// Does nothing (sets `listening`). Mirrors _FakePort.startListening.
  void startListening() override { listening = true; }
  /// Clears `listening`; returns an already-fired Deferred (Twisted returns None).
  /// Mirrors _FakePort.stopListening.
  internet::defer::Deferred<void> stopListening() override;
  /// The address given at construction. Mirrors _FakePort.getHost.
  internet::Address getHost() const override { return hostAddress_; }

  /// True until stopListening() (not in Twisted: lets tests check the call).
  bool listening = true;

 private:
  internet::Address hostAddress_;
};

/// A connector that never connects; it records what it was asked to do.
/// Derives from enable_shared_from_this<IConnector>, so code that must keep a
/// connector alive across a delay (ReconnectingClientFactory) can retain it.
/// Mirrors: twisted.internet.testing._FakeConnector.
class TWISTED_API FakeConnector : public internet::IConnector,
                                  public std::enable_shared_from_this<internet::IConnector> {
 public:
  /// A connector whose getDestination() is `address`.
  explicit FakeConnector(internet::Address address) : address_(std::move(address)) {}
  /// Sets `stoppedConnecting`. Mirrors _FakeConnector.stopConnecting.
  void stopConnecting() override { stoppedConnecting = true; }
  /// Sets `disconnected`. Mirrors _FakeConnector.disconnect.
  void disconnect() override { disconnected = true; }
  /// Does nothing but count the call (Twisted's is a no-op).
  /// Mirrors _FakeConnector.connect.
  void connect() override { ++connectCalls; }
  /// The destination given at construction. Mirrors _FakeConnector.getDestination.
  internet::Address getDestination() const override { return address_; }

  /// Mirrors _FakeConnector.stoppedConnecting.
  bool stoppedConnecting = false;
  /// Mirrors _FakeConnector._disconnected.
  bool disconnected = false;
  /// How many times connect() was called (not in Twisted; for retry tests).
  int connectCalls = 0;

 private:
  internet::Address address_;
};

/// A fake reactor for tests: listenTCP/connectTCP record their arguments and
/// return fake ports/connectors (nothing connects); run() runs the
/// callWhenRunning hooks and stops; triggers, readers and writers are recorded.
///
/// Mirrors: twisted.internet.testing.MemoryReactor. As in Twisted,
/// connectTCP calls factory->startedConnecting(connector) but not doStart(),
/// and listenTCP calls nothing on the factory. Deviations: the has* flags
/// start false (Twisted initialises hasRun/hasStopped/hasCrashed to True, a
/// bug); removeSystemEventTrigger and fireSystemEvent work on the recorded
/// triggers (Twisted raises NotImplementedError); iterate() and
/// delaySystemEvent() throw std::logic_error (NotImplementedError).
class TWISTED_API MemoryReactor : public internet::IReactorCore,
                                  public internet::IReactorTCP,
                                  public internet::IReactorSSL,
                                  public internet::IReactorUNIX,
                                  public internet::IReactorFDSet {
 public:
  /// One listenTCP call. `auto& [port, factory, backlog, interface] = r.tcpServers[0];`
  struct TCPServer {
    /// The port asked for.
    int port;
    /// The factory given.
    std::shared_ptr<internet::Factory> factory;
    /// The listen backlog.
    int backlog;
    /// The interface asked for (empty: all).
    std::string interface;
  };
  /// One connectTCP call.
  /// `auto& [host, port, factory, timeout, bindAddress] = r.tcpClients[0];`
  struct TCPClient {
    /// The host asked for.
    std::string host;
    /// The port asked for.
    int port;
    /// The factory given.
    std::shared_ptr<internet::ClientFactory> factory;
    /// The connect timeout, in seconds.
    double timeout;
    /// The local address to bind to, if any.
    std::optional<std::pair<std::string, int>> bindAddress;
  };
  /// One listenUNIX call.
  /// `auto& [address, factory, backlog, mode, wantPID] = r.unixServers[0];`
  struct UNIXServer {
    /// The socket path asked for.
    std::string address;
    /// The factory given.
    std::shared_ptr<internet::Factory> factory;
    /// The listen backlog.
    int backlog;
    /// The socket file's permissions.
    int mode;
    /// Whether a lock file was asked for.
    bool wantPID;
  };
  /// One connectUNIX call.
  /// `auto& [address, factory, timeout, checkPID] = r.unixClients[0];`
  struct UNIXClient {
    /// The socket path asked for.
    std::string address;
    /// The factory given.
    std::shared_ptr<internet::ClientFactory> factory;
    /// The connect timeout, in seconds.
    double timeout;
    /// Whether the server's lock file is checked.
    bool checkPID;
  };
  /// One listenSSL call.
  /// `auto& [port, factory, contextFactory, backlog, interface] = r.sslServers[0];`
  struct SSLServer {
    /// The port asked for.
    int port;
    /// The factory given (not wrapped in TLS).
    std::shared_ptr<internet::Factory> factory;
    /// The TLS settings given.
    internet::ssl::CertificateOptions contextFactory;
    /// The listen backlog.
    int backlog;
    /// The interface asked for (empty: all).
    std::string interface;
  };
  /// One connectSSL call.
  /// `auto& [host, port, factory, contextFactory, timeout, bindAddress] = r.sslClients[0];`
  struct SSLClient {
    /// The host asked for.
    std::string host;
    /// The port asked for.
    int port;
    /// The factory given (not wrapped in TLS).
    std::shared_ptr<internet::ClientFactory> factory;
    /// The TLS settings given.
    internet::ssl::CertificateOptions contextFactory;
    /// The connect timeout, in seconds.
    double timeout;
    /// The local address to bind to, if any.
    std::optional<std::pair<std::string, int>> bindAddress;
  };
  /// A recorded system event trigger (its function runs only via fireSystemEvent).
  struct Trigger {
    /// What removeSystemEventTrigger takes to remove it.
    internet::TriggerId id;
    /// The trigger's function.
    python::detail::UniqueFunction f;
  };

  MemoryReactor() = default;
  MemoryReactor(const MemoryReactor&) = delete;
  MemoryReactor& operator=(const MemoryReactor&) = delete;

  /// Sets hasInstalled. Mirrors MemoryReactor.install.
  void install() { hasInstalled = true; }

  // IReactorCore
  /// Sets running and hasRun, runs the callWhenRunning hooks (in order), then
  /// stop(). Mirrors MemoryReactor.run.
  /// @throws internet::error::ReactorAlreadyRunning if running (Twisted asserts).
  void run(bool installSignalHandlers = true) override;
  /// Clears running, sets hasStopped. Mirrors MemoryReactor.stop.
  void stop() override;
  /// Clears running, sets hasCrashed. Mirrors MemoryReactor.crash.
  void crash() override;
  /// @throws std::logic_error (NotImplementedError in Twisted). Mirrors MemoryReactor.iterate.
  void iterate(double delay = 0) override;
  /// Mirrors MemoryReactor.running.
  bool running() const override { return running_; }
  /// Forgets a recorded trigger. @throws std::invalid_argument for an unknown id.
  void removeSystemEventTrigger(internet::TriggerId id) override;
  /// Runs and consumes the recorded "before", "during" and "after" triggers
  /// of `eventType`, in that order. Mirrors IReactorCore.fireSystemEvent.
  void fireSystemEvent(std::string_view eventType) override;
  /// @throws std::logic_error: nothing here waits.
  std::function<void()> delaySystemEvent() override;

  // IReactorTCP
  /// Records (port, factory, backlog, interface) in tcpServers and returns a
  /// FakePort on IPv6Address(interface, port) for an IPv6 literal, else
  /// IPv4Address("0.0.0.0", port). Mirrors MemoryReactor.listenTCP.
  std::shared_ptr<internet::IListeningPort> listenTCP(int port,
                                                      std::shared_ptr<internet::Factory> factory,
                                                      int backlog = 50,
                                                      std::string_view interface = "") override;
  /// Records the call in tcpClients, makes a FakeConnector (kept in
  /// `connectors`), calls factory->startedConnecting(connector) and returns it.
  /// Mirrors MemoryReactor.connectTCP.
  std::shared_ptr<internet::IConnector> connectTCP(
      std::string_view host, int port, std::shared_ptr<internet::ClientFactory> factory,
      double timeout = 30, std::optional<std::pair<std::string, int>> bindAddress = {}) override;

  // IReactorSSL
  /// Records the call in sslServers and returns a FakePort as listenTCP
  /// does. Mirrors MemoryReactor.listenSSL.
  std::shared_ptr<internet::IListeningPort> listenSSL(
      int port, std::shared_ptr<internet::Factory> factory,
      const internet::ssl::CertificateOptions& contextFactory, int backlog = 50,
      std::string_view interface = "") override;
  /// Records the call in sslClients, makes a FakeConnector (kept in
  /// `connectors`), calls factory->startedConnecting(connector) and returns
  /// it. Mirrors MemoryReactor.connectSSL.
  std::shared_ptr<internet::IConnector> connectSSL(
      std::string_view host, int port, std::shared_ptr<internet::ClientFactory> factory,
      const internet::ssl::CertificateOptions& contextFactory, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {}) override;

  // IReactorUNIX
  /// Records the call in unixServers and returns a FakePort on
  /// UNIXAddress(address). Mirrors MemoryReactor.listenUNIX.
  std::shared_ptr<internet::IListeningPort> listenUNIX(std::string_view address,
                                                       std::shared_ptr<internet::Factory> factory,
                                                       int backlog = 50, int mode = 0666,
                                                       bool wantPID = false) override;
  /// Records the call in unixClients, makes a FakeConnector on
  /// UNIXAddress(address) (kept in `connectors`), calls
  /// factory->startedConnecting(connector) and returns it.
  /// Mirrors MemoryReactor.connectUNIX.
  std::shared_ptr<internet::IConnector> connectUNIX(
      std::string_view address, std::shared_ptr<internet::ClientFactory> factory,
      double timeout = 30, bool checkPID = false) override;

  // IReactorFDSet: recorded only (descriptors are not owned).
  /// Mirrors MemoryReactor.addReader.
  void addReader(internet::IReadDescriptor* reader) override;
  /// Mirrors MemoryReactor.addWriter.
  void addWriter(internet::IWriteDescriptor* writer) override;
  /// Mirrors MemoryReactor.removeReader.
  void removeReader(internet::IReadDescriptor* reader) override;
  /// Mirrors MemoryReactor.removeWriter.
  void removeWriter(internet::IWriteDescriptor* writer) override;
  /// Forgets every reader and writer, returning them. Mirrors MemoryReactor.removeAll.
  std::vector<internet::IFileDescriptor*> removeAll() override;
  /// Mirrors MemoryReactor.getReaders.
  std::vector<internet::IReadDescriptor*> getReaders() const override { return readers; }
  /// Mirrors MemoryReactor.getWriters.
  std::vector<internet::IWriteDescriptor*> getWriters() const override { return writers; }

  /// Mirrors MemoryReactor.hasInstalled / hasRun / hasStopped / hasCrashed.
  bool hasInstalled = false;
  /// Set by run().
  bool hasRun = false;
  /// Set by stop().
  bool hasStopped = false;
  /// Set by crash().
  bool hasCrashed = false;
  /// callWhenRunning hooks not run yet. Mirrors MemoryReactor.whenRunningHooks.
  std::vector<python::detail::UniqueFunction> whenRunningHooks;
  /// triggers[phase][eventType]. Mirrors MemoryReactor.triggers.
  std::map<std::string, std::map<std::string, std::vector<Trigger>, std::less<>>, std::less<>>
      triggers;
  /// Mirrors MemoryReactor.tcpServers.
  std::vector<TCPServer> tcpServers;
  /// Mirrors MemoryReactor.tcpClients.
  std::vector<TCPClient> tcpClients;
  /// Mirrors MemoryReactor.unixServers.
  std::vector<UNIXServer> unixServers;
  /// Mirrors MemoryReactor.unixClients.
  std::vector<UNIXClient> unixClients;
  /// Mirrors MemoryReactor.sslServers.
  std::vector<SSLServer> sslServers;
  /// Mirrors MemoryReactor.sslClients.
  std::vector<SSLClient> sslClients;
  /// Every connector connectTCP, connectSSL or connectUNIX returned. Mirrors
  /// MemoryReactor.connectors.
  std::vector<std::shared_ptr<FakeConnector>> connectors;
  /// Mirrors MemoryReactor.readers / writers (sets in Twisted; insertion order here).
  std::vector<internet::IReadDescriptor*> readers;
  /// The writers added by addWriter() and not removed yet.
  std::vector<internet::IWriteDescriptor*> writers;

 protected:
  /// Records `f` in whenRunningHooks (even while "running", as Twisted does).
  std::optional<internet::TriggerId> callWhenRunningImpl(python::detail::UniqueFunction f) override;
  /// Records `f` in triggers[phase][eventType].
  internet::TriggerId addTriggerImpl(std::string_view phase, std::string_view eventType,
                                     python::detail::UniqueFunction f) override;

 private:
  std::shared_ptr<FakeConnector> connector(std::string_view host, int port,
                                           internet::ClientFactory& factory);
  std::shared_ptr<internet::IListeningPort> port(int port, std::string_view interface) const;
  bool running_ = false;
  std::uint64_t nextTrigger_ = 0;
};

/// A MemoryReactor that is also a task::Clock: callLater runs only when the
/// test calls advance(). What ClientCreator, ReconnectingClientFactory and
/// timeouts need to be tested without sockets or waiting.
/// Mirrors: twisted.internet.testing.MemoryReactorClock.
class TWISTED_API MemoryReactorClock : public MemoryReactor, public internet::task::Clock {
 public:
  MemoryReactorClock() = default;
};

/// A reactor whose listen and connect methods throw the given exceptions.
/// Mirrors: twisted.internet.testing.RaisingMemoryReactor.
class TWISTED_API RaisingMemoryReactor : public internet::IReactorTCP {
 public:
  /// Mirrors RaisingMemoryReactor(listenException, connectException).
  explicit RaisingMemoryReactor(std::exception_ptr listenException = nullptr,
                                std::exception_ptr connectException = nullptr)
      : listenException_(std::move(listenException)),
        connectException_(std::move(connectException)) {}
  /// Throws the listen exception. Mirrors RaisingMemoryReactor.listenTCP.
  std::shared_ptr<internet::IListeningPort> listenTCP(int port,
                                                      std::shared_ptr<internet::Factory> factory,
                                                      int backlog = 50,
                                                      std::string_view interface = "") override;
  /// Throws the connect exception. Mirrors RaisingMemoryReactor.connectTCP.
  std::shared_ptr<internet::IConnector> connectTCP(
      std::string_view host, int port, std::shared_ptr<internet::ClientFactory> factory,
      double timeout = 30, std::optional<std::pair<std::string, int>> bindAddress = {}) override;

 private:
  std::exception_ptr listenException_;
  std::exception_ptr connectException_;
};

}  // namespace twisted::testing
