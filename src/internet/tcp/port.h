// A listening TCP socket. Mirrors twisted.internet.tcp.Port.
//
// Lifetime: shared by the caller of listenTCP and, while listening, by the
// reactor (keepAlive_); stopListening or reactor shutdown releases the latter.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::tcp::detail {

class Port final : public IListeningPort,
                   public IReadDescriptor,
                   public std::enable_shared_from_this<Port> {
 public:
  Port(ReactorBase& reactor, int port, std::shared_ptr<Factory> factory, int backlog,
       std::string interface);
  ~Port() override;

  // IListeningPort
  void startListening() override;
  defer::Deferred<void> stopListening() override;
  Address getHost() const override;

  // IReadDescriptor
  int fileno() const override { return fd_; }
  DescriptorResult doRead() override;
  void connectionLost(const python::Failure& reason) override;
  std::string logPrefix() const override;

  /// Accepts per readiness, as Twisted's numberAccepts (adaptive).
  int numberAccepts = 100;

 private:
  void closeSocket();
  void acceptOne(int fd, const sockaddr* peer);
  bool handleFdExhaustion();

  ReactorBase& reactor_;
  int requestedPort_;
  std::shared_ptr<Factory> factory_;
  int backlog_;
  std::string interface_;
  int fd_ = -1;
  Address host_;         // what getHost() reports, kept after the socket is closed
  int reservedFd_ = -1;  // closed to accept-and-drop a connection under EMFILE
  int sessionno_ = 0;
  bool listening_ = false;
  bool refusalLogged_ = false;                 // acceptOne's "cannot watch" message, once
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while listening
};

}  // namespace twisted::internet::tcp::detail
