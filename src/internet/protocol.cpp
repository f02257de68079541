#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <typeinfo>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/process.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

namespace {
// The unqualified class name of `obj`, like Python's obj.__class__.__name__.
std::string className(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string full = status == 0 && name ? name.get() : type.name();
  // Drop namespaces, but not inside template arguments.
  auto angle = full.find('<');
  auto colon = full.rfind("::", angle);
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

std::string repr(const Factory& f) {
  char address[32];
  std::snprintf(address, sizeof address, "%p", static_cast<const void*>(&f));
  return "<" + f.logPrefix() + " object at " + address + ">";
}

std::string repr(const AbstractDatagramProtocol& p) {
  char address[32];
  std::snprintf(address, sizeof address, "%p", static_cast<const void*>(&p));
  return "<" + className(typeid(p)) + " object at " + address + ">";
}
}  // namespace

void BaseProtocol::makeConnection(ITransport* t) {
  connected = true;
  transport = t;
  connectionMade();
}

void Protocol::dataReceived(std::string_view) {}
void Protocol::connectionLost(const python::Failure&) {}
std::string Protocol::logPrefix() const {
  return className(typeid(*this));
}

std::unique_ptr<Protocol> Factory::buildProtocol(const Address&) {
  if (!protocol) {
    throw std::logic_error(logPrefix() +
                           ": no protocol to build (set Factory::protocol, use "
                           "Factory::forProtocol<P>(), or override buildProtocol)");
  }
  std::unique_ptr<Protocol> p = protocol();
  if (p) p->factory = this;
  return p;
}

void Factory::doStart() {
  // As Twisted: counted after startFactory(), so it sees numPorts == 0 and a
  // throwing startFactory() leaves the factory unstarted (the next doStart
  // tries again).
  if (numPorts == 0) {
    if (noisy) python::log::msg("Starting factory " + repr(*this));
    startFactory();
  }
  ++numPorts;
}

void Factory::doStop() {
  if (numPorts == 0) return;  // an extra doStop is ignored, as in Twisted
  if (--numPorts == 0) {
    if (noisy) python::log::msg("Stopping factory " + repr(*this));
    stopFactory();
  }
}

std::string Factory::logPrefix() const {
  return className(typeid(*this));
}

void AbstractDatagramProtocol::doStart() {
  // As Twisted: counted after startProtocol(), which sees numPorts == 0.
  if (numPorts == 0) {
    if (noisy) python::log::msg("Starting protocol " + repr(*this));
    startProtocol();
  }
  ++numPorts;
}

void AbstractDatagramProtocol::doStop() {
  if (numPorts == 0) return;  // Twisted asserts; an extra doStop is ignored
  --numPorts;
  transport = nullptr;
  if (numPorts == 0) {
    if (noisy) python::log::msg("Stopping protocol " + repr(*this));
    stopProtocol();
  }
}

void AbstractDatagramProtocol::makeConnection(IUDPTransport* t) {
  transport = t;
  doStart();
}

void AbstractDatagramProtocol::datagramReceived(std::string_view, const Address&) {}

std::string DatagramProtocol::logPrefix() const {
  return className(typeid(*this));
}

std::string ProcessProtocol::logPrefix() const {
  return className(typeid(*this));
}

void ConnectedDatagramProtocol::connectionFailed(const python::Failure&) {}

void ClientFactory::startedConnecting(IConnector&) {}
void ClientFactory::clientConnectionFailed(IConnector&, const python::Failure&) {}
void ClientFactory::clientConnectionLost(IConnector&, const python::Failure&) {}

}  // namespace twisted::internet
