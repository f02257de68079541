// IMulticastTransport: the multicast options of a port from listenMulticast.
#pragma once

#include <twisted/export.h>

#include <string>

#include <twisted/internet/defer/deferred.h>

namespace twisted::internet {

/// Additional functionality for multicast UDP. IPv4 ports take IPv4 group
/// and interface addresses (names are resolved); IPv6 ports take IPv6 group
/// literals and an interface name ("lo"), index ("1") or "" (any).
///
/// Mirrors: twisted.internet.interfaces.IMulticastTransport. Reactor thread only.
class TWISTED_API IMulticastTransport {
 public:
  virtual ~IMulticastTransport() = default;

  /// The interface multicast datagrams leave by: IPv4 "0.0.0.0" for the
  /// kernel's choice; IPv6: the interface name, "" for any.
  /// Mirrors IMulticastTransport.getOutgoingInterface.
  virtual std::string getOutgoingInterface() const = 0;
  /// Sets it (IP_MULTICAST_IF / IPV6_MULTICAST_IF); the Deferred fails if
  /// the name cannot be resolved or the kernel refuses.
  /// Mirrors IMulticastTransport.setOutgoingInterface.
  virtual defer::Deferred<void> setOutgoingInterface(const std::string& addr) = 0;
  /// Whether our own multicast datagrams are looped back to us (default true).
  /// Mirrors IMulticastTransport.getLoopbackMode.
  virtual bool getLoopbackMode() const = 0;
  /// Mirrors IMulticastTransport.setLoopbackMode.
  virtual void setLoopbackMode(bool mode) = 0;
  /// The multicast time-to-live (hop limit; default 1).
  /// Mirrors IMulticastTransport.getTTL.
  virtual int getTTL() const = 0;
  /// Mirrors IMulticastTransport.setTTL. @throws std::system_error if out of range.
  virtual void setTTL(int ttl) = 0;
  /// Joins the multicast group `addr` on `interface` ("" = the kernel's
  /// choice). The Deferred fails with error::MulticastJoinError if the kernel
  /// refuses. Mirrors IMulticastTransport.joinGroup.
  virtual defer::Deferred<void> joinGroup(const std::string& addr,
                                          const std::string& interface = "") = 0;
  /// Leaves a group joined before (MulticastJoinError otherwise).
  /// Mirrors IMulticastTransport.leaveGroup.
  virtual defer::Deferred<void> leaveGroup(const std::string& addr,
                                           const std::string& interface = "") = 0;
};

}  // namespace twisted::internet
