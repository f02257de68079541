// Datagram protocols: what to do with each datagram a UDP port receives.
// Mirrors twisted.internet.protocol.AbstractDatagramProtocol,
// DatagramProtocol and ConnectedDatagramProtocol.
//
// Ownership (see docs/design/lifetime.md, rule 14): listenUDP/listenMulticast
// take a std::shared_ptr<DatagramProtocol>; each port holds it while it
// exists, so one protocol may serve several ports (doStart/doStop count
// them: startProtocol runs once, stopProtocol after the last port stopped).
// `transport` is the last port that started the protocol, null once
// stopped.
#pragma once

#include <twisted/export.h>

#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/imulticast_transport.h>
#include <twisted/internet/interfaces/iudp_transport.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet {

/// A protocol for datagram-oriented transports.
/// Mirrors: twisted.internet.protocol.AbstractDatagramProtocol.
class TWISTED_API AbstractDatagramProtocol {
 public:
  virtual ~AbstractDatagramProtocol() = default;

  /// Calls startProtocol() for the first port, then counts it.
  /// Called by the port (makeConnection); users should not call it.
  /// Mirrors AbstractDatagramProtocol.doStart.
  virtual void doStart();
  /// Uncounts a port, clears `transport`, and calls stopProtocol() after the
  /// last one. An extra doStop is ignored. Mirrors AbstractDatagramProtocol.doStop.
  virtual void doStop();
  /// Called when the first transport is connected to this protocol.
  /// Mirrors AbstractDatagramProtocol.startProtocol.
  virtual void startProtocol() {}
  /// Called when the last transport is disconnected.
  /// Mirrors AbstractDatagramProtocol.stopProtocol.
  virtual void stopProtocol() {}
  /// Sets `transport`, then doStart(). Mirrors AbstractDatagramProtocol.makeConnection.
  virtual void makeConnection(IUDPTransport* t);
  /// A datagram arrived from `addr` (an IPv4Address or IPv6Address of type
  /// "UDP"). `datagram` is valid during the call only; it is truncated to the
  /// port's maxPacketSize, as Twisted delivers it. An exception is logged
  /// and the port goes on. Mirrors AbstractDatagramProtocol.datagramReceived.
  virtual void datagramReceived(std::string_view datagram, const Address& addr);

  /// The port this protocol writes to (not owned; null when not started).
  /// Mirrors AbstractDatagramProtocol.transport.
  IUDPTransport* transport = nullptr;
  /// How many ports use this protocol. Mirrors AbstractDatagramProtocol.numPorts.
  int numPorts = 0;
  /// Log "Starting protocol ..."/"Stopping protocol ...". Mirrors `noisy`.
  bool noisy = true;
};

/// A protocol for UDP. Mirrors: twisted.internet.protocol.DatagramProtocol.
class TWISTED_API DatagramProtocol : public AbstractDatagramProtocol,
                                     public virtual python::log::ILoggingContext {
 public:
  /// The class name, e.g. "Echo". Mirrors DatagramProtocol.logPrefix.
  std::string logPrefix() const override;
  /// In connected mode, the peer refused an earlier datagram (an ICMP port
  /// unreachable, reported by a later read or write).
  /// Mirrors DatagramProtocol.connectionRefused.
  virtual void connectionRefused() {}
};

/// Mirrors: twisted.internet.protocol.ConnectedDatagramProtocol ("no longer
/// necessary for UDP"): a DatagramProtocol meant for connected mode
/// (transport->connect()); datagramReceived keeps its address argument.
class TWISTED_API ConnectedDatagramProtocol : public DatagramProtocol {
 public:
  /// Connecting failed. Mirrors ConnectedDatagramProtocol.connectionFailed.
  virtual void connectionFailed(const python::Failure& reason);
};

}  // namespace twisted::internet
