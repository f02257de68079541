// A listening stream socket: TCP (Mirrors twisted.internet.tcp.Port), Unix
// (twisted.internet.unix.Port: a path, its mode, the optional lock file) or
// an adopted one (IReactorSocket.adoptStreamPort). The accept loop, the
// descriptor-exhaustion handling and the lifetime are the same for all.
//
// Lifetime: shared by the caller of listenTCP/listenUNIX/adoptStreamPort
// and, while listening, by the reactor (keepAlive_); stopListening or
// reactor shutdown releases the latter.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::stream::detail {

class Port final : public IListeningPort,
                   public IReadDescriptor,
                   public std::enable_shared_from_this<Port> {
 public:
  /// A TCP port on `interface` (empty: 0.0.0.0).
  Port(ReactorBase& reactor, int port, std::shared_ptr<Factory> factory, int backlog,
       std::string interface);
  /// What a Unix port listens on.
  struct UnixSpec {
    std::string path;
    int mode = 0666;
    bool wantPID = false;
  };
  /// A Unix port on `spec.path`.
  Port(ReactorBase& reactor, UnixSpec spec, std::shared_ptr<Factory> factory, int backlog);
  /// A port on the already listening socket `fd` (owned from now on) of
  /// `family` (IReactorSocket.adoptStreamPort).
  Port(ReactorBase& reactor, int fd, int family, std::shared_ptr<Factory> factory);
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
  int openInet();
  int openUnix();
  [[noreturn]] void cannotListen(const std::string& reason) const;
  void acceptOne(int fd, const sockaddr* peer, socklen_t peerLength);
  bool handleFdExhaustion();
  std::string describe() const;  // the port number or the path, for logs

  ReactorBase& reactor_;
  int requestedPort_;
  std::shared_ptr<Factory> factory_;
  int backlog_;
  std::string interface_;
  int family_ = AF_INET;   // AF_UNIX for a Unix port; an adopted socket's own
  UnixSpec unixSpec_;      // a Unix port's path, mode and lock
  bool lockHeld_ = false;  // unixSpec_.path + ".lock" taken (wantPID)
  int adoptedFd_ = -1;     // the adopted socket, until startListening
  int fd_ = -1;
  Address host_;         // what getHost() reports, kept after the socket is closed
  int reservedFd_ = -1;  // closed to accept-and-drop a connection under EMFILE
  int sessionno_ = 0;
  bool listening_ = false;
  bool refusalLogged_ = false;                 // acceptOne's "cannot watch" message, once
  internet::detail::KeepAliveHook keepAlive_;  // held by the reactor while listening
};

}  // namespace twisted::internet::stream::detail
