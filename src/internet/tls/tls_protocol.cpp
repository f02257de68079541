// TLSMemoryBIOProtocol: OpenSSL driven through a BIO of our own. The BIO
// reads ciphertext straight out of the chunk dataReceived was given (only a
// partial record left at the end of a chunk is copied, to wait for the
// rest) and collects what OpenSSL writes, which goes to the transport in
// one write per operation (one system call for a whole handshake flight or
// a 256 KiB slice of a big write).
#include <twisted/internet/interfaces/ihandshake_listener.h>
#include <twisted/internet/tls.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/python/log.h>

#include "internet/ssl/openssl.h"
#include "internet/ssl/session.h"

namespace twisted::internet::tls {

namespace log = python::log;
using python::Failure;

namespace {

// Plaintext is delivered in pieces of up to this much.
constexpr std::size_t kReadSize = 64 * 1024;
// A big write is encrypted and handed to the transport in slices this size,
// so the ciphertext waiting in our buffer stays bounded.
constexpr std::size_t kWriteSlice = 256 * 1024;

// One read buffer per nesting depth per thread (TLS inside TLS decrypts
// into the next one while the outer one is being delivered).
char* readBuffer(int depth) {
  thread_local std::vector<std::unique_ptr<char[]>> buffers;
  while (buffers.size() <= static_cast<std::size_t>(depth))
    buffers.push_back(std::make_unique<char[]>(kReadSize));
  return buffers[static_cast<std::size_t>(depth)].get();
}
thread_local int tDepth = 0;

// Before each SSL_read/SSL_write, so SSL_get_error sees only that call's
// errors. ERR_clear_error resets all 16 slots of the thread's error queue
// (~400 instructions, twice per echoed message, ~4% of the server's user
// space in a 64-byte ping-pong); the queue is nearly always empty, and
// ERR_peek_error, which is exactly what SSL_get_error consults, says so for
// a fraction of that.
inline void clearErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

struct TLSMemoryBIOProtocol::Impl final : ssl::detail::SessionOwner {
  // The OpenSSL session is made here, so a refusal throws before the
  // protocol takes anything.
  Impl(TLSMemoryBIOProtocol& s, ssl::CertificateOptions o, bool client, bool connect)
      : self(s), options(std::move(o)), isClient(client), connectWrapped(connect) {
    ssl = ssl::detail::newSession(options, isClient);
    SSL_set_app_data(ssl, static_cast<ssl::detail::SessionOwner*>(this));
    BIO* bio = BIO_new(bioMethod());
    BIO_set_data(bio, this);
    SSL_set_bio(ssl, bio, bio);
  }
  ~Impl() {
    if (ssl) SSL_free(ssl);
  }

  void keep(const ssl::CertificateOptions& o) override { sniOptions = o; }

  // The BIO's two ends.
  int bioRead(char* out, int len);
  int bioWrite(const char* data, int len) {
    pendingOut.append(data, static_cast<std::size_t>(len));
    return len;
  }
  static BIO_METHOD* bioMethod();

  void flushOut();
  void checkHandshake();
  void flushReceive();
  void writeNow(std::string_view data);
  void bufferedWrite(std::string_view data);
  void unbufferPendingWrites();
  void shutdownTLS();
  void shutdownFinished(std::optional<Failure> reason);
  Failure tlsFailure(int sslError);
  void keepUnreadInput();

  TLSMemoryBIOProtocol& self;
  ssl::CertificateOptions options;
  std::optional<ssl::CertificateOptions> sniOptions;
  bool isClient;
  bool connectWrapped;
  SSL* ssl = nullptr;
  ITransport* lower = nullptr;
  ITCPTransport* lowerTCP = nullptr;

  // Ciphertext in: the current chunk (not copied) after what an earlier
  // chunk left over (copied).
  std::string_view input;
  std::string stash;
  std::size_t stashPos = 0;
  bool inputEOF = false;
  // Ciphertext out, written to the transport by flushOut().
  std::string pendingOut;

  // Plaintext written before the handshake completed.
  std::string appSendBuffer;
  IProducer* producer = nullptr;
  bool streaming = false;

  bool handshakeDone = false;
  bool lostTLS = false;  // the TLS session is over (error, close_notify, or EOF)
  bool aborted = false;  // abortConnection: nothing more is delivered
  bool disconnecting = false;
  bool shutdownSent = false;   // our close_notify went out
  bool closedCleanly = false;  // close_notify received, or EOF after ours
  std::optional<Failure> reason;
};

// --- the BIO -----------------------------------------------------------------

int TLSMemoryBIOProtocol::Impl::bioRead(char* out, int len) {
  std::size_t want = static_cast<std::size_t>(len);
  if (stashPos < stash.size()) {
    std::size_t n = std::min(want, stash.size() - stashPos);
    std::memcpy(out, stash.data() + stashPos, n);
    stashPos += n;
    if (stashPos == stash.size()) {
      stash.clear();
      stashPos = 0;
    }
    return static_cast<int>(n);
  }
  if (!input.empty()) {
    std::size_t n = std::min(want, input.size());
    std::memcpy(out, input.data(), n);
    input.remove_prefix(n);
    return static_cast<int>(n);
  }
  return inputEOF ? 0 : -1;
}

BIO_METHOD* TLSMemoryBIOProtocol::Impl::bioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "twistedcpp");
    BIO_meth_set_write(m, [](BIO* b, const char* data, int len) {
      BIO_clear_retry_flags(b);
      return static_cast<Impl*>(BIO_get_data(b))->bioWrite(data, len);
    });
    BIO_meth_set_read(m, [](BIO* b, char* out, int len) {
      BIO_clear_retry_flags(b);
      int n = static_cast<Impl*>(BIO_get_data(b))->bioRead(out, len);
      if (n < 0) BIO_set_retry_read(b);
      return n;
    });
    BIO_meth_set_ctrl(m, [](BIO* b, int cmd, long, void*) -> long {
      auto* impl = static_cast<Impl*>(BIO_get_data(b));
      switch (cmd) {
        case BIO_CTRL_FLUSH:
          return 1;
        case BIO_CTRL_EOF:
          return impl->inputEOF && impl->input.empty() && impl->stashPos >= impl->stash.size();
        case BIO_CTRL_PENDING:
          return static_cast<long>(impl->input.size() + (impl->stash.size() - impl->stashPos));
        default:
          return 0;
      }
    });
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

void TLSMemoryBIOProtocol::Impl::keepUnreadInput() {
  if (input.empty()) return;
  // bioRead empties the stash once it is read to the end.
  if (stashPos > 0) {
    stash.erase(0, stashPos);
    stashPos = 0;
  }
  stash.append(input.data(), input.size());
  input = {};
}

void TLSMemoryBIOProtocol::Impl::flushOut() {
  if (pendingOut.empty()) return;
  // Swapped out first: a transport may, in principle, call back into us.
  std::string out;
  out.swap(pendingOut);
  lower->write(out);
  out.clear();
  if (pendingOut.empty()) pendingOut.swap(out);  // keep the capacity
}

// --- handshake, reading ------------------------------------------------------

Failure TLSMemoryBIOProtocol::Impl::tlsFailure(int sslError) {
  unsigned long e = ERR_peek_last_error();
  if (inputEOF && (sslError == SSL_ERROR_SYSCALL || sslError == SSL_ERROR_ZERO_RETURN ||
                   (e && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING))) {
    ERR_clear_error();
    if (!handshakeDone)
      return Failure(error::ConnectionLost(
          "Connection to the other side was lost in a non-clean fashion: the TLS handshake "
          "was cut off by the peer."));
    return Failure(error::ConnectionLost(
        "Connection to the other side was lost in a non-clean fashion: the TLS connection was "
        "truncated (the peer closed it without close_notify)."));
  }
  long verify = SSL_get_verify_result(ssl);
  std::string text =
      ssl::detail::errorText(sslError == SSL_ERROR_SYSCALL ? "TLS system error" : "TLS error");
  if (verify != X509_V_OK) {
    text = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    return Failure(ssl::TLSError(text, verify));
  }
  return Failure(ssl::TLSError(text));
}

void TLSMemoryBIOProtocol::Impl::checkHandshake() {
  if (aborted || lostTLS) return;
  clearErrors();
  int r = SSL_do_handshake(ssl);
  if (r == 1) {
    handshakeDone = true;
    flushOut();
    if (auto* listener = dynamic_cast<IHandshakeListener*>(self.wrappedProtocol.get()))
      listener->handshakeCompleted();
    return;
  }
  int err = SSL_get_error(ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    flushOut();
    return;
  }
  shutdownFinished(tlsFailure(err));
}

void TLSMemoryBIOProtocol::Impl::flushReceive() {
  char* buf = readBuffer(tDepth);
  ++tDepth;
  struct Leave {
    ~Leave() { --tDepth; }
  } leave;
  while (!lostTLS && !aborted) {
    std::size_t n = 0;
    int err = SSL_ERROR_NONE;
    clearErrors();
    while (n < kReadSize) {
      int r = SSL_read(ssl, buf + n, static_cast<int>(kReadSize - n));
      if (r <= 0) {
        err = SSL_get_error(ssl, r);
        break;
      }
      n += static_cast<std::size_t>(r);
    }
    if (n > 0 && !aborted) self.wrappedProtocol->dataReceived(std::string_view(buf, n));
    if (err == SSL_ERROR_NONE) continue;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN && !inputEOF) {
      // The peer's close_notify: answer with ours and close.
      closedCleanly = true;
      shutdownTLS();
      shutdownFinished(std::nullopt);
      break;
    }
    if (inputEOF && shutdownSent) {
      // We asked to close; the peer closed without answering: clean.
      closedCleanly = true;
      lostTLS = true;
      break;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      closedCleanly = true;  // close_notify then EOF
      lostTLS = true;
      break;
    }
    shutdownFinished(tlsFailure(err));
  }
  flushOut();
}

void TLSMemoryBIOProtocol::Impl::shutdownTLS() {
  if (!ssl || !handshakeDone) return;
  ERR_clear_error();
  int r = SSL_shutdown(ssl);
  shutdownSent = true;
  flushOut();
  if (r == 1) {
    lower->loseConnection();
  } else if (lowerTCP && !inputEOF) {
    // Our close_notify is out; a half-close makes the peer see the end too,
    // so it answers (or closes) instead of waiting for more.
    try {
      lowerTCP->loseWriteConnection();
    } catch (const std::exception&) {
      // Not every transport can half-close; the peer's answer closes it.
    }
  }
  ERR_clear_error();
}

void TLSMemoryBIOProtocol::Impl::shutdownFinished(std::optional<Failure> r) {
  if (r && !reason) reason = std::move(r);
  lostTLS = true;
  flushOut();
  lower->loseConnection();
}

// --- writing -----------------------------------------------------------------

void TLSMemoryBIOProtocol::Impl::writeNow(std::string_view data) {
  while (!data.empty() && !lostTLS) {
    std::string_view slice = data.substr(0, kWriteSlice);
    clearErrors();
    int r = SSL_write(ssl, slice.data(), static_cast<int>(slice.size()));
    if (r <= 0) {
      int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        flushOut();
        bufferedWrite(data);
        return;
      }
      shutdownFinished(tlsFailure(err));
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(r));
    flushOut();
  }
}

void TLSMemoryBIOProtocol::Impl::bufferedWrite(std::string_view data) {
  appSendBuffer.append(data);
  if (producer && streaming) static_cast<IPushProducer*>(producer)->pauseProducing();
}

void TLSMemoryBIOProtocol::Impl::unbufferPendingWrites() {
  std::string pending;
  pending.swap(appSendBuffer);
  writeNow(pending);
  if (!appSendBuffer.empty()) return;
  if (producer) {
    if (streaming) producer->resumeProducing();
    return;
  }
  if (disconnecting) shutdownTLS();
}

// --- the protocol --------------------------------------------------------------

TLSMemoryBIOProtocol::TLSMemoryBIOProtocol(ssl::CertificateOptions options, bool isClient,
                                           std::unique_ptr<Protocol>&& wrapped,
                                           bool connectWrapped) {
  if (!wrapped) throw std::invalid_argument("TLSMemoryBIOProtocol: no wrapped protocol");
  if (isClient) ssl::detail::checkClientOptions(options);
  impl_ = std::make_unique<Impl>(*this, std::move(options), isClient, connectWrapped);
  wrappedProtocol = std::move(wrapped);  // last: nothing after this can throw
}

TLSMemoryBIOProtocol::~TLSMemoryBIOProtocol() = default;

void TLSMemoryBIOProtocol::makeConnection(ITransport* t) {
  Impl& m = *impl_;
  m.lower = t;
  m.lowerTCP = dynamic_cast<ITCPTransport*>(t);
  Protocol::makeConnection(t);
  if (m.connectWrapped) {
    wrappedProtocol->makeConnection(this);
  } else {
    wrappedProtocol->transport = this;
  }
  m.checkHandshake();
}

void TLSMemoryBIOProtocol::dataReceived(std::string_view data) {
  Impl& m = *impl_;
  if (m.lostTLS || m.aborted) return;
  // OpenSSL reads what an earlier chunk left (the stash) first, then this.
  m.input = data;
  // `data` is only valid during this call: what OpenSSL did not read is
  // copied out however this returns (also if the wrapped protocol throws).
  struct KeepUnread {
    Impl& m;
    ~KeepUnread() { m.keepUnreadInput(); }
  } keep{m};
  if (!m.handshakeDone) {
    m.checkHandshake();
    if (!m.handshakeDone) return;
  }
  if (!m.appSendBuffer.empty()) m.unbufferPendingWrites();
  m.flushReceive();
}

void TLSMemoryBIOProtocol::connectionLost(const Failure& reason) {
  Impl& m = *impl_;
  if (!m.lostTLS && !m.aborted && m.ssl) {
    // What is left of the stream, then the end of it: a clean close_notify,
    // or a truncation.
    m.inputEOF = true;
    if (m.handshakeDone)
      m.flushReceive();
    else if (!m.reason)
      m.reason = m.tlsFailure(SSL_ERROR_SYSCALL);
    m.lostTLS = true;
  }
  // Once the TLS session is closed cleanly, whatever TCP reports after it
  // (a reset, a hang-up) loses no data: a clean close.
  Failure final = m.reason                        ? *m.reason
                  : m.closedCleanly && !m.aborted ? main::CONNECTION_DONE()
                                                  : reason;
  m.reason.reset();
  connected = false;
  m.producer = nullptr;
  if (auto* f = dynamic_cast<TLSMemoryBIOFactory*>(factory); f && m.isClient)
    f->lostReason_ = final;
  wrappedProtocol->connected = false;
  wrappedProtocol->connectionLost(final);
}

std::string TLSMemoryBIOProtocol::logPrefix() const {
  return wrappedProtocol->logPrefix() + " (TLS)";
}

void TLSMemoryBIOProtocol::write(std::string_view data) {
  Impl& m = *impl_;
  if (m.lostTLS || m.aborted || !m.lower) return;
  if (m.disconnecting && !m.producer) return;
  if (data.empty()) return;
  if (!m.handshakeDone || !m.appSendBuffer.empty()) {
    m.bufferedWrite(data);
    return;
  }
  m.writeNow(data);
}

void TLSMemoryBIOProtocol::writeSequence(std::span<const std::string_view> data) {
  std::size_t total = 0;
  for (auto d : data)
    total += d.size();
  if (data.size() > 1 && total <= 16384) {
    // One record for small pieces (one SSL_write, one system call).
    thread_local std::string joined;
    joined.clear();
    for (auto d : data)
      joined.append(d);
    write(joined);
    return;
  }
  for (auto d : data)
    write(d);
}

void TLSMemoryBIOProtocol::loseConnection() {
  Impl& m = *impl_;
  if (m.disconnecting || !connected) return;
  if (!m.handshakeDone && m.appSendBuffer.empty()) {
    abortConnection();
    return;
  }
  m.disconnecting = true;
  if (m.appSendBuffer.empty() && !m.producer) m.shutdownTLS();
}

void TLSMemoryBIOProtocol::abortConnection() {
  Impl& m = *impl_;
  m.aborted = true;
  m.disconnecting = true;
  if (m.lower) m.lower->abortConnection();
}

bool TLSMemoryBIOProtocol::disconnecting() const {
  return impl_->disconnecting;
}

Address TLSMemoryBIOProtocol::getPeer() const {
  return impl_->lower->getPeer();
}
Address TLSMemoryBIOProtocol::getHost() const {
  return impl_->lower->getHost();
}

void TLSMemoryBIOProtocol::registerProducer(IProducer* producer, bool streaming) {
  Impl& m = *impl_;
  if (m.producer) throw std::runtime_error("Cannot register producer, already registered");
  m.lower->registerProducer(producer, streaming);
  m.producer = producer;
  m.streaming = streaming;
  // Writes still wait for the handshake: hold the producer until they go.
  if (streaming && !m.appSendBuffer.empty())
    static_cast<IPushProducer*>(producer)->pauseProducing();
}

void TLSMemoryBIOProtocol::unregisterProducer() {
  Impl& m = *impl_;
  if (!m.producer) {
    // One registered on the connection before startTLS.
    if (m.lower) m.lower->unregisterProducer();
    return;
  }
  m.producer = nullptr;
  if (!m.lostTLS) m.lower->unregisterProducer();
  if (m.disconnecting && m.appSendBuffer.empty()) m.shutdownTLS();
}

void TLSMemoryBIOProtocol::pauseProducing() {
  impl_->lower->pauseProducing();
}
void TLSMemoryBIOProtocol::resumeProducing() {
  impl_->lower->resumeProducing();
}
void TLSMemoryBIOProtocol::stopProducing() {
  impl_->lower->stopProducing();
}

void TLSMemoryBIOProtocol::loseWriteConnection() {
  throw std::logic_error("loseWriteConnection: a TLS connection cannot be half-closed");
}

namespace {
ITCPTransport& tcpOf(ITCPTransport* t) {
  if (!t) throw std::logic_error("the transport under TLS is not a TCP transport");
  return *t;
}
}  // namespace

bool TLSMemoryBIOProtocol::getTcpNoDelay() const {
  return tcpOf(impl_->lowerTCP).getTcpNoDelay();
}
void TLSMemoryBIOProtocol::setTcpNoDelay(bool enabled) {
  tcpOf(impl_->lowerTCP).setTcpNoDelay(enabled);
}
bool TLSMemoryBIOProtocol::getTcpKeepAlive() const {
  return tcpOf(impl_->lowerTCP).getTcpKeepAlive();
}
void TLSMemoryBIOProtocol::setTcpKeepAlive(bool enabled) {
  tcpOf(impl_->lowerTCP).setTcpKeepAlive(enabled);
}

std::optional<ssl::Certificate> TLSMemoryBIOProtocol::getPeerCertificate() const {
  if (!impl_->ssl || !impl_->handshakeDone) return std::nullopt;
  X509* x = SSL_get1_peer_certificate(impl_->ssl);
  if (!x) return std::nullopt;
  auto d = std::make_shared<ssl::detail::CertificateData>();
  d->x509.reset(x);
  return ssl::Certificate(std::move(d));
}

std::optional<std::string> TLSMemoryBIOProtocol::negotiatedProtocol() const {
  if (!impl_->ssl || !impl_->handshakeDone) return std::nullopt;
  const unsigned char* p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(impl_->ssl, &p, &n);
  if (!p || n == 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::optional<std::string> TLSMemoryBIOProtocol::serverName() const {
  if (!impl_->ssl) return std::nullopt;
  const char* name = SSL_get_servername(impl_->ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return std::nullopt;
  return std::string(name);
}

std::string TLSMemoryBIOProtocol::tlsVersion() const {
  if (!impl_->ssl || !impl_->handshakeDone) return {};
  return SSL_get_version(impl_->ssl);
}

bool TLSMemoryBIOProtocol::handshakeDone() const {
  return impl_->handshakeDone;
}

bool TLSMemoryBIOProtocol::closedCleanly() const {
  return impl_->closedCleanly && !impl_->aborted;
}

bool TLSMemoryBIOProtocol::sessionReused() const {
  return impl_->ssl && impl_->handshakeDone && SSL_session_reused(impl_->ssl) == 1;
}

// --- the factory -----------------------------------------------------------------

TLSMemoryBIOFactory::TLSMemoryBIOFactory(ssl::CertificateOptions options, bool isClient,
                                         std::shared_ptr<Factory> wrapped)
    : wrappedFactory(std::move(wrapped)), options_(std::move(options)), isClient_(isClient) {
  if (!wrappedFactory) throw std::invalid_argument("TLSMemoryBIOFactory: no wrapped factory");
  if (isClient) ssl::detail::checkClientOptions(options_);
  noisy = false;
}

std::unique_ptr<Protocol> TLSMemoryBIOFactory::buildProtocol(const Address& addr) {
  std::unique_ptr<Protocol> p = wrappedFactory->buildProtocol(addr);
  if (!p) return nullptr;
  auto tls = std::make_unique<TLSMemoryBIOProtocol>(options_, isClient_, std::move(p));
  tls->factory = this;
  return tls;
}

std::string TLSMemoryBIOFactory::logPrefix() const {
  return wrappedFactory->logPrefix() + " (TLS)";
}

void TLSMemoryBIOFactory::startFactory() {
  wrappedFactory->doStart();
}
void TLSMemoryBIOFactory::stopFactory() {
  wrappedFactory->doStop();
}

void TLSMemoryBIOFactory::startedConnecting(IConnector& connector) {
  if (auto* c = dynamic_cast<ClientFactory*>(wrappedFactory.get())) c->startedConnecting(connector);
}

void TLSMemoryBIOFactory::clientConnectionFailed(IConnector& connector, const Failure& reason) {
  if (auto* c = dynamic_cast<ClientFactory*>(wrappedFactory.get()))
    c->clientConnectionFailed(connector, reason);
}

void TLSMemoryBIOFactory::clientConnectionLost(IConnector& connector, const Failure& reason) {
  // The TLS layer's reason (a verification failure, a truncation) says
  // more than the TCP connection's.
  std::optional<Failure> tlsReason;
  tlsReason.swap(lostReason_);
  if (auto* c = dynamic_cast<ClientFactory*>(wrappedFactory.get()))
    c->clientConnectionLost(connector, tlsReason ? *tlsReason : reason);
}

}  // namespace twisted::internet::tls
