// Unix stream sockets on any FD-set reactor. Mirrors twisted.internet.unix;
// ReactorBase's listenUNIX/connectUNIX (IReactorUNIX) call these.
//
// The namespace is `unix_`: `unix` is a predefined macro in GNU C++ modes.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/interfaces/ifile_descriptor_receiver.h>
#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/interfaces/ireactor_unix_datagram.h>
#include <twisted/internet/interfaces/iunix_transport.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::unix_ {

/// IReactorUNIX.listenUNIX on `reactor`. @throws error::CannotListenError
TWISTED_API std::shared_ptr<IListeningPort> listenUNIX(ReactorBase& reactor,
                                                       std::string_view address,
                                                       std::shared_ptr<Factory> factory,
                                                       int backlog = 50, int mode = 0666,
                                                       bool wantPID = false);

/// IReactorUNIX.connectUNIX on `reactor`.
TWISTED_API std::shared_ptr<IConnector> connectUNIX(ReactorBase& reactor, std::string_view address,
                                                    std::shared_ptr<ClientFactory> factory,
                                                    double timeout = 30, bool checkPID = false);

/// IReactorUNIXDatagram.listenUNIXDatagram on `reactor`.
/// @throws error::CannotListenError
TWISTED_API std::shared_ptr<IUDPPort> listenUNIXDatagram(ReactorBase& reactor,
                                                         std::string_view address,
                                                         std::shared_ptr<DatagramProtocol> protocol,
                                                         int maxPacketSize = 8192, int mode = 0666);

/// IReactorUNIXDatagram.connectUNIXDatagram on `reactor`.
TWISTED_API std::shared_ptr<IUDPPort> connectUNIXDatagram(
    ReactorBase& reactor, std::string_view address,
    std::shared_ptr<ConnectedDatagramProtocol> protocol, int maxPacketSize = 8192, int mode = 0666,
    std::string_view bindAddress = "");

}  // namespace twisted::internet::unix_
