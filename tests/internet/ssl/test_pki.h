// A certificate authority made at test time (OpenSSL's API, EC P-256):
// roots, leaves with DNS/IP names, expired and not-yet-valid certificates,
// self-signed ones. Nothing is read from or written to disk unless a test
// asks (writeFile).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_pki {

/// A certificate and its key, as PEM.
struct Issued {
  std::string certPEM;
  std::string keyPEM;
  /// Certificate then key: what PrivateCertificate::loadPEM reads.
  std::string bothPEM() const { return certPEM + keyPEM; }
};

struct Spec {
  std::string commonName = "localhost";
  std::vector<std::string> dnsNames{"localhost"};
  std::vector<std::string> ipAddresses{"127.0.0.1", "::1"};
  bool isCA = false;
  long notBeforeDays = -1;  // relative to now
  long notAfterDays = 30;
  std::string keyType = "EC";  // "EC" (P-256) or "RSA" (2048)
};

namespace detail {
struct PKeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test_pki: ") + what);
}

inline PKey newKey(const std::string& type) {
  EVP_PKEY* k = type == "RSA" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  check(k != nullptr, "key generation");
  return PKey(k);
}

inline std::string pem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* p;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, static_cast<std::size_t>(n));
  BIO_free(b);
  return s;
}

inline std::string pem(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* p;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, static_cast<std::size_t>(n));
  BIO_free(b);
  return s;
}

inline void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline Cert make(const Spec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuerKey) {
  static std::atomic<long> serial{1000};
  Cert x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), s.notBeforeDays * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), s.notAfterDays * 86400L);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("twistedcpp tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(s.commonName.c_str()), -1, -1,
                             0);
  X509* iss = issuer ? issuer : x.get();
  X509_set_issuer_name(x.get(), X509_get_subject_name(iss));
  if (s.isCA) {
    addExt(x.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    addExt(x.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExt(x.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    addExt(x.get(), iss, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  addExt(x.get(), iss, NID_subject_key_identifier, "hash");
  if (issuer) addExt(x.get(), iss, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : s.dnsNames)
    san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : s.ipAddresses)
    san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty()) addExt(x.get(), iss, NID_subject_alt_name, san);
  check(X509_sign(x.get(), issuerKey ? issuerKey : key, EVP_sha256()) > 0, "sign");
  return x;
}
}  // namespace detail

/// A root CA that issues leaves.
class CA {
 public:
  explicit CA(std::string name = "twistedcpp test CA") {
    key_ = detail::newKey("EC");
    cert_ = detail::make(caSpec(std::move(name)), key_.get(), nullptr, nullptr);
    root.certPEM = detail::pem(cert_.get());
    root.keyPEM = detail::pem(key_.get());
  }
  /// A certificate for `spec`, signed by this CA.
  Issued issue(const Spec& spec = {}) const {
    auto key = detail::newKey(spec.keyType);
    auto cert = detail::make(spec, key.get(), cert_.get(), key_.get());
    return {detail::pem(cert.get()), detail::pem(key.get())};
  }
  /// An intermediate CA signed by this one.
  CA intermediate(std::string name) const {
    CA sub(0);
    sub.key_ = detail::newKey("EC");
    sub.cert_ = detail::make(caSpec(std::move(name)), sub.key_.get(), cert_.get(), key_.get());
    sub.root.certPEM = detail::pem(sub.cert_.get());
    sub.root.keyPEM = detail::pem(sub.key_.get());
    return sub;
  }

  /// The CA's own certificate and key.
  Issued root;

 private:
  explicit CA(int) {}
  static Spec caSpec(std::string name) {
    Spec s;
    s.commonName = std::move(name);
    s.dnsNames.clear();
    s.ipAddresses.clear();
    s.isCA = true;
    s.notAfterDays = 365;
    return s;
  }
  detail::PKey key_;
  detail::Cert cert_;
};

/// A self-signed certificate (its own issuer; not a CA).
inline Issued selfSigned(const Spec& spec = {}) {
  auto key = detail::newKey(spec.keyType);
  auto cert = detail::make(spec, key.get(), nullptr, nullptr);
  return {detail::pem(cert.get()), detail::pem(key.get())};
}

/// Writes `text` to `path` (for file-based APIs and the openssl CLI).
inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace test_pki
