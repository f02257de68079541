// Making the OpenSSL connection object of one TLS connection (private to src/).
#pragma once

#include <openssl/ssl.h>

#include <twisted/internet/ssl.h>

namespace twisted::internet::ssl::detail {

/// Who owns an SSL object (SSL_get_app_data): told to keep the options SNI
/// switched to, so their context outlives the connection.
class SessionOwner {
 public:
  virtual void keep(const CertificateOptions& options) = 0;

 protected:
  ~SessionOwner() = default;
};

/// A new SSL for one connection in `isClient`'s role: SNI, hostname check,
/// verification mode and resumption set as the options say.
/// @throws TLSError
SSL* newSession(const CertificateOptions& options, bool isClient);
/// SNI: the connection goes on with `options` (certificate, verification).
void switchContext(SSL* ssl, const CertificateOptions& options);
/// A client that verifies must know whom to expect: options with
/// verification on and no hostname would accept any certificate a trusted
/// CA signed for anyone.
/// @throws std::invalid_argument naming the fix.
void checkClientOptions(const CertificateOptions& options);
/// SSL_VERIFY_* for a server with these settings.
int serverVerifyMode(const CertificateOptions::Args& args);

}  // namespace twisted::internet::ssl::detail
