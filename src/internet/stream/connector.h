// An outgoing stream connection attempt (TCP to a host and port, or Unix to
// a path) and, once connected, its handle. Mirrors
// twisted.internet.tcp.Connector / unix.Connector (+ BaseConnector) and the
// connecting half of tcp.Client / unix.Client.
//
// Lifetime: shared by the caller of connectTCP, by the reactor while
// connecting (keepAlive_), and by its Connection while connected.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

#include "internet/stream/sockets.h"

namespace twisted::internet::stream::detail {

class Connection;

class Connector final : public IConnector,
                        public IWriteDescriptor,
                        public std::enable_shared_from_this<Connector> {
 public:
  Connector(ReactorBase& reactor, std::string host, int port,
            std::shared_ptr<ClientFactory> factory, double timeout,
            std::optional<std::pair<std::string, int>> bindAddress);
  /// What a Unix connector connects to.
  struct UnixSpec {
    std::string path;
    bool checkPID = false;
  };
  /// A connector to the Unix socket `spec.path`.
  Connector(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<ClientFactory> factory,
            double timeout);
  ~Connector() override;

  // IConnector
  void connect() override;
  void stopConnecting() override;
  void disconnect() override;
  Address getDestination() const override;

  // IWriteDescriptor: the socket while the connect() is in progress
  int fileno() const override { return fd_; }
  DescriptorResult doWrite() override;
  void connectionLost(const python::Failure& reason) override;
  std::string logPrefix() const override { return "Connector"; }

  /// Called by our Connection when it ends: clientConnectionLost.
  void transportLost(const python::Failure& reason);

 private:
  enum class State : std::uint8_t { kDisconnected, kConnecting, kConnected };
  void resolved(std::uint64_t attempt, const std::string& address);
  void resolutionFailed(std::uint64_t attempt, const python::Failure& reason);
  void startConnect(const SockAddr& addr);
  void connectUnix(std::uint64_t attempt);
  void connected();
  void failIfNotConnected(const python::Failure& reason);
  void closeSocket();

  ReactorBase& reactor_;
  std::string host_;
  int port_;
  std::shared_ptr<ClientFactory> factory_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
  std::optional<UnixSpec> unixSpec_;  // a Unix connector: host_ is unused
  State state_ = State::kDisconnected;
  bool factoryStarted_ = false;
  bool writing_ = false;
  int fd_ = -1;
  std::uint64_t attempt_ = 0;  // a late DNS answer for an older attempt is ignored
  // The resolver's Deferred while this attempt waits for it: cancelled when
  // the attempt ends first (stopConnecting, timeout).
  std::optional<defer::Deferred<std::string>> lookup_;
  DelayedCall timeoutCall_;
  std::weak_ptr<Connection> transport_;
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while connecting
};

}  // namespace twisted::internet::stream::detail
