// The OpenSSL objects behind the public handles of twisted/internet/ssl.h,
// and the helpers every TLS source shares. Private to src/.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <twisted/internet/ssl.h>

namespace twisted::internet::ssl::detail {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PKeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, PKeyFree>;
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

/// OpenSSL's queued errors as "reason: reason" (the queue is cleared);
/// `fallback` when the queue is empty.
std::string errorText(const std::string& fallback = "unknown TLS error");
/// A file's contents. @throws CertificateError "cannot read <what> file '<path>'".
std::string readFile(const std::string& path, const char* what);

}  // namespace twisted::internet::ssl::detail

namespace twisted::internet::ssl::detail {

struct CertificateData {
  X509Ptr x509;
};

struct KeyData {
  PKeyPtr key;
};

struct TrustData {
  bool platform = false;                  // the system store (SSL_CTX_set_default_verify_paths)
  std::vector<Certificate> certificates;  // otherwise exactly these
};

struct ContextData {
  ContextData() = default;
  ContextData(const ContextData&) = delete;
  ContextData& operator=(const ContextData&) = delete;
  ~ContextData();
  /// Client with enableSessions: offers the last session of this host.
  void resumeInto(SSL* ssl) const;
  /// The SSL_CTX ex_data slot that points back here.
  static int sessionIndex();

  CertificateOptions::Args args;
  CtxPtr ctx;
  // ALPN wire format ("\x02h2\x08http/1.1") of args.acceptableProtocols.
  std::string alpnWire;
  // enableSessions on a client: the newest session per hostname (owned).
  mutable std::mutex sessionMutex;
  mutable std::map<std::string, SSL_SESSION*> sessions;
};

}  // namespace twisted::internet::ssl::detail
