// Certificates, keys and trust roots: PEM in and out, names, fingerprints.
#include <dirent.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "internet/ssl/openssl.h"

namespace twisted::internet::ssl {

namespace detail {

std::string errorText(const std::string& fallback) {
  std::string text;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(e);
    std::string r = reason ? reason : ("error " + std::to_string(ERR_GET_REASON(e)));
    if (text.find(r) != std::string::npos) continue;
    if (!text.empty()) text += ": ";
    text += r;
  }
  return text.empty() ? fallback : text;
}

}  // namespace detail

namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memoryBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bioText(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  return std::string(p, static_cast<std::size_t>(n));
}

}  // namespace

std::string detail::readFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CertificateError(std::string("cannot read ") + what + " file '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

std::string entry(X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return {};
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

DistinguishedName toName(X509_NAME* name) {
  DistinguishedName dn;
  dn.commonName = entry(name, NID_commonName);
  dn.organizationName = entry(name, NID_organizationName);
  dn.organizationalUnitName = entry(name, NID_organizationalUnitName);
  dn.countryName = entry(name, NID_countryName);
  BioPtr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  dn.text = bioText(b.get());
  return dn;
}

std::vector<Certificate> readCertificates(std::string_view pem) {
  std::vector<Certificate> out;
  BioPtr b = memoryBio(pem);
  while (X509* x = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)) {
    auto d = std::make_shared<detail::CertificateData>();
    d->x509.reset(x);
    out.emplace_back(std::move(d));
  }
  ERR_clear_error();  // the end of the text reads as "no start line"
  return out;
}

}  // namespace

TLSError::TLSError(const std::string& what, long verifyResult)
    : std::runtime_error(what), verifyResult_(verifyResult) {}

Certificate::Certificate(std::shared_ptr<const detail::CertificateData> data)
    : data_(std::move(data)) {}

Certificate Certificate::loadPEM(std::string_view pem) {
  auto all = readCertificates(pem);
  if (all.empty()) throw CertificateError("no PEM certificate found");
  return all.front();
}

std::vector<Certificate> Certificate::loadPEMChain(std::string_view pem) {
  auto all = readCertificates(pem);
  if (all.empty()) throw CertificateError("no PEM certificate found");
  return all;
}

Certificate Certificate::loadFile(const std::string& path) {
  auto all = readCertificates(detail::readFile(path, "certificate"));
  if (all.empty()) throw CertificateError("no PEM certificate found in '" + path + "'");
  return all.front();
}

std::string Certificate::dumpPEM() const {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), data_->x509.get());
  return bioText(b.get());
}

DistinguishedName Certificate::getSubject() const {
  return toName(X509_get_subject_name(data_->x509.get()));
}

DistinguishedName Certificate::getIssuer() const {
  return toName(X509_get_issuer_name(data_->x509.get()));
}

std::string Certificate::serialNumber() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(data_->x509.get()), nullptr);
  char* dec = BN_bn2dec(bn);
  std::string out = dec ? dec : "";
  OPENSSL_free(dec);
  BN_free(bn);
  return out;
}

std::string Certificate::digest() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(data_->x509.get(), EVP_sha256(), md, &n);
  std::string out;
  char hex[4];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, i ? ":%02X" : "%02X", md[i]);
    out += hex;
  }
  return out;
}

std::vector<std::string> Certificate::dnsNames() const {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(data_->x509.get(), NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_DNS) continue;
    const ASN1_STRING* s = g->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

bool Certificate::operator==(const Certificate& other) const {
  return X509_cmp(data_->x509.get(), other.data_->x509.get()) == 0;
}

KeyPair::KeyPair(std::shared_ptr<const detail::KeyData> data) : data_(std::move(data)) {}

KeyPair KeyPair::load(std::string_view pem) {
  BioPtr b = memoryBio(pem);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr);
  if (!k) throw CertificateError("no PEM private key found: " + detail::errorText());
  auto d = std::make_shared<detail::KeyData>();
  d->key.reset(k);
  return KeyPair(std::move(d));
}

KeyPair KeyPair::loadFile(const std::string& path) {
  try {
    return load(detail::readFile(path, "private key"));
  } catch (const CertificateError& e) {
    if (std::string_view(e.what()).starts_with("cannot read")) throw;
    throw CertificateError(std::string(e.what()) + " (in '" + path + "')");
  }
}

std::string KeyPair::dump() const {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), data_->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(b.get());
}

PrivateCertificate::PrivateCertificate(Certificate certificate, KeyPair key)
    : Certificate(std::move(certificate)), key_(std::move(key)) {}

PrivateCertificate PrivateCertificate::loadPEM(std::string_view pem) {
  return fromCertificateAndKeyPair(Certificate::loadPEM(pem), KeyPair::load(pem));
}

PrivateCertificate PrivateCertificate::fromCertificateAndKeyPair(const Certificate& certificate,
                                                                 const KeyPair& privateKey) {
  if (X509_check_private_key(certificate.data()->x509.get(), privateKey.data()->key.get()) != 1) {
    ERR_clear_error();
    throw CertificateError("the private key does not match the certificate (subject " +
                           certificate.getSubject().text + ")");
  }
  return PrivateCertificate(certificate, privateKey);
}

std::string PrivateCertificate::dumpPEM() const {
  return Certificate::dumpPEM() + key_.dump();
}

TrustRoot::TrustRoot(std::shared_ptr<const detail::TrustData> data) : data_(std::move(data)) {}

TrustRoot TrustRoot::platform() {
  auto d = std::make_shared<detail::TrustData>();
  d->platform = true;
  return TrustRoot(std::move(d));
}

TrustRoot TrustRoot::fromCertificates(std::vector<Certificate> certificates) {
  if (certificates.empty())
    throw std::invalid_argument("TrustRoot::fromCertificates: no certificate");
  auto d = std::make_shared<detail::TrustData>();
  d->certificates = std::move(certificates);
  return TrustRoot(std::move(d));
}

TrustRoot TrustRoot::fromPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw CertificateError("no such trust root: '" + path + "'");
  std::vector<Certificate> all;
  auto add = [&](const std::string& file) {
    for (auto& c : readCertificates(detail::readFile(file, "certificate")))
      all.push_back(std::move(c));
  };
  if (S_ISDIR(st.st_mode)) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) throw CertificateError("cannot read trust root directory '" + path + "'");
    std::vector<std::string> files;
    while (dirent* e = ::readdir(dir.get())) {
      std::string file = path + "/" + e->d_name;
      struct stat fs {};
      if (::stat(file.c_str(), &fs) == 0 && S_ISREG(fs.st_mode)) files.push_back(file);
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files)
      add(f);
  } else {
    add(path);
  }
  if (all.empty()) throw CertificateError("no PEM certificate found in '" + path + "'");
  return fromCertificates(std::move(all));
}

TrustRoot platformTrust() {
  return TrustRoot::platform();
}

TrustRoot trustRootFromCertificates(std::vector<Certificate> certificates) {
  return TrustRoot::fromCertificates(std::move(certificates));
}

}  // namespace twisted::internet::ssl
