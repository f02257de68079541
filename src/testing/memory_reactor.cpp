// MemoryReactor and friends. Test: tests/testing/test_memory_reactor.cpp
#include <twisted/testing/memory_reactor.h>

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

#include <twisted/internet/error.h>

namespace twisted::testing {

namespace {
bool isIPv6Literal(std::string_view host) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, std::string(host).c_str(), &a) == 1;
}
}  // namespace

internet::defer::Deferred<void> FakePort::stopListening() {
  listening = false;
  return internet::defer::succeed();
}

// --- IReactorCore -----------------------------------------------------------

void MemoryReactor::run(bool) {
  if (running_) throw internet::error::ReactorAlreadyRunning();
  running_ = true;
  hasRun = true;
  // A hook may add hooks; run those too, in order, as Twisted's list loop does.
  for (std::size_t i = 0; i < whenRunningHooks.size(); ++i) {
    python::detail::UniqueFunction f = std::move(whenRunningHooks[i]);
    f();
  }
  whenRunningHooks.clear();
  stop();
}

void MemoryReactor::stop() {
  running_ = false;
  hasStopped = true;
}

void MemoryReactor::crash() {
  running_ = false;
  hasCrashed = true;
}

void MemoryReactor::iterate(double) {
  throw std::logic_error("MemoryReactor::iterate is not implemented");
}

std::optional<internet::TriggerId> MemoryReactor::callWhenRunningImpl(
    python::detail::UniqueFunction f) {
  // Recorded even when "running", as Twisted's fake does: run() runs them.
  whenRunningHooks.push_back(std::move(f));
  return internet::TriggerId{++nextTrigger_};
}

internet::TriggerId MemoryReactor::addTriggerImpl(std::string_view phase,
                                                  std::string_view eventType,
                                                  python::detail::UniqueFunction f) {
  internet::TriggerId id{++nextTrigger_};
  triggers[std::string(phase)][std::string(eventType)].push_back(Trigger{id, std::move(f)});
  return id;
}

void MemoryReactor::removeSystemEventTrigger(internet::TriggerId id) {
  for (auto& [phase, byEvent] : triggers) {
    for (auto& [event, list] : byEvent) {
      auto it =
          std::find_if(list.begin(), list.end(), [&](const Trigger& t) { return t.id == id; });
      if (it != list.end()) {
        list.erase(it);
        return;
      }
    }
  }
  throw std::invalid_argument("removeSystemEventTrigger: unknown trigger");
}

void MemoryReactor::fireSystemEvent(std::string_view eventType) {
  for (std::string_view phase : {"before", "during", "after"}) {
    auto p = triggers.find(phase);
    if (p == triggers.end()) continue;
    auto e = p->second.find(eventType);
    if (e == p->second.end()) continue;
    std::vector<Trigger> run = std::move(e->second);
    p->second.erase(e);
    for (Trigger& t : run)
      t.f();
  }
}

std::function<void()> MemoryReactor::delaySystemEvent() {
  throw std::logic_error("MemoryReactor::delaySystemEvent is not implemented");
}

// --- IReactorTCP ----------------------------------------------------------------

std::shared_ptr<internet::IListeningPort> MemoryReactor::listenTCP(
    int port, std::shared_ptr<internet::Factory> factory, int backlog, std::string_view interface) {
  tcpServers.push_back(TCPServer{port, std::move(factory), backlog, std::string(interface)});
  return this->port(port, interface);
}

std::shared_ptr<internet::IConnector> MemoryReactor::connectTCP(
    std::string_view host, int port, std::shared_ptr<internet::ClientFactory> factory,
    double timeout, std::optional<std::pair<std::string, int>> bindAddress) {
  tcpClients.push_back(
      TCPClient{std::string(host), port, factory, timeout, std::move(bindAddress)});
  return connector(host, port, *factory);
}

std::shared_ptr<internet::IListeningPort> MemoryReactor::port(int port,
                                                              std::string_view interface) const {
  if (isIPv6Literal(interface)) {
    return std::make_shared<FakePort>(internet::IPv6Address{"TCP", std::string(interface), port});
  }
  return std::make_shared<FakePort>(internet::IPv4Address{"TCP", "0.0.0.0", port});
}

std::shared_ptr<FakeConnector> MemoryReactor::connector(std::string_view host, int port,
                                                        internet::ClientFactory& factory) {
  std::shared_ptr<FakeConnector> conn;
  if (isIPv6Literal(host)) {
    conn = std::make_shared<FakeConnector>(internet::IPv6Address{"TCP", std::string(host), port});
  } else {
    conn = std::make_shared<FakeConnector>(internet::IPv4Address{"TCP", std::string(host), port});
  }
  factory.startedConnecting(*conn);
  connectors.push_back(conn);
  return conn;
}

// --- IReactorSSL -------------------------------------------------------------------

std::shared_ptr<internet::IListeningPort> MemoryReactor::listenSSL(
    int port, std::shared_ptr<internet::Factory> factory,
    const internet::ssl::CertificateOptions& contextFactory, int backlog,
    std::string_view interface) {
  sslServers.push_back(
      SSLServer{port, std::move(factory), contextFactory, backlog, std::string(interface)});
  return this->port(port, interface);
}

std::shared_ptr<internet::IConnector> MemoryReactor::connectSSL(
    std::string_view host, int port, std::shared_ptr<internet::ClientFactory> factory,
    const internet::ssl::CertificateOptions& contextFactory, double timeout,
    std::optional<std::pair<std::string, int>> bindAddress) {
  sslClients.push_back(
      SSLClient{std::string(host), port, factory, contextFactory, timeout, std::move(bindAddress)});
  return connector(host, port, *factory);
}

// --- IReactorUNIX ---------------------------------------------------------------

std::shared_ptr<internet::IListeningPort> MemoryReactor::listenUNIX(
    std::string_view address, std::shared_ptr<internet::Factory> factory, int backlog, int mode,
    bool wantPID) {
  unixServers.push_back(
      UNIXServer{std::string(address), std::move(factory), backlog, mode, wantPID});
  return std::make_shared<FakePort>(internet::UNIXAddress{std::string(address)});
}

std::shared_ptr<internet::IConnector> MemoryReactor::connectUNIX(
    std::string_view address, std::shared_ptr<internet::ClientFactory> factory, double timeout,
    bool checkPID) {
  unixClients.push_back(UNIXClient{std::string(address), factory, timeout, checkPID});
  auto conn = std::make_shared<FakeConnector>(internet::UNIXAddress{std::string(address)});
  factory->startedConnecting(*conn);
  connectors.push_back(conn);
  return conn;
}

// --- IReactorFDSet ----------------------------------------------------------------

void MemoryReactor::addReader(internet::IReadDescriptor* reader) {
  if (std::find(readers.begin(), readers.end(), reader) == readers.end()) readers.push_back(reader);
}

void MemoryReactor::addWriter(internet::IWriteDescriptor* writer) {
  if (std::find(writers.begin(), writers.end(), writer) == writers.end()) writers.push_back(writer);
}

void MemoryReactor::removeReader(internet::IReadDescriptor* reader) {
  std::erase(readers, reader);
}

void MemoryReactor::removeWriter(internet::IWriteDescriptor* writer) {
  std::erase(writers, writer);
}

std::vector<internet::IFileDescriptor*> MemoryReactor::removeAll() {
  std::vector<internet::IFileDescriptor*> all;
  for (auto* r : readers)
    all.push_back(r);
  for (auto* w : writers) {
    auto* fd = static_cast<internet::IFileDescriptor*>(w);
    if (std::find(all.begin(), all.end(), fd) == all.end()) all.push_back(fd);
  }
  readers.clear();
  writers.clear();
  return all;
}

// --- RaisingMemoryReactor -------------------------------------------------------

std::shared_ptr<internet::IListeningPort> RaisingMemoryReactor::listenTCP(
    int, std::shared_ptr<internet::Factory>, int, std::string_view) {
  if (!listenException_) throw std::logic_error("RaisingMemoryReactor: no listen exception");
  std::rethrow_exception(listenException_);
}

std::shared_ptr<internet::IConnector> RaisingMemoryReactor::connectTCP(
    std::string_view, int, std::shared_ptr<internet::ClientFactory>, double,
    std::optional<std::pair<std::string, int>>) {
  if (!connectException_) throw std::logic_error("RaisingMemoryReactor: no connect exception");
  std::rethrow_exception(connectException_);
}

}  // namespace twisted::testing
