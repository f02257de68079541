// tls_echo_openssl: a hand-written single-threaded OpenSSL + epoll TLS echo
// server, the reference our TLS echo server is measured against
// (bench/run_tls.sh, docs/benchmarks-tls.md).
//
// What a careful engineer writes without exotic tricks (no kTLS, no custom
// BIO): one SSL per non-blocking socket (socket BIO, read-ahead on, so a
// read(2) fetches many records instead of a 5-byte header and then a body),
// level-triggered epoll. On readiness: SSL_accept until done; then SSL_read
// into a 64 KiB buffer until it is full or OpenSSL wants more input, and
// echo it with one SSL_write (partial writes on, moving buffer allowed).
// If the kernel refuses part of the echo, the rest is kept per connection,
// the connection waits for EPOLLOUT and is not read until it drains
// (backpressure, as in ../shared/bench/servers/epoll_raw.cpp). Since
// read-ahead may leave decrypted-ready records inside OpenSSL that epoll
// cannot see, reading goes on until SSL_read says WANT_READ.
//
// Context settings match what our server gets from
// ssl::DefaultOpenSSLContextFactory: TLS 1.2 minimum, no session cache, no
// tickets (so every handshake is a full one and none sends tickets).
// The peer's close_notify is answered with ours, then the socket is closed.
//
// Usage: tls_echo_openssl KEY CERT PORT   (listens on 127.0.0.1)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Conn {
  SSL* ssl = nullptr;
  bool accepted = false;
  std::vector<char> out;  // plaintext SSL_write has not taken yet
  size_t outOff = 0;
  uint32_t interest = 0;
};

int ep;
std::vector<Conn> conns;  // indexed by fd
char buf[64 * 1024];

void setInterest(int fd, uint32_t events) {
  Conn& c = conns[size_t(fd)];
  if (c.interest == events) return;
  c.interest = events;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

void closeConn(int fd) {
  Conn& c = conns[size_t(fd)];
  SSL_free(c.ssl);
  c = Conn{};
  ERR_clear_error();
  close(fd);  // also removes fd from the epoll set
}

// Push c.out[outOff..] through SSL_write. Returns false if the connection
// was closed; sets EPOLLOUT interest if the kernel is full.
bool flushOut(int fd) {
  Conn& c = conns[size_t(fd)];
  while (c.outOff < c.out.size()) {
    int r = SSL_write(c.ssl, c.out.data() + c.outOff, int(c.out.size() - c.outOff));
    if (r <= 0) {
      int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_WRITE) {
        setInterest(fd, EPOLLOUT);
        return true;
      }
      if (err == SSL_ERROR_WANT_READ) {  // renegotiation-like; not in TLS 1.3 echo
        setInterest(fd, EPOLLIN);
        return true;
      }
      closeConn(fd);
      return false;
    }
    c.outOff += size_t(r);
  }
  c.out.clear();
  c.outOff = 0;
  setInterest(fd, EPOLLIN);
  return true;
}

// Echo `n` bytes of buf; returns false if closed or blocked (stop reading).
bool echo(int fd, size_t n) {
  Conn& c = conns[size_t(fd)];
  size_t off = 0;
  while (off < n) {
    int r = SSL_write(c.ssl, buf + off, int(n - off));
    if (r <= 0) {
      int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
        c.out.assign(buf + off, buf + n);
        c.outOff = 0;
        setInterest(fd, err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
        return false;
      }
      closeConn(fd);
      return false;
    }
    off += size_t(r);
  }
  return true;
}

void onReadable(int fd) {
  Conn& c = conns[size_t(fd)];
  if (!c.accepted) {
    int r = SSL_accept(c.ssl);
    if (r != 1) {
      int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_READ) return setInterest(fd, EPOLLIN);
      if (err == SSL_ERROR_WANT_WRITE) return setInterest(fd, EPOLLOUT);
      return closeConn(fd);
    }
    c.accepted = true;
    setInterest(fd, EPOLLIN);
  }
  for (;;) {
    size_t n = 0;
    int err = SSL_ERROR_NONE;
    while (n < sizeof buf) {
      int r = SSL_read(c.ssl, buf + n, int(sizeof buf - n));
      if (r <= 0) {
        err = SSL_get_error(c.ssl, r);
        break;
      }
      n += size_t(r);
    }
    if (n > 0 && !echo(fd, n)) return;
    if (err == SSL_ERROR_NONE) continue;  // buffer was full: more may wait
    if (err == SSL_ERROR_WANT_READ) return;
    if (err == SSL_ERROR_WANT_WRITE) return setInterest(fd, EPOLLOUT);
    if (err == SSL_ERROR_ZERO_RETURN) SSL_shutdown(c.ssl);  // answer close_notify
    return closeConn(fd);                                   // close_notify, EOF or error
  }
}

void onWritable(int fd) {
  Conn& c = conns[size_t(fd)];
  if (!c.accepted) return onReadable(fd);  // handshake wanted to write
  if (!flushOut(fd)) return;
  if (c.out.empty()) onReadable(fd);  // records may wait inside OpenSSL
}

void onAccept(int lfd, SSL_CTX* ctx) {
  for (;;) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) perror("accept4");
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (size_t(fd) >= conns.size()) conns.resize(size_t(fd) + 1024);
    Conn& c = conns[size_t(fd)];
    c.ssl = SSL_new(ctx);
    SSL_set_fd(c.ssl, fd);
    c.interest = EPOLLIN;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
      closeConn(fd);
      continue;
    }
    onReadable(fd);  // the ClientHello is usually there already
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s KEY CERT PORT\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_read_ahead(ctx, 1);
  if (SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(atoi(argv[3])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 4096) < 0) {
    perror("bind/listen");
    return 1;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

  epoll_event events[512];
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      uint32_t e = events[i].events;
      if (fd == lfd) {
        onAccept(lfd, ctx);
        continue;
      }
      Conn& c = conns[size_t(fd)];
      if (!c.ssl) continue;  // closed earlier in this batch
      if (c.interest & EPOLLOUT) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) onWritable(fd);
      } else {
        onReadable(fd);  // EPOLLIN, or HUP/ERR: SSL_read tells
      }
    }
  }
}
