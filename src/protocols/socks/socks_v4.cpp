// twisted.protocols.socks. Tests: tests/protocols/socks/
#include <twisted/protocols/socks/socks_v4.h>

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ireactor_pluggable_resolver.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/python/log.h>

namespace twisted::protocols::socks {

/// The CONNECT's client factory: a SOCKSv4Outgoing for the SOCKSv4 that is
/// still there, 91 if the connection fails. What Twisted's connectClass
/// makes with a ClientCreator.
class SOCKSv4OutgoingFactory : public internet::ClientFactory {
 public:
  explicit SOCKSv4OutgoingFactory(SOCKSv4* s) : socks(s) {}
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address&) override {
    if (!socks) return nullptr;
    auto p = std::make_unique<SOCKSv4Outgoing>(socks);
    p->factory = this;
    return p;
  }
  void clientConnectionFailed(internet::IConnector&, const python::Failure& reason) override {
    if (!socks) return;
    python::log::msg("SOCKSv4: connection failed: " + reason.getErrorMessage());
    socks->connector_.reset();
    socks->makeReply(kRejected);
  }
  SOCKSv4* socks;
};

// --- SOCKSv4Relay -------------------------------------------------------------------

SOCKSv4Relay::~SOCKSv4Relay() {
  // Destroyed without connectionLost (its reactor went first).
  if (socks && socks->otherConn == this) {
    socks->otherConn = nullptr;
    socks->linked_ = false;
  }
}

void SOCKSv4Relay::dataReceived(std::string_view data) {
  if (socks) socks->write(data);
}

void SOCKSv4Relay::connectionLost(const python::Failure&) {
  SOCKSv4* s = std::exchange(socks, nullptr);
  if (!s) return;
  if (s->otherConn == this) s->otherConn = nullptr;
  if (s->linked_) {
    // Our transport is the client transport's producer: unregister it
    // before it goes (a transport with a producer waits for that to close).
    s->linked_ = false;
    s->transport->unregisterProducer();
  }
  s->transport->loseConnection();
}

void SOCKSv4Relay::write(std::string_view data) {
  if (socks) socks->log(this, data);
  transport->write(data);
}

void SOCKSv4Outgoing::connectionMade() {
  if (!socks) {
    transport->loseConnection();
    return;
  }
  const internet::Address peer = transport->getPeer();
  socks->makeReply(kGranted, 0, internet::portOf(peer), internet::hostOf(peer));
  socks->link(this);
}

void SOCKSv4Incoming::connectionMade() {
  if (!socks) {
    transport->loseConnection();
    return;
  }
  socks->link(this);
  // One connection per BIND: Twisted's port stayed open until the process ended.
  if (auto port = std::exchange(socks->listening_, nullptr)) port->stopListening();
}

// --- SOCKSv4 ------------------------------------------------------------------------

SOCKSv4::SOCKSv4(std::optional<std::string> log, internet::IReactorTCP* r)
    : logging(std::move(log)), reactor(r), alive_(std::make_shared<SOCKSv4*>(this)) {}

SOCKSv4::~SOCKSv4() {
  bindDecided();
  if (otherConn && otherConn->socks == this) otherConn->socks = nullptr;
  if (outgoing_) outgoing_->socks = nullptr;
  if (incoming_) incoming_->socks = nullptr;
}

internet::IReactorTCP& SOCKSv4::tcp() {
  return reactor ? *reactor : internet::reactor();
}

void SOCKSv4::connectionMade() {}

void SOCKSv4::dataReceived(std::string_view data) {
  if (otherConn) {
    otherConn->write(data);
    return;
  }
  if (transport->disconnecting()) return;  // rejected: the rest is ignored
  if (parser_.status() == RequestParser::Status::Complete) {
    // Sent before the reply: forwarded once the other side is there.
    pending_.append(data);
    if (pending_.size() >= kPendingLimit) transport->pauseProducing();
    return;
  }
  std::size_t used = 0;
  switch (parser_.feed(data, used)) {
    case RequestParser::Status::NeedMore:
      return;
    case RequestParser::Status::BadVersion:
      // Not a SOCKS4 client: a SOCKS4 reply would mean nothing to it.
      python::log::msg("SOCKSv4: bad version byte, closing");
      transport->loseConnection();
      return;
    case RequestParser::Status::BadCommand:
    case RequestParser::Status::TooLong:
    case RequestParser::Status::BadHostname:
      makeReply(kRejected);
      return;
    case RequestParser::Status::Complete:
      break;
  }
  pending_.append(data.substr(used));
  if (pending_.size() >= kPendingLimit) transport->pauseProducing();
  const SOCKSv4Request& request = parser_.request();
  if (!request.hostname) {
    requestReceived(request.ip);
    return;
  }
  // SOCKS4a: resolve the name without blocking, then carry on as SOCKS4.
  std::weak_ptr<SOCKSv4*> weak = alive_;
  internet::defer::Deferred<std::string> lookup = internet::defer::maybeDeferred([&] {
    if (resolver) return resolver->getHostByName(*request.hostname);
    // As Twisted's reactor.resolve: a literal is taken as is.
    if (auto* base = dynamic_cast<internet::ReactorBase*>(&tcp()))
      return base->resolve(*request.hostname);
    if (auto* pluggable = dynamic_cast<internet::IReactorPluggableResolver*>(&tcp()))
      return pluggable->resolver()->getHostByName(*request.hostname);
    return internet::reactor().resolve(*request.hostname);
  });
  resolving_ = lookup;
  lookup.addCallbacks(
      [weak](std::string address) {
        if (auto self = weak.lock()) {
          (*self)->resolving_.reset();
          (*self)->requestReceived(address);
        }
      },
      [weak](python::Failure reason) {
        if (auto self = weak.lock()) {
          python::log::msg("SOCKSv4: " + reason.getErrorMessage());
          (*self)->resolving_.reset();
          (*self)->makeReply(kRejected);
        }
      });
}

void SOCKSv4::requestReceived(const std::string& server) {
  const SOCKSv4Request& request = parser_.request();
  if (!authorize(request.command, server, request.port, request.user)) {
    makeReply(kRejected);
    return;
  }
  if (request.command == 1)
    connectClass(server, request.port);
  else
    listenClass(0, server);
}

void SOCKSv4::connectionLost(const python::Failure&) {
  alive_.reset();  // callbacks still to come find nobody
  if (resolving_) {
    internet::defer::Deferred<std::string> lookup = std::move(*resolving_);
    resolving_.reset();
    lookup.cancel();
  }
  if (outgoing_) outgoing_->socks = nullptr;
  if (connector_ && !otherConn) {
    try {
      connector_->stopConnecting();
    } catch (const internet::error::NotConnectingError&) {
    }
  }
  connector_.reset();
  if (incoming_) incoming_->socks = nullptr;
  bindDecided();
  if (auto port = std::exchange(listening_, nullptr)) port->stopListening();
  if (SOCKSv4Relay* other = std::exchange(otherConn, nullptr)) {
    other->socks = nullptr;
    if (linked_) {
      linked_ = false;
      other->transport->unregisterProducer();
    }
    other->transport->loseConnection();
  }
  if (logFile_.is_open()) logFile_.close();
}

bool SOCKSv4::authorize(int code, const std::string& server, int port, const std::string& user) {
  python::log::msg("code " + std::to_string(code) + " connection to " + server + ":" +
                   std::to_string(port) + " (user " + user + ") authorized");
  return true;
}

void SOCKSv4::connectClass(const std::string& host, int port) {
  outgoing_ = std::make_shared<SOCKSv4OutgoingFactory>(this);
  try {
    connector_ = tcp().connectTCP(host, port, outgoing_);
  } catch (const std::exception& e) {
    python::log::msg(std::string("SOCKSv4: cannot connect: ") + e.what());
    if (outgoing_) outgoing_->socks = nullptr;
    if (transport && !transport->disconnecting()) makeReply(kRejected);
  }
}

void SOCKSv4::listenClass(int port, const std::string& ip) {
  incoming_ = std::make_shared<SOCKSv4IncomingFactory>(this, ip);
  // Listen where the client reached us: the address it can tell the
  // application server.
  const internet::Address here = transport->getHost();
  const std::string interface =
      std::holds_alternative<internet::IPv4Address>(here) ? internet::hostOf(here) : "";
  try {
    listening_ = tcp().listenTCP(port, incoming_, 50, interface);
  } catch (const std::exception& e) {
    python::log::msg(std::string("SOCKSv4: cannot listen: ") + e.what());
    makeReply(kRejected);
    return;
  }
  const internet::Address bound = listening_->getHost();
  std::string host = internet::hostOf(bound);
  if (host.empty() || host == "0.0.0.0") host = interface;
  makeReply(kGranted, 0, internet::portOf(bound), host);
  if (bindTimeout > 0) {
    // Cancelled by connectionLost and the destructor: `this` outlives it.
    auto* time = dynamic_cast<internet::IReactorTime*>(&tcp());
    bindTimer_ =
        (time ? *time : internet::reactor()).callLater(bindTimeout, [this] { bindTimedOut(); });
  }
}

// The BIND's connection came (or one from elsewhere, or the client left).
void SOCKSv4::bindDecided() {
  if (bindTimer_.active()) bindTimer_.cancel();
}

void SOCKSv4::bindTimedOut() {
  python::log::msg("SOCKSv4: BIND timed out after " + std::to_string(bindTimeout) + " s");
  if (incoming_) incoming_->ip.clear();  // a late connection is refused
  if (auto port = std::exchange(listening_, nullptr)) port->stopListening();
  makeReply(kRejected);
}

void SOCKSv4::makeReply(int reply, int version, int port, const std::string& ip) {
  unsigned char packet[8] = {static_cast<unsigned char>(version), static_cast<unsigned char>(reply),
                             static_cast<unsigned char>((port >> 8) & 0xff),
                             static_cast<unsigned char>(port & 0xff)};
  in_addr address{};
  if (::inet_pton(AF_INET, ip.c_str(), &address) == 1) std::memcpy(packet + 4, &address, 4);
  transport->write(std::string_view(reinterpret_cast<const char*>(packet), sizeof packet));
  if (reply != kGranted) transport->loseConnection();
}

void SOCKSv4::write(std::string_view data) {
  log(this, data);
  transport->write(data);
}

void SOCKSv4::log(const internet::Protocol* proto, std::string_view data) {
  if (!logging || !otherConn || !otherConn->transport) return;
  if (!logFile_.is_open()) {
    logFile_.open(*logging, std::ios::app);
    if (!logFile_) return;
  }
  const std::time_t now = std::time(nullptr);
  char when[64] = {};
  std::tm local{};
  ::localtime_r(&now, &local);
  std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &local);  // time.ctime()
  const internet::Address peer = transport->getPeer();
  const internet::Address theirs = otherConn->transport->getPeer();
  logFile_ << when << '\t' << internet::hostOf(peer) << ':' << internet::portOf(peer) << ' '
           << (proto == this ? "<" : ">") << ' ' << internet::hostOf(theirs) << ':'
           << internet::portOf(theirs) << '\n';
  while (!data.empty()) {
    const std::string_view line = data.substr(0, 16);
    data.remove_prefix(line.size());
    char hex[4];
    for (char c : line) {
      std::snprintf(hex, sizeof hex, "%02X ", static_cast<unsigned char>(c));
      logFile_ << hex;
    }
    logFile_ << std::string((16 - line.size()) * 3, ' ');
    // As Twisted: a byte whose repr is one character is shown, else ".".
    for (char c : line)
      logFile_ << (c >= 0x20 && c < 0x7f && c != '\\' ? c : '.');
    logFile_ << '\n';
  }
  logFile_ << '\n';
  logFile_.flush();
}

void SOCKSv4::link(SOCKSv4Relay* relay) {
  otherConn = relay;
  // Each transport is the other's producer: a side that cannot keep up
  // pauses reading on the other, so memory stays bounded either way.
  relay->transport->registerProducer(transport, true);
  transport->registerProducer(relay->transport, true);
  linked_ = true;
  if (!pending_.empty()) relay->write(std::exchange(pending_, {}));
  transport->resumeProducing();
}

// --- factories -----------------------------------------------------------------------

SOCKSv4Factory::SOCKSv4Factory(std::optional<std::string> log, internet::IReactorTCP* r)
    : logging(std::move(log)), reactor(r) {}

std::unique_ptr<internet::Protocol> SOCKSv4Factory::buildProtocol(const internet::Address&) {
  auto p = std::make_unique<SOCKSv4>(logging, reactor);
  p->resolver = resolver;
  p->bindTimeout = bindTimeout;
  p->factory = this;
  return p;
}

std::unique_ptr<internet::Protocol> SOCKSv4IncomingFactory::buildProtocol(
    const internet::Address& addr) {
  if (!socks || ip.empty()) return nullptr;
  socks->bindDecided();
  const std::string host = internet::hostOf(addr);
  if (host == ip) {
    ip.clear();
    socks->makeReply(kGranted, 0, internet::portOf(addr), host);
    auto p = std::make_unique<SOCKSv4Incoming>(socks);
    p->factory = this;
    return p;
  }
  // Not the announced peer: the BIND fails.
  ip.clear();
  socks->makeReply(kRejected);
  return nullptr;
}

}  // namespace twisted::protocols::socks
