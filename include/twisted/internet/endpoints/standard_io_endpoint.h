// Standard input and output as a server endpoint. Mirrors
// twisted.internet.endpoints.StandardIOEndpoint. Guide: docs/endpoints.md.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/interfaces/istream_server_endpoint.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::endpoints {

/// "Listens" by connecting one protocol of the factory (buildProtocol gets
/// a PipeAddress) to standard input and output (stdio::StandardIO). The
/// port it gives stands for that connection: stopListening() closes it
/// (loseConnection: what was written is flushed) and fires once its
/// connectionLost has run; getHost() is a PipeAddress. Listening again
/// while the first connection is open errbacks with error::AlreadyListened
/// (the descriptors are in use).
/// Unlike Twisted, whose listen() hands back the StandardIO transport
/// itself, which has no stopListening.
/// Mirrors: twisted.internet.endpoints.StandardIOEndpoint(reactor).
class TWISTED_API StandardIOEndpoint final : public IStreamServerEndpoint {
 public:
  /// `stdinFd`/`stdoutFd`: the descriptors to use (tests pass pipes).
  /// Mirrors StandardIOEndpoint(reactor).
  explicit StandardIOEndpoint(ReactorBase& reactor, int stdinFd = 0, int stdoutFd = 1);
  /// Mirrors StandardIOEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  ReactorBase& reactor_;
  int stdinFd_;
  int stdoutFd_;
  std::shared_ptr<bool> inUse_;
};

}  // namespace twisted::internet::endpoints
