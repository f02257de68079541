// Unix-domain stream server and client endpoints. Mirrors the UNIX classes
// of twisted.internet.endpoints. Guide: docs/endpoints.md.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string>

#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>

namespace twisted::internet::endpoints {

/// Listens with IReactorUNIX::listenUNIX on a socket path (a leading NUL
/// byte: Linux's abstract namespace).
/// Mirrors: twisted.internet.endpoints.UNIXServerEndpoint(reactor, address,
/// backlog, mode, wantPID).
class TWISTED_API UNIXServerEndpoint final : public IStreamServerEndpoint {
 public:
  /// Mirrors UNIXServerEndpoint(reactor, address, backlog=50, mode=0o666, wantPID=0).
  UNIXServerEndpoint(IReactorUNIX& reactor, std::string address, int backlog = 50, int mode = 0666,
                     bool wantPID = false);
  /// Mirrors UNIXServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  IReactorUNIX& reactor_;
  std::string address_;
  int backlog_;
  int mode_;
  bool wantPID_;
};

/// Connects with IReactorUNIX::connectUNIX.
/// Mirrors: twisted.internet.endpoints.UNIXClientEndpoint(reactor, path,
/// timeout, checkPID).
class TWISTED_API UNIXClientEndpoint final : public IStreamClientEndpoint {
 public:
  /// Mirrors UNIXClientEndpoint(reactor, path, timeout=30, checkPID=0).
  UNIXClientEndpoint(IReactorUNIX& reactor, std::string path, double timeout = 30,
                     bool checkPID = false);
  /// Mirrors UNIXClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 private:
  IReactorUNIX& reactor_;
  std::string path_;
  double timeout_;
  bool checkPID_;
};

}  // namespace twisted::internet::endpoints
