// twisted.protocols.portforward. Tests: tests/protocols/test_portforward.cpp
#include <twisted/protocols/portforward.h>

#include <twisted/internet/interfaces/ireactor_ssl.h>

#include <stdexcept>
#include <utility>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::protocols::portforward {

// --- Proxy ------------------------------------------------------------------------

Proxy::~Proxy() {
  // Destroyed without connectionLost (its reactor went first): at least do
  // not leave the peer pointing here.
  if (peer && peer->peer == this) {
    peer->peer = nullptr;
    peer->hadPeer_ = true;
  }
}

void Proxy::dataReceived(std::string_view data) {
  if (peer) peer->transport->write(data);
}

void Proxy::connectionLost(const python::Failure& reason) {
  Proxy* p = std::exchange(peer, nullptr);
  if (p) {
    p->peer = nullptr;
    p->hadPeer_ = true;
    if (producersLinked_) {
      // Our transport is the producer of the peer's: unregister it before
      // it goes away (a transport with a producer also waits for the
      // unregistration before it closes).
      producersLinked_ = p->producersLinked_ = false;
      p->transport->unregisterProducer();
    }
    p->transport->loseConnection();
  } else if (!hadPeer_ && noisy) {
    python::log::msg("Unable to connect to peer: " + reason.getErrorMessage());
  }
}

// --- ProxyClient --------------------------------------------------------------------

void ProxyClient::connectionMade() {
  if (!peer) {
    // The server side went away meanwhile; send what it left, then close.
    hadPeer_ = true;  // nothing to log: the server side was there
    if (auto* f = dynamic_cast<ProxyClientFactory*>(factory); f && !f->orphaned.empty())
      transport->write(std::exchange(f->orphaned, {}));
    transport->loseConnection();
    return;
  }
  peer->setPeer(this);
  // Wire the two transports together for flow control: a side that cannot
  // send fast enough pauses reading on the other, so the proxy's memory
  // stays bounded whichever side is slower.
  transport->registerProducer(peer->transport, true);
  peer->transport->registerProducer(transport, true);
  producersLinked_ = peer->producersLinked_ = true;
  // What the server side received while this connection was being made.
  if (auto* server = dynamic_cast<ProxyServer*>(peer); server && !server->pending_.empty())
    transport->write(std::exchange(server->pending_, {}));
  // Connected: everybody can read to their hearts' content.
  peer->transport->resumeProducing();
}

// --- ProxyClientFactory ---------------------------------------------------------------

ProxyClientFactory::ProxyClientFactory() {
  setProtocol<ProxyClient>();
}

std::unique_ptr<internet::Protocol> ProxyClientFactory::buildProtocol(
    const internet::Address& addr) {
  if (!server && orphaned.empty()) return nullptr;
  std::unique_ptr<internet::Protocol> p = ClientFactory::buildProtocol(addr);
  if (auto* proxy = dynamic_cast<Proxy*>(p.get()); proxy && server) proxy->setPeer(server);
  return p;
}

void ProxyClientFactory::clientConnectionFailed(internet::IConnector&,
                                                const python::Failure& reason) {
  orphaned.clear();
  if (!server) return;
  // The server side logs it when it is lost: the real reason, not its own
  // clean close.
  server->connectFailure_ = reason;
  server->transport->loseConnection();
}

// --- ProxyServer --------------------------------------------------------------------------

ProxyServer::~ProxyServer() {
  if (clientFactory_) clientFactory_->server = nullptr;
}

std::shared_ptr<ProxyClientFactory> ProxyServer::clientProtocolFactory() {
  return std::make_shared<ProxyClientFactory>();
}

void ProxyServer::connectionMade() {
  auto* f = dynamic_cast<ProxyFactory*>(factory);
  if (!f) throw std::logic_error("ProxyServer: its factory must be a ProxyFactory");
  // Unlike Twisted, keep reading (up to kPendingLimit): a paused transport
  // would not notice the client leave until the connect ends.
  clientFactory_ = clientProtocolFactory();
  clientFactory_->setServer(this);
  internet::IReactorTCP* r = reactor ? reactor : f->reactor;
  if (!r) r = &internet::reactor();
  if (f->clientTLS) {
    auto* tls = dynamic_cast<internet::IReactorSSL*>(r);
    if (!tls) throw std::logic_error("ProxyFactory::clientTLS: the reactor has no connectSSL");
    connector_ = tls->connectSSL(f->host, f->port, clientFactory_, *f->clientTLS);
  } else {
    connector_ = r->connectTCP(f->host, f->port, clientFactory_);
  }
}

void ProxyServer::dataReceived(std::string_view data) {
  if (peer) {
    Proxy::dataReceived(data);
    return;
  }
  pending_.append(data);
  if (pending_.size() >= kPendingLimit) transport->pauseProducing();
}

void ProxyServer::connectionLost(const python::Failure& reason) {
  if (clientFactory_) clientFactory_->server = nullptr;
  if (!peer && connector_ && !connectFailure_) {
    if (!pending_.empty() && clientFactory_) {
      // Gone before the outgoing connection was made, but it sent data:
      // let the connection be made to deliver it (Twisted would).
      clientFactory_->orphaned = std::move(pending_);
    } else {
      // Gone before the outgoing connection was made: stop making it now.
      try {
        connector_->stopConnecting();
      } catch (const internet::error::NotConnectingError&) {
      }
    }
  }
  connector_.reset();
  Proxy::connectionLost(connectFailure_ ? *connectFailure_ : reason);
}

// --- ProxyFactory --------------------------------------------------------------------------

ProxyFactory::ProxyFactory(std::string h, int p) : host(std::move(h)), port(p) {
  setProtocol<ProxyServer>();
}

}  // namespace twisted::protocols::portforward
