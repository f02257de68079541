// CertificateOptions: the settings of one side of a TLS connection, made
// into an OpenSSL context once.
#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "internet/ssl/openssl.h"
#include "internet/ssl/session.h"

namespace twisted::internet::ssl {

namespace {

// Twisted's default (_defaultCiphers): forward secrecy and AEAD first; no
// NULL, export, RC4, 3DES, MD5 or DSS. TLS 1.3's suites are OpenSSL's.
constexpr const char* kDefaultCiphers =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:ECDHE+AES:DHE+AES:"
    "!aNULL:!eNULL:!MD5:!DSS:!RC4:!3DES";

int protocolVersion(TLSVersion v) {
  return v == TLSVersion::TLSv1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

std::string alpnWire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255)
      throw std::invalid_argument("acceptableProtocols: an ALPN name is 1 to 255 bytes: '" + p +
                                  "'");
    wire += static_cast<char>(p.size());
    wire += p;
  }
  return wire;
}

// The server's ALPN choice: its own first preference the client offered.
// No overlap: the handshake fails with no_application_protocol (RFC 7301).
int selectProtocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                   unsigned int inlen, void* arg) {
  const auto* d = static_cast<const detail::ContextData*>(arg);
  for (const auto& ours : d->args.acceptableProtocols) {
    for (unsigned int i = 0; i < inlen;) {
      unsigned int n = in[i];
      if (i + 1 + n > inlen) break;
      if (n == ours.size() && std::equal(ours.begin(), ours.end(), in + i + 1)) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(n);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + n;
    }
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

std::string lowerCase(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// SNI on the server: switch the connection to the options for that name.
int selectServerName(SSL* ssl, int*, void* arg) {
  const auto* d = static_cast<const detail::ContextData*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  std::optional<CertificateOptions> chosen;
  try {
    chosen = d->args.serverNameCallback(lowerCase(name));
  } catch (...) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (chosen) detail::switchContext(ssl, *chosen);
  return SSL_TLSEXT_ERR_OK;
}

bool isIPAddress(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

namespace detail {

void checkClientOptions(const CertificateOptions& options) {
  const auto& a = options.args();
  if (a.hostname.empty() && !a.insecurelySkipVerification)
    throw std::invalid_argument(
        "TLS client options without a hostname cannot verify the server: use "
        "optionsForClientTLS(hostname, ...), set Args::hostname, or (only where the peer is "
        "authenticated another way) Args::insecurelySkipVerification");
}

int serverVerifyMode(const CertificateOptions::Args& args) {
  if (!args.trustRoot) return SSL_VERIFY_NONE;
  return SSL_VERIFY_PEER | (args.requireCertificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
}

SSL* newSession(const CertificateOptions& options, bool isClient) {
  const ContextData& d = *options.data();
  SSL* ssl = SSL_new(d.ctx.get());
  if (!ssl) throw TLSError("cannot create a TLS connection: " + errorText());
  if (isClient) {
    SSL_set_connect_state(ssl);
    const std::string& host = d.args.hostname;
    if (!host.empty()) {
      const bool ip = isIPAddress(host);
      // SNI carries names only (RFC 6066).
      if (!ip) SSL_set_tlsext_host_name(ssl, host.c_str());
      if (!d.args.insecurelySkipVerification) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
        if (ok != 1) {
          SSL_free(ssl);
          throw TLSError("cannot verify the hostname '" + host + "': " + errorText());
        }
      }
      if (d.args.enableSessions) d.resumeInto(ssl);
    }
    SSL_set_verify(ssl, d.args.insecurelySkipVerification ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                   nullptr);
  } else {
    SSL_set_accept_state(ssl);
  }
  return ssl;
}

void switchContext(SSL* ssl, const CertificateOptions& options) {
  SSL_set_SSL_CTX(ssl, options.data()->ctx.get());
  // SSL_set_SSL_CTX takes the certificate; the verification settings are
  // the new options' too.
  SSL_set_verify(ssl, serverVerifyMode(options.args()), nullptr);
  if (auto* owner = static_cast<SessionOwner*>(SSL_get_app_data(ssl))) owner->keep(options);
}

ContextData::~ContextData() {
  for (auto& [host, session] : sessions)
    SSL_SESSION_free(session);
}

void ContextData::resumeInto(SSL* ssl) const {
  std::lock_guard lock(sessionMutex);
  auto it = sessions.find(args.hostname);
  if (it != sessions.end()) SSL_set_session(ssl, it->second);
}

int ContextData::sessionIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace detail

namespace {

// A client's new session (TLS 1.3: each ticket): the next connection to the
// same host offers it.
int rememberSession(SSL* ssl, SSL_SESSION* session) {
  if (SSL_is_server(ssl)) return 0;  // a server's tickets are stateless: nothing to keep
  auto* d = static_cast<detail::ContextData*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), detail::ContextData::sessionIndex()));
  if (!d) return 0;
  std::lock_guard lock(d->sessionMutex);
  SSL_SESSION*& slot = d->sessions[d->args.hostname];
  if (slot) SSL_SESSION_free(slot);
  slot = session;
  return 1;  // we keep the reference
}

}  // namespace

CertificateOptions::CertificateOptions(Args args) {
  if (args.minimumVersion > args.maximumVersion)
    throw std::invalid_argument("CertificateOptions: minimumVersion is above maximumVersion");
  auto d = std::make_shared<detail::ContextData>();
  d->alpnWire = alpnWire(args.acceptableProtocols);
  d->ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX* ctx = d->ctx.get();
  if (!ctx) throw TLSError("cannot create a TLS context: " + detail::errorText());
  SSL_CTX_set_min_proto_version(ctx, protocolVersion(args.minimumVersion));
  SSL_CTX_set_max_proto_version(ctx, protocolVersion(args.maximumVersion));
  // (EC)DH keys are single-use in OpenSSL 3 whatever the options say.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const std::string ciphers =
      args.acceptableCiphers.empty() ? kDefaultCiphers : args.acceptableCiphers;
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1)
    throw std::invalid_argument("acceptableCiphers: no usable cipher in '" + ciphers + "'");

  if (args.certificate) {
    if (SSL_CTX_use_certificate(ctx, args.certificate->data()->x509.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, args.certificate->privateKey().data()->key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
      throw CertificateError("cannot use the certificate and key: " + detail::errorText());
    for (const auto& extra : args.extraCertChain)
      if (SSL_CTX_add1_chain_cert(ctx, extra.data()->x509.get()) != 1)
        throw CertificateError("cannot add a chain certificate: " + detail::errorText());
  } else if (!args.extraCertChain.empty()) {
    throw std::invalid_argument("CertificateOptions: extraCertChain without a certificate");
  }

  // Whom we trust: the given root, else the platform's (a client verifies
  // unless told loudly not to). Who is asked is decided per connection, by
  // its role (newSession): a server asks for client certificates only when
  // given a trust root.
  if (args.trustRoot && !args.trustRoot->data()->platform) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& c : args.trustRoot->data()->certificates) {
      X509_STORE_add_cert(store, c.data()->x509.get());
      SSL_CTX_add_client_CA(ctx, c.data()->x509.get());
    }
    ERR_clear_error();  // a duplicate certificate is not an error
  } else if (!args.trustRoot && (args.hostname.empty() || args.insecurelySkipVerification)) {
    // Nobody to verify with the platform's store: a server that asks for no
    // client certificate (a client must name a host, or skip verification).
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    throw CertificateError("cannot load the platform trust store: " + detail::errorText());
  }
  SSL_CTX_set_verify(ctx, detail::serverVerifyMode(args), nullptr);
  SSL_CTX_set_verify_depth(ctx, 9);

  // A certificate without an explicit chain: OpenSSL would build its chain
  // from the trust store on every handshake (and OpenSSL 3's store lookup
  // reads the whole of /etc/ssl/certs each time: a third of a server's
  // handshake cost). Built once here instead, with the same result: the
  // same store, errors ignored as the per-handshake build ignores them, the
  // root kept. If the build fails (a security-level refusal), no chain is
  // set and the per-handshake build reports it as before.
  if (args.certificate && args.extraCertChain.empty()) {
    SSL_CTX_build_cert_chain(ctx,
                             SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR);
    ERR_clear_error();
  }

  if (!d->alpnWire.empty()) {
    // Client: what it offers. Server: how it chooses.
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(d->alpnWire.data()),
                            static_cast<unsigned>(d->alpnWire.size()));
    SSL_CTX_set_alpn_select_cb(ctx, selectProtocol, d.get());
  }

  if (args.enableSessions) {
    SSL_CTX_set_session_cache_mode(
        ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    static const unsigned char kContext[] = "twistedcpp";
    SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1);
    SSL_CTX_set_ex_data(ctx, detail::ContextData::sessionIndex(), d.get());
    SSL_CTX_sess_set_new_cb(ctx, rememberSession);
  } else {
    // Twisted's default: no session cache, no tickets (TLS 1.3: none sent).
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }

  if (args.serverNameCallback) SSL_CTX_set_tlsext_servername_callback(ctx, selectServerName);
  SSL_CTX_set_tlsext_servername_arg(ctx, d.get());
  d->args = std::move(args);
  data_ = std::move(d);
}

CertificateOptions CertificateOptions::withServerNames(
    Args defaultOptions, std::map<std::string, CertificateOptions> byName) {
  // The map is one more server-name callback, asked before the given one.
  std::map<std::string, CertificateOptions, std::less<>> lowered;
  for (auto& [name, o] : byName)
    lowered.insert_or_assign(lowerCase(name), std::move(o));
  defaultOptions.serverNameCallback =
      [names = std::move(lowered), fallback = std::move(defaultOptions.serverNameCallback)](
          std::string_view name) -> std::optional<CertificateOptions> {
    if (auto it = names.find(name); it != names.end()) return it->second;
    if (fallback) return fallback(name);
    return std::nullopt;
  };
  return CertificateOptions(std::move(defaultOptions));
}

const CertificateOptions::Args& CertificateOptions::args() const noexcept {
  return data_->args;
}

CertificateOptions optionsForClientTLS(std::string hostname, std::optional<TrustRoot> trustRoot,
                                       std::optional<PrivateCertificate> clientCertificate,
                                       std::vector<std::string> acceptableProtocols) {
  if (hostname.empty()) throw std::invalid_argument("optionsForClientTLS: empty hostname");
  CertificateOptions::Args a;
  a.hostname = std::move(hostname);
  a.trustRoot = trustRoot ? std::move(trustRoot) : TrustRoot::platform();
  a.certificate = std::move(clientCertificate);
  a.acceptableProtocols = std::move(acceptableProtocols);
  return CertificateOptions(std::move(a));
}

CertificateOptions DefaultOpenSSLContextFactory(const std::string& privateKeyFileName,
                                                const std::string& certificateFileName) {
  KeyPair key = KeyPair::loadFile(privateKeyFileName);
  std::vector<Certificate> chain;
  try {
    // The file may hold the chain after the leaf.
    chain = Certificate::loadPEMChain(detail::readFile(certificateFileName, "certificate"));
  } catch (const CertificateError& e) {
    throw CertificateError(std::string(e.what()) + " (certificate file '" + certificateFileName +
                           "')");
  }
  CertificateOptions::Args a;
  try {
    a.certificate = PrivateCertificate::fromCertificateAndKeyPair(chain.front(), key);
  } catch (const CertificateError& e) {
    throw CertificateError(std::string(e.what()) + " ('" + privateKeyFileName + "', '" +
                           certificateFileName + "')");
  }
  a.extraCertChain.assign(chain.begin() + 1, chain.end());
  return CertificateOptions(std::move(a));
}

}  // namespace twisted::internet::ssl
