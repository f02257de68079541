// TLS settings and certificates: what listenSSL, connectSSL, startTLS and
// TLSMemoryBIOProtocol are given. Mirrors twisted.internet.ssl (and its
// _sslverify module). Built on OpenSSL 3; no OpenSSL type appears here (the
// handles hold their OpenSSL objects privately), so including this header
// needs no OpenSSL headers.
//
//   // A server: a key and a certificate chain.
//   auto server = ssl::DefaultOpenSSLContextFactory("server.key", "server.pem");
//   reactor.listenSSL(8443, factory, server);
//   // A client: the hostname is verified against the system's trust store.
//   reactor.connectSSL("example.com", 443, clientFactory,
//                      ssl::optionsForClientTLS("example.com"));
#pragma once

#include <twisted/export.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace twisted::internet::ssl {

namespace detail {
struct CertificateData;
struct KeyData;
struct ContextData;
struct TrustData;
}  // namespace detail

/// A TLS failure: a handshake that failed (certificate verify failed,
/// hostname mismatch, unknown CA, expired, no shared protocol version ...),
/// a corrupt record, or a peer's fatal alert. what() carries OpenSSL's
/// reasons, e.g. "certificate verify failed: hostname mismatch".
/// Mirrors: OpenSSL.SSL.Error (what Twisted hands to connectionLost).
class TWISTED_API TLSError : public std::runtime_error {
 public:
  /// `verifyResult` is X509_verify_result's code when certificate
  /// verification failed (0 otherwise).
  explicit TLSError(const std::string& what, long verifyResult = 0);
  /// X509's verification result code (0: none or success), e.g. 62 for a
  /// hostname mismatch, 10 for an expired certificate.
  long verifyResult() const noexcept { return verifyResult_; }

 private:
  long verifyResult_;
};

/// A certificate, its key or a file could not be loaded or did not match.
/// Mirrors: twisted.internet.error.CertificateError (with OpenSSL's reason).
class TWISTED_API CertificateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A certificate's subject or issuer. Mirrors: ssl.DistinguishedName (the
/// common attributes; `text` is the whole name, RFC 2253 style).
struct DistinguishedName {
  std::string commonName;              ///< CN
  std::string organizationName;        ///< O
  std::string organizationalUnitName;  ///< OU
  std::string countryName;             ///< C
  std::string text;                    ///< the whole name, "CN=x,O=y"
};

/// An X.509 certificate (shared and immutable: copies are cheap).
/// Mirrors: twisted.internet.ssl.Certificate.
class TWISTED_API Certificate {
 public:
  /// The first certificate of a PEM text. Mirrors Certificate.loadPEM.
  /// @throws CertificateError if there is none or it is corrupt.
  static Certificate loadPEM(std::string_view pem);
  /// Every certificate of a PEM text, in order (a chain file).
  /// @throws CertificateError if there is none.
  static std::vector<Certificate> loadPEMChain(std::string_view pem);
  /// loadPEM of a file's contents. @throws CertificateError naming the file.
  static Certificate loadFile(const std::string& path);

  /// The PEM text. Mirrors Certificate.dumpPEM.
  std::string dumpPEM() const;
  /// Mirrors Certificate.getSubject.
  DistinguishedName getSubject() const;
  /// Mirrors Certificate.getIssuer.
  DistinguishedName getIssuer() const;
  /// The serial number in decimal. Mirrors Certificate.serialNumber.
  std::string serialNumber() const;
  /// The SHA-256 fingerprint, "AB:CD:..." (Twisted's digest() is MD5).
  std::string digest() const;
  /// The DNS names of the subjectAltName extension.
  std::vector<std::string> dnsNames() const;

  /// The same certificate (byte for byte).
  bool operator==(const Certificate& other) const;

  /// The OpenSSL object (for src/ only).
  const std::shared_ptr<const detail::CertificateData>& data() const noexcept { return data_; }
  /// Wraps an OpenSSL object (for src/ only).
  explicit Certificate(std::shared_ptr<const detail::CertificateData> data);

 private:
  std::shared_ptr<const detail::CertificateData> data_;
};

/// A private key. Mirrors: twisted.internet.ssl.KeyPair.
class TWISTED_API KeyPair {
 public:
  /// A PEM private key (PKCS#8 or traditional; unencrypted).
  /// Mirrors KeyPair.load(data, FILETYPE_PEM).
  /// @throws CertificateError
  static KeyPair load(std::string_view pem);
  /// load() of a file's contents. @throws CertificateError naming the file.
  static KeyPair loadFile(const std::string& path);
  /// The PEM text (PKCS#8). Mirrors KeyPair.dump.
  std::string dump() const;

  /// The OpenSSL object (for src/ only).
  const std::shared_ptr<const detail::KeyData>& data() const noexcept { return data_; }
  /// Wraps an OpenSSL object (for src/ only).
  explicit KeyPair(std::shared_ptr<const detail::KeyData> data);

 private:
  std::shared_ptr<const detail::KeyData> data_;
};

/// A certificate with its private key. Mirrors: ssl.PrivateCertificate.
class TWISTED_API PrivateCertificate : public Certificate {
 public:
  /// A PEM text holding both the certificate (first in the text, further
  /// ones are ignored) and its key. Mirrors PrivateCertificate.loadPEM.
  /// @throws CertificateError, also if the key does not match.
  static PrivateCertificate loadPEM(std::string_view pem);
  /// Mirrors PrivateCertificate.fromCertificateAndKeyPair.
  /// @throws CertificateError if the key does not match the certificate.
  static PrivateCertificate fromCertificateAndKeyPair(const Certificate& certificate,
                                                      const KeyPair& privateKey);
  /// The key. Mirrors PrivateCertificate.privateKey.
  const KeyPair& privateKey() const noexcept { return key_; }
  /// The certificate then the key, as PEM. Mirrors PrivateCertificate.dumpPEM.
  std::string dumpPEM() const;

 private:
  PrivateCertificate(Certificate certificate, KeyPair key);
  KeyPair key_;
};

/// What a peer's certificate is verified against.
/// Mirrors: twisted.internet.interfaces.IOpenSSLTrustRoot.
class TWISTED_API TrustRoot {
 public:
  /// The system's trust store (Debian: /etc/ssl/certs).
  /// Mirrors twisted.internet.ssl.platformTrust.
  static TrustRoot platform();
  /// Exactly these certificates (a private CA, or a self-signed peer).
  /// Mirrors twisted.internet.ssl.trustRootFromCertificates.
  static TrustRoot fromCertificates(std::vector<Certificate> certificates);
  /// The PEM certificates of a file, or of a directory's files (every
  /// regular file is read; Twisted's caCertsDir / trustRoots= do the same).
  /// @throws CertificateError if none could be loaded.
  static TrustRoot fromPath(const std::string& path);

  /// The certificates or the platform flag (for src/ only).
  const std::shared_ptr<const detail::TrustData>& data() const noexcept { return data_; }

 private:
  explicit TrustRoot(std::shared_ptr<const detail::TrustData> data);
  std::shared_ptr<const detail::TrustData> data_;
};

/// Mirrors twisted.internet.ssl.platformTrust().
TWISTED_API TrustRoot platformTrust();
/// Mirrors twisted.internet.ssl.trustRootFromCertificates().
TWISTED_API TrustRoot trustRootFromCertificates(std::vector<Certificate> certificates);

/// A TLS protocol version. Mirrors twisted.internet.ssl.TLSVersion.
enum class TLSVersion { TLSv1_2, TLSv1_3 };

class CertificateOptions;

/// The server's choice by SNI: the options for the name the client asked
/// for, or nullopt to keep the default ones.
using ServerNameCallback =
    std::function<std::optional<CertificateOptions>(std::string_view serverName)>;

/// The settings of one side of a TLS connection, made into an OpenSSL
/// context once (the handle is shared and immutable: copies are cheap,
/// and one object serves any number of connections).
///
/// Mirrors: twisted.internet.ssl.CertificateOptions, with Twisted's defaults
/// where it has them: TLS 1.2 at least, its cipher list (forward-secret
/// AEAD suites first), session tickets off, single-use (EC)DH keys. The
/// deliberate difference: a client built from these verifies the server
/// (against `trustRoot`, the platform's by default) unless told otherwise
/// with the loudly named `insecurelySkipVerification`.
class TWISTED_API CertificateOptions {
 public:
  /// The settings, by name (designated initialisers read like Twisted's
  /// keyword arguments: `CertificateOptions({.certificate = cert})`).
  struct Args {
    /// This side's certificate and key (a server needs them; a client
    /// sends them when asked). Mirrors privateKey= and certificate=.
    std::optional<PrivateCertificate> certificate;
    /// Intermediate certificates sent after `certificate`.
    /// Mirrors extraCertChain=.
    std::vector<Certificate> extraCertChain;
    /// Verify the peer against this. Client: the platform's trust store if
    /// unset. Server: set it to ask for client certificates (verify=True).
    /// Mirrors trustRoot=.
    std::optional<TrustRoot> trustRoot;
    /// Server with a trustRoot: refuse a client without a certificate
    /// (false: ask, verify if sent). Mirrors requireCertificate=.
    bool requireCertificate = true;
    /// Client: the server name sent (SNI) and checked against the
    /// certificate (subjectAltName, wildcards per RFC 6125; an IP address
    /// is matched as one). Set by optionsForClientTLS.
    std::string hostname;
    /// Client: do not verify the server at all. For tests and for peers
    /// you authenticate another way; never for the Internet.
    bool insecurelySkipVerification = false;
    /// Mirrors raiseMinimumTo= (the default is already TLS 1.2).
    TLSVersion minimumVersion = TLSVersion::TLSv1_2;
    /// Mirrors lowerMaximumSecurityTo=.
    TLSVersion maximumVersion = TLSVersion::TLSv1_3;
    /// ALPN protocols in order of preference (b"h2", b"http/1.1").
    /// A server with a list and a client with a disjoint one: the handshake
    /// fails ("no application protocol"). Mirrors acceptableProtocols=.
    std::vector<std::string> acceptableProtocols;
    /// Server: pick other options (another certificate) by the SNI name.
    ServerNameCallback serverNameCallback;
    /// OpenSSL cipher list for TLS 1.2 ("" = Twisted's default).
    /// Mirrors acceptableCiphers=.
    std::string acceptableCiphers;
    /// Resumption (TLS 1.3 tickets; 1.2 session ids). Off by default, as
    /// in Twisted (enableSessions / enableSessionTickets=False).
    bool enableSessions = false;
  };

  /// @throws CertificateError if the key does not match the certificate,
  ///         std::invalid_argument if minimumVersion > maximumVersion.
  explicit CertificateOptions(Args args);

  /// A server's options choosing between several by SNI name (exact match,
  /// lower-case); `defaultOptions` for an unknown or absent name.
  static CertificateOptions withServerNames(Args defaultOptions,
                                            std::map<std::string, CertificateOptions> byName);

  /// The settings these options were made from.
  const Args& args() const noexcept;
  /// The OpenSSL context (for src/ only); equal for copies of one object.
  const std::shared_ptr<const detail::ContextData>& data() const noexcept { return data_; }

 private:
  std::shared_ptr<const detail::ContextData> data_;
};

/// A client's options for `hostname`: SNI and verification of that name
/// against `trustRoot` (the platform's by default), with an optional client
/// certificate and ALPN list. Mirrors twisted.internet.ssl.optionsForClientTLS.
/// @throws std::invalid_argument if hostname is empty.
TWISTED_API CertificateOptions
optionsForClientTLS(std::string hostname, std::optional<TrustRoot> trustRoot = std::nullopt,
                    std::optional<PrivateCertificate> clientCertificate = std::nullopt,
                    std::vector<std::string> acceptableProtocols = {});

/// A server's options from a PEM key file and a PEM certificate (chain)
/// file. Mirrors twisted.internet.ssl.DefaultOpenSSLContextFactory.
/// @throws CertificateError naming the file.
TWISTED_API CertificateOptions DefaultOpenSSLContextFactory(const std::string& privateKeyFileName,
                                                            const std::string& certificateFileName);

}  // namespace twisted::internet::ssl
