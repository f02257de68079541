// A SOCKS4/SOCKS4a proxy server: CONNECT and BIND, relaying with flow
// control. Mirrors twisted.protocols.socks.
//
//     reactor().listenTCP(1080, std::make_shared<socks::SOCKSv4Factory>(), 50, "127.0.0.1");
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/iresolver_simple.h>
#include <twisted/internet/protocol.h>
#include <twisted/protocols/socks/request_parser.h>

namespace twisted::protocols::socks {

class SOCKSv4;
class SOCKSv4OutgoingFactory;
class SOCKSv4IncomingFactory;

/// The SOCKS4 reply codes this server sends.
inline constexpr int kGranted = 90;   ///< request granted
inline constexpr int kRejected = 91;  ///< request rejected or failed

/// What both relay sides share: what arrives goes to the client through
/// SOCKSv4::write; losing it closes the client.
///
/// Not a Twisted class: SOCKSv4Outgoing and SOCKSv4Incoming are written
/// twice there. Lifetime: owned by its transport; it and its SOCKSv4 point
/// at each other and unlink both ways when either is lost.
class TWISTED_API SOCKSv4Relay : public internet::Protocol {
 public:
  /// A relay side for `socks` (not owned).
  explicit SOCKSv4Relay(SOCKSv4* client) : socks(client) {}
  ~SOCKSv4Relay() override;
  /// Sends `data` to the client (logged). Mirrors SOCKSv4Outgoing.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Closes the client. Mirrors SOCKSv4Outgoing.connectionLost.
  void connectionLost(const python::Failure& reason) override;
  /// Logs `data` as sent to this side, then writes it.
  /// Mirrors SOCKSv4Outgoing.write.
  void write(std::string_view data);

  /// The client side (not owned), or null once it is gone. Mirrors SOCKSv4Outgoing.socks.
  SOCKSv4* socks;
};

/// The connection to a CONNECT's destination: on connectionMade replies 90
/// with the destination's address and starts relaying.
/// Mirrors: twisted.protocols.socks.SOCKSv4Outgoing.
class TWISTED_API SOCKSv4Outgoing : public SOCKSv4Relay {
 public:
  using SOCKSv4Relay::SOCKSv4Relay;
  /// Replies 90 (port and address of the peer) and links the two sides.
  /// Mirrors SOCKSv4Outgoing.connectionMade.
  void connectionMade() override;
};

/// The connection a BIND waited for, accepted from the announced address.
/// Mirrors: twisted.protocols.socks.SOCKSv4Incoming.
class TWISTED_API SOCKSv4Incoming : public SOCKSv4Relay {
 public:
  using SOCKSv4Relay::SOCKSv4Relay;
  /// Links the two sides and stops the BIND's listening port.
  void connectionMade() override;
};

/// The server protocol: parses one SOCKS4/4a request, then CONNECTs or
/// BINDs and relays both ways.
///
/// Mirrors: twisted.protocols.socks.SOCKSv4. Differences from Twisted:
/// the request parser is bounded (RequestParser::kMaxFieldLength) and a
/// wrong version closes at once (Twisted asserts, which drops the
/// connection too); an unknown command is rejected with 91 (Twisted
/// raises); bytes sent after the request, before the reply, are forwarded
/// once connected (up to kPendingLimit, then reading pauses) instead of
/// tripping an assertion; the relay is flow-controlled (each transport is
/// the other's streaming producer); BIND works (Twisted 22's listenClass
/// indexes an IPv4Address and fails), listens on the interface the client
/// reached, replies with that address, sends the second reply with the
/// accepted peer's address and port (Twisted: 0.0.0.0:0), stops
/// listening after one connection, and gives up after bindTimeout
/// (Twisted waits as long as the client stays).
class TWISTED_API SOCKSv4 : public internet::Protocol {
 public:
  /// The most bytes held from the client before the destination is
  /// connected; then reading pauses.
  static constexpr std::size_t kPendingLimit = 64 * 1024;
  /// How long a BIND waits for its connection by default (seconds).
  static constexpr double kBindTimeout = 120;

  /// `logging`: a file to append the relayed traffic to (as a hex dump);
  /// `reactor`: where to connect and listen (not owned; null: the global
  /// reactor()). Mirrors SOCKSv4(logging=None, reactor=reactor).
  explicit SOCKSv4(std::optional<std::string> logging = std::nullopt,
                   internet::IReactorTCP* reactor = nullptr);
  ~SOCKSv4() override;

  /// Mirrors SOCKSv4.connectionMade.
  void connectionMade() override;
  /// Parses the request; once relaying, forwards to the other side.
  /// Mirrors SOCKSv4.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Closes the other side, stops a connect or listen in progress.
  /// Mirrors SOCKSv4.connectionLost.
  void connectionLost(const python::Failure& reason) override;

  /// Whether to carry out `code` (1 CONNECT, 2 BIND) to server:port for
  /// `user`; false replies 91. The default logs the request and allows it.
  /// Mirrors SOCKSv4.authorize.
  virtual bool authorize(int code, const std::string& server, int port, const std::string& user);
  /// Connects to host:port with a SOCKSv4Outgoing for this connection; a
  /// failure replies 91. Mirrors SOCKSv4.connectClass.
  virtual void connectClass(const std::string& host, int port);
  /// Listens on `port` (0: any) for one connection from `ip` with a
  /// SOCKSv4Incoming; replies 90 with the port. Mirrors SOCKSv4.listenClass.
  virtual void listenClass(int port, const std::string& ip);
  /// Sends a reply (`ip` an IPv4 dotted quad; anything else is sent as
  /// 0.0.0.0) and closes unless `reply` is 90. Mirrors SOCKSv4.makeReply.
  void makeReply(int reply, int version = 0, int port = 0, const std::string& ip = "0.0.0.0");
  /// Logs `data` as sent to the client, then writes it. Mirrors SOCKSv4.write.
  void write(std::string_view data);
  /// Appends `data` to the `logging` file, if any: a line with the time,
  /// the client's address, "<" (to the client, when `proto` is this) or ">"
  /// (to the other side) and the other side's address, then a hex dump,
  /// 16 bytes a line, then a blank line. Mirrors SOCKSv4.log.
  void log(const internet::Protocol* proto, std::string_view data);

  /// The traffic log file, if any. Mirrors SOCKSv4.logging.
  std::optional<std::string> logging;
  /// Where to connect and listen (not owned); null: the global reactor().
  /// Mirrors SOCKSv4.reactor.
  internet::IReactorTCP* reactor;
  /// Resolves SOCKS4a host names; null: the reactor's resolve() (a
  /// ReactorBase: an IP literal is taken as is), else its resolver() (an
  /// IReactorPluggableResolver), else the global reactor()'s resolve().
  /// Not in Twisted, which calls reactor.resolve.
  std::shared_ptr<internet::IResolverSimple> resolver;
  /// The other side once connected, or null. Mirrors SOCKSv4.otherConn.
  SOCKSv4Relay* otherConn = nullptr;
  /// Seconds a BIND waits for the application server's connection; then it
  /// stops listening and sends the second reply, 91, and closes. 0: wait as
  /// long as the client stays (as Twisted). Timed on the reactor if it is an
  /// IReactorTime, else on the global reactor(). Not in Twisted.
  double bindTimeout = kBindTimeout;

 private:
  friend class SOCKSv4Relay;
  friend class SOCKSv4Outgoing;
  friend class SOCKSv4Incoming;
  friend class SOCKSv4IncomingFactory;
  friend class SOCKSv4OutgoingFactory;

  void requestReceived(const std::string& server);
  void bindDecided();
  void bindTimedOut();
  void link(SOCKSv4Relay* relay);
  void unlink();
  internet::IReactorTCP& tcp();

  RequestParser parser_;
  std::string pending_;  // after the request, before the other side
  std::optional<internet::defer::Deferred<std::string>> resolving_;
  std::shared_ptr<SOCKSv4OutgoingFactory> outgoing_;
  std::shared_ptr<internet::IConnector> connector_;
  std::shared_ptr<SOCKSv4IncomingFactory> incoming_;
  std::shared_ptr<internet::IListeningPort> listening_;
  internet::DelayedCall bindTimer_;
  std::shared_ptr<SOCKSv4*> alive_;  // weak-pointed to by callbacks
  std::ofstream logFile_;
  bool linked_ = false;  // the transports are each other's producers
};

/// Makes a SOCKSv4 (with the log file and reactor) per connection.
/// Mirrors: twisted.protocols.socks.SOCKSv4Factory.
class TWISTED_API SOCKSv4Factory : public internet::Factory {
 public:
  /// Mirrors SOCKSv4Factory(log).
  explicit SOCKSv4Factory(std::optional<std::string> log = std::nullopt,
                          internet::IReactorTCP* reactor = nullptr);
  /// Mirrors SOCKSv4Factory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;

  /// The traffic log file. Mirrors SOCKSv4Factory.logging.
  std::optional<std::string> logging;
  /// The reactor the protocols use (not owned; null: the global reactor()).
  internet::IReactorTCP* reactor;
  /// Given to each protocol (see SOCKSv4::resolver).
  std::shared_ptr<internet::IResolverSimple> resolver;
  /// Given to each protocol (see SOCKSv4::bindTimeout).
  double bindTimeout = SOCKSv4::kBindTimeout;
};

/// A BIND's listening factory: accepts one connection from the announced
/// address (second reply 90), rejects one from elsewhere (91).
/// Mirrors: twisted.protocols.socks.SOCKSv4IncomingFactory.
class TWISTED_API SOCKSv4IncomingFactory : public internet::Factory {
 public:
  /// Mirrors SOCKSv4IncomingFactory(socks, ip).
  SOCKSv4IncomingFactory(SOCKSv4* client, std::string expected)
      : socks(client), ip(std::move(expected)) {}
  /// Mirrors SOCKSv4IncomingFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// The client side (not owned; cleared when it is lost).
  SOCKSv4* socks;
  /// The address expected to connect; "" once one connection was decided.
  std::string ip;
};

}  // namespace twisted::protocols::socks
