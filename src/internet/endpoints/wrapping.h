// The one place that turns a reactor's connect call and an endpoint user's
// Factory into IStreamClientEndpoint::connect's Deferred<Protocol*>. Every
// client endpoint goes through it. Mirrors Twisted's _WrappingFactory and
// _WrappingProtocol (twisted/internet/endpoints.py).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet::endpoints::detail {

/// Calls the reactor (connectTCP, connectUNIX, connectSSL ...) with the
/// ClientFactory it is given and returns the connector.
using Connect = std::function<std::shared_ptr<IConnector>(std::shared_ptr<ClientFactory>)>;

/// Connects `factory` through `connect`: the Deferred fires with the
/// protocol `factory` built once its connectionMade has run; errbacks with
/// the connect failure, with error::NoProtocol (or what buildProtocol threw)
/// if it built none, or with error::ConnectingCancelledError(`destination`)
/// on cancel() (the attempt is stopped). Never throws: a throwing `connect`
/// becomes the errback. The factory gets doStart/doStop around the attempt,
/// as the reactor gives them to the wrapping factory.
defer::Deferred<Protocol*> wrapConnect(std::shared_ptr<Factory> factory, const Connect& connect,
                                       std::string destination);

/// The protocol that runs `wrapped` in a connection and tells `connected`
/// once wrapped's connectionMade has run (and `lost`, if given, once its
/// connectionLost has returned or thrown). It offers IHalfCloseableProtocol,
/// IFileDescriptorReceiver and IHandshakeListener exactly when `wrapped`
/// does, so the transport treats it as it would treat `wrapped`.
std::unique_ptr<Protocol> wrapProtocol(std::unique_ptr<Protocol> wrapped,
                                       defer::Deferred<Protocol*> connected,
                                       std::function<void()> lost = {});

/// The protocol a wrapProtocol() wrapper runs, or `p` itself if it is none.
Protocol* unwrapProtocol(Protocol* p) noexcept;

}  // namespace twisted::internet::endpoints::detail
