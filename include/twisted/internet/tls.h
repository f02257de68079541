// TLS as a protocol wrapper: TLSMemoryBIOProtocol sits between any stream
// transport (TCP, Unix, a loopback or iosim pair in tests) and the
// application's protocol, encrypting what the protocol writes and decrypting
// what the transport reads. listenSSL, connectSSL and startTLS are all built
// on it: there is one TLS implementation.
//
// Mirrors twisted.protocols.tls (also reachable as twisted/protocols/tls.h,
// Twisted's module name). It lives beside the transports because they use
// it: startTLS is a method of the TCP and Unix connections, as in Twisted,
// where twisted.internet imports twisted.protocols.tls for the same reason.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/internet/interfaces/issl_transport.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>
#include <twisted/python/failure.h>

namespace twisted::internet::tls {

class TLSMemoryBIOFactory;

/// The TLS layer of one connection: the transport's protocol and the
/// wrapped protocol's transport (an ITCPTransport + ISSLTransport).
///
/// Mirrors: twisted.protocols.tls.TLSMemoryBIOProtocol. As in Twisted:
/// - the wrapped protocol's connectionMade comes when the underlying
///   connection is made; handshakeCompleted (IHandshakeListener) when the
///   handshake is done; what it writes before that is queued, not lost;
/// - loseConnection sends close_notify once the queued writes are out and
///   closes the transport when the peer answers with its own (or closes);
///   before the handshake is done and with nothing queued it aborts;
/// - a failed handshake or a bad record ends in connectionLost with an
///   ssl::TLSError carrying OpenSSL's reason.
/// Differences: a peer that closes the connection without close_notify
/// while we did not ask to close is reported as error::ConnectionLost
/// ("truncated"), never as a clean ConnectionDone; one that closes after
/// our close_notify is a clean close.
class TWISTED_API TLSMemoryBIOProtocol : public Protocol,
                                         public ITCPTransport,
                                         public ISSLTransport {
 public:
  /// Takes `wrapped` once everything else is made (the OpenSSL session
  /// included): if this throws, the caller still owns it (startTLS relies
  /// on that). `connectWrapped` = false: the wrapped protocol is already
  /// connected (startTLS): makeConnection does not connect it again.
  /// Mirrors TLSMemoryBIOProtocol(factory, wrappedProtocol, _connectWrapped).
  /// @throws std::invalid_argument for a null protocol or client options
  ///         without a hostname; ssl::TLSError if OpenSSL refuses.
  TLSMemoryBIOProtocol(ssl::CertificateOptions options, bool isClient,
                       std::unique_ptr<Protocol>&& wrapped, bool connectWrapped = true);
  ~TLSMemoryBIOProtocol() override;
  TLSMemoryBIOProtocol(const TLSMemoryBIOProtocol&) = delete;
  TLSMemoryBIOProtocol& operator=(const TLSMemoryBIOProtocol&) = delete;

  // Protocol (driven by the underlying transport)
  /// Starts the handshake (a client sends its ClientHello now) and connects
  /// the wrapped protocol to this. Mirrors TLSMemoryBIOProtocol.makeConnection.
  void makeConnection(ITransport* t) override;
  /// Ciphertext in: handshake progress, then plaintext to the wrapped
  /// protocol. Mirrors TLSMemoryBIOProtocol.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Mirrors TLSMemoryBIOProtocol.connectionLost.
  void connectionLost(const python::Failure& reason) override;
  /// "<wrapped prefix> (TLS)" as Twisted's TLSMemoryBIOFactory.logPrefix.
  std::string logPrefix() const override;

  // ITransport / ITCPTransport (used by the wrapped protocol)
  /// Encrypts and sends; queued until the handshake is done.
  /// Mirrors TLSMemoryBIOProtocol.write.
  void write(std::string_view data) override;
  /// Mirrors TLSMemoryBIOProtocol.writeSequence.
  void writeSequence(std::span<const std::string_view> data) override;
  /// Mirrors TLSMemoryBIOProtocol.loseConnection.
  void loseConnection() override;
  /// Closes at once (also mid-handshake); the wrapped protocol is told
  /// nothing more but connectionLost(ConnectionAborted).
  /// Mirrors TLSMemoryBIOProtocol.abortConnection.
  void abortConnection() override;
  bool disconnecting() const override;
  Address getPeer() const override;
  Address getHost() const override;
  /// Flow control: the producer is driven by the underlying transport's
  /// buffer (every write goes straight through once the handshake is done)
  /// and paused while writes wait for the handshake.
  /// Mirrors TLSMemoryBIOProtocol.registerProducer.
  void registerProducer(IProducer* producer, bool streaming) override;
  void unregisterProducer() override;
  /// Reading is paused and resumed on the underlying transport.
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;
  /// Half-close is not available under TLS (Twisted raises too).
  /// @throws std::logic_error
  void loseWriteConnection() override;
  bool getTcpNoDelay() const override;
  void setTcpNoDelay(bool enabled) override;
  bool getTcpKeepAlive() const override;
  void setTcpKeepAlive(bool enabled) override;

  // ISSLTransport
  std::optional<ssl::Certificate> getPeerCertificate() const override;
  std::optional<std::string> negotiatedProtocol() const override;
  std::optional<std::string> serverName() const override;
  std::string tlsVersion() const override;
  bool handshakeDone() const override;
  bool sessionReused() const override;

  /// True once the TLS session ended cleanly (the peer's close_notify, or
  /// its EOF after ours): whatever TCP reports after that loses no data.
  /// A startTLS connection uses it to report a clean close to its
  /// connector as the protocol saw it. Not in Twisted.
  bool closedCleanly() const;

  /// The application's protocol (owned). Mirrors wrappedProtocol.
  std::unique_ptr<Protocol> wrappedProtocol;

 private:
  friend class TLSMemoryBIOFactory;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Wraps a factory: each protocol it builds is put inside a
/// TLSMemoryBIOProtocol (client or server side as `isClient` says).
/// Start/stop and the ClientFactory callbacks are forwarded to the wrapped
/// factory; clientConnectionLost gets the TLS error when TLS failed.
/// Mirrors: twisted.protocols.tls.TLSMemoryBIOFactory(contextFactory,
/// isClient, wrappedFactory).
class TWISTED_API TLSMemoryBIOFactory : public ClientFactory {
 public:
  /// Mirrors TLSMemoryBIOFactory(contextFactory, isClient, wrappedFactory).
  TLSMemoryBIOFactory(ssl::CertificateOptions options, bool isClient,
                      std::shared_ptr<Factory> wrappedFactory);

  /// The wrapped factory's protocol inside a TLSMemoryBIOProtocol, or null
  /// if it refused. Mirrors TLSMemoryBIOFactory.buildProtocol.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;
  /// "<wrapped prefix> (TLS)". Mirrors TLSMemoryBIOFactory.logPrefix.
  std::string logPrefix() const override;
  void startFactory() override;
  void stopFactory() override;
  void startedConnecting(IConnector& connector) override;
  void clientConnectionFailed(IConnector& connector, const python::Failure& reason) override;
  void clientConnectionLost(IConnector& connector, const python::Failure& reason) override;

  /// The settings every connection gets.
  const ssl::CertificateOptions& options() const noexcept { return options_; }
  /// The side its connections take. Mirrors TLSMemoryBIOFactory._isClient.
  bool isClient() const noexcept { return isClient_; }
  /// Mirrors TLSMemoryBIOFactory.wrappedFactory.
  std::shared_ptr<Factory> wrappedFactory;

 private:
  friend class TLSMemoryBIOProtocol;
  ssl::CertificateOptions options_;
  bool isClient_;
  // The TLS error of the connection that is ending now: its protocol's
  // connectionLost runs just before the connector's clientConnectionLost.
  std::optional<python::Failure> lostReason_;
};

}  // namespace twisted::internet::tls
