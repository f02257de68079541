// IUDPTransport: what a DatagramProtocol's transport (a UDP port) offers.
#pragma once

#include <twisted/export.h>

#include <span>
#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/python/log.h>

namespace twisted::internet {

class IMulticastTransport;

/// The transport of a DatagramProtocol: a bound UDP socket that sends and
/// receives whole datagrams.
///
/// Mirrors: twisted.internet.interfaces.IUDPTransport. Addresses are
/// IPv4Address/IPv6Address values with type "UDP" whose host must be an IP
/// literal (Twisted's (host, port) tuples); on a Unix datagram port
/// (listenUNIXDatagram, IUNIXDatagramTransport) they are UNIXAddress paths.
/// Reactor thread only.
class TWISTED_API IUDPTransport : public virtual python::log::ILoggingContext {
 public:
  virtual ~IUDPTransport() = default;

  /// Sends `datagram` to `addr` (an IPv4 literal, "<broadcast>" or an IPv6
  /// literal, of the port's family) in one sendto; never blocks: if the
  /// socket buffer is full the datagram is dropped, as the network may drop it.
  /// In connected mode `addr` must be the connected peer.
  /// Mirrors IUDPTransport.write(packet, addr).
  /// @throws error::InvalidAddressError for a host name or a family mismatch;
  ///         error::MessageLengthError if the datagram is too long (EMSGSIZE);
  ///         std::system_error for any other error the kernel reports
  ///         (e.g. EACCES: broadcast without setBroadcastAllowed(true)).
  virtual void write(std::string_view datagram, const Address& addr) = 0;
  /// Connected mode: sends `datagram` to the peer given to connect(). A
  /// refusal the kernel reports (ECONNREFUSED, from an earlier datagram's
  /// ICMP error) calls the protocol's connectionRefused().
  /// Mirrors IUDPTransport.write(packet) with addr=None.
  /// @throws std::logic_error if not connected; error::MessageLengthError.
  virtual void write(std::string_view datagram) = 0;
  /// write(datagram, Address) with the address given as an IP literal and a
  /// port: IPv6 if `host` contains ':'.
  void write(std::string_view datagram, std::string_view host, int port) {
    if (host.find(':') != std::string_view::npos)
      write(datagram, Address(IPv6Address{"UDP", std::string(host), port, 0, 0}));
    else
      write(datagram, Address(IPv4Address{"UDP", std::string(host), port}));
  }
  /// Sends the concatenation of `seq` as one datagram to `addr` (one
  /// sendmsg, no copy). Mirrors IUDPTransport.writeSequence(seq, addr).
  virtual void writeSequence(std::span<const std::string_view> seq, const Address& addr) = 0;
  /// Connected mode: writeSequence to the peer. Mirrors writeSequence(seq, None).
  virtual void writeSequence(std::span<const std::string_view> seq) = 0;

  /// Connects to `host` (an IP literal) and `port`: from now on datagrams go
  /// only there and only that peer's datagrams are delivered; the protocol's
  /// connectionRefused() may be called. Mirrors IUDPTransport.connect.
  /// @throws error::InvalidAddressError for a host name or a family
  ///         mismatch; std::runtime_error if already connected.
  virtual void connect(std::string_view host, int port) = 0;
  /// True once connect() succeeded. No Twisted equivalent (Port._connectedAddr).
  virtual bool isConnected() const = 0;

  /// The local address (type "UDP"; the real port when 0 was asked for).
  /// Mirrors IUDPTransport.getHost.
  virtual Address getHost() const = 0;
  /// Stops reading now; the socket closes on the next iteration, then the
  /// protocol's doStop (stopProtocol for its last port) runs and the
  /// Deferred fires. Mirrors IUDPTransport.stopListening.
  virtual defer::Deferred<void> stopListening() = 0;

  /// Allows sending to broadcast addresses (SO_BROADCAST).
  /// Mirrors IUDPTransport.setBroadcastAllowed.
  virtual void setBroadcastAllowed(bool enabled) = 0;
  /// Mirrors IUDPTransport.getBroadcastAllowed.
  virtual bool getBroadcastAllowed() const = 0;

  /// This transport's multicast side if it came from listenMulticast, else
  /// null (Twisted: IMulticastTransport.providedBy(transport)).
  virtual IMulticastTransport* multicast() noexcept { return nullptr; }
};

}  // namespace twisted::internet
