// A UDP port: the bound socket, the reader the reactor calls, and the
// transport its DatagramProtocol writes to. Mirrors twisted.internet.udp.Port
// and MulticastPort (the multicast options are always there; listenUDP hands
// the port out as an IUDPPort and multicast() says null).
//
// Lifetime (docs/design/lifetime.md, rule 14): shared by the caller of
// listenUDP and, while listening, by the reactor (keepAlive_); stopListening
// or reactor shutdown releases the latter. The port holds its protocol
// (shared: one protocol may serve several ports). A protocol may call
// stopListening from datagramReceived: reading stops after that datagram and
// the port lives until the close has run.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/ireactor_multicast.h>
#include <twisted/internet/reactor_base.h>

#include "internet/udp/inet.h"

namespace twisted::internet::udp::detail {

class Port final : public IMulticastPort,
                   public IReadDescriptor,
                   public std::enable_shared_from_this<Port> {
 public:
  Port(ReactorBase& reactor, int port, std::shared_ptr<DatagramProtocol> protocol,
       std::string interface, int maxPacketSize, bool multicast, bool listenMultiple);
  /// A Unix datagram port (AF_UNIX): bound to `path` ("" = unbound) with
  /// `mode`, connected to `connectTo` if `connect` (connectUNIXDatagram).
  struct UnixSpec {
    std::string path;
    int mode = 0666;
    bool connect = false;
    std::string connectTo;
  };
  Port(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<DatagramProtocol> protocol,
       int maxPacketSize);
  /// An adopted, bound datagram socket `fd` (owned from now on) of `family`.
  Port(ReactorBase& reactor, int fd, int family, std::shared_ptr<DatagramProtocol> protocol,
       int maxPacketSize);
  ~Port() override;

  /// Twisted's Port.maxThroughput: bytes read per readiness at most.
  static constexpr std::size_t kMaxThroughput = 256 * 1024;

  // IListeningPort
  void startListening() override;
  defer::Deferred<void> stopListening() override;
  Address getHost() const override { return host_; }

  // IUDPTransport
  void write(std::string_view datagram, const Address& addr) override;
  void write(std::string_view datagram) override;
  void writeSequence(std::span<const std::string_view> seq, const Address& addr) override;
  void writeSequence(std::span<const std::string_view> seq) override;
  void connect(std::string_view host, int port) override;
  bool isConnected() const override { return connected_; }
  void setBroadcastAllowed(bool enabled) override;
  bool getBroadcastAllowed() const override;
  IMulticastTransport* multicast() noexcept override { return multicast_ ? this : nullptr; }

  // IMulticastTransport
  std::string getOutgoingInterface() const override;
  defer::Deferred<void> setOutgoingInterface(const std::string& addr) override;
  bool getLoopbackMode() const override;
  void setLoopbackMode(bool mode) override;
  int getTTL() const override;
  void setTTL(int ttl) override;
  defer::Deferred<void> joinGroup(const std::string& addr,
                                  const std::string& interface = "") override;
  defer::Deferred<void> leaveGroup(const std::string& addr,
                                   const std::string& interface = "") override;

  // IReadDescriptor
  int fileno() const override { return fd_; }
  DescriptorResult doRead() override;
  bool readsErrors() const noexcept override { return true; }
  void connectionLost(const python::Failure& reason) override;
  std::string logPrefix() const override;

 private:
  void stopReading();
  void closeAndStop(int fd);
  // A bound socket per the constructor's spec. @throws error::CannotListenError
  int openSocket();
  // A sender's address: "UDP" IPv4/IPv6, or a UNIXAddress.
  Address senderAddress(const sockaddr* from, socklen_t length) const;
  // connectUNIXDatagram's connect failed: Twisted's connectionFailed.
  void connectionFailed(const python::Failure& reason);
  std::string where() const;
  const SockAddr& destinationFor(const Address& addr);
  void send(const iovec* iov, int count, const sockaddr* dest, socklen_t length);
  void sendOne(std::string_view datagram, const sockaddr* dest, socklen_t length);
  // Write coalescing inside doRead (see port.cpp, "writing").
  bool batchingWrites() const noexcept;
  void queueWrite(std::string_view datagram, const sockaddr* dest, socklen_t destLength);
  void flushWrites();
  void sendFailed(int err);
  defer::Deferred<void> changeMembership(const std::string& group, const std::string& interface,
                                         bool join);
  void changeMembershipV4(const std::string& group, const std::string& interface,
                          const std::string& groupIP, const std::string& interfaceIP, bool join);
  int level() const noexcept;

  ReactorBase& reactor_;
  int requestedPort_;
  std::shared_ptr<DatagramProtocol> protocol_;
  std::string interface_;
  int maxPacketSize_;
  bool multicast_;
  bool listenMultiple_;
  int family_;
  int fd_ = -1;
  bool listening_ = false;  // bound and not stopped (Twisted's `connected`)
  bool reading_ = false;
  bool connected_ = false;  // connect() was called
  // The address doRead is delivering with (null outside a delivery): a
  // write to that very object goes to the sender's sockaddr, unparsed.
  const Address* deliveringFrom_ = nullptr;
  const sockaddr* deliveringSockAddr_ = nullptr;
  socklen_t deliveringLength_ = 0;
  SockAddr peer_;  // connect()'s peer
  Address host_;   // what getHost() reports, kept after the socket is closed
  // The last destination write() parsed: a server answering the peer it
  // heard from writes to the same address again and again.
  struct {
    Address addr;
    SockAddr sockaddr;
    bool valid = false;
  } lastDestination_;
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while listening
  // AF_UNIX ports and adopted sockets (cold).
  UnixSpec unix_;
  bool ownsPath_ = false;  // we bound a file-system path: removed when closed
  int adoptedFd_ = -1;     // adoptDatagramPort's duplicate, until startListening
};

}  // namespace twisted::internet::udp::detail
