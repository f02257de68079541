// tls_loadgen: single-threaded OpenSSL + epoll load generator for TLS echo
// servers, modelled on ../shared/bench/loadgen/loadgen.cpp (same scenarios,
// same byte verification, same "key=value" report line and CPU accounting),
// for bench/run_tls.sh. Docs: docs/benchmarks-tls.md.
//
// Modes:
//   pingpong   C connections; each sends S bytes, waits for the full echo, repeats.
//   stream     C connections; each writes S-byte chunks keeping up to W bytes in
//              flight (default 2*S) while reading the echo back.
//   handshake  C workers; each connects, does a full TLS handshake (no
//              resumption: the client keeps no sessions), sends close_notify
//              and waits for the server to close (its close_notify or EOF:
//              proof that it processed the handshake), then starts over.
// Every echoed byte is compared with what was sent (a per-connection slice of
// a pseudo-random periodic pattern). --plain speaks cleartext TCP instead
// (pingpong/stream), so cleartext servers are driven by the same code.
//
// TLS: 1.3 only, the client offers only --ciphersuite (default
// TLS_AES_128_GCM_SHA256) and --groups (default X25519); no certificate
// verification on the client (its cost is not what is measured).
// With --server-pid, the server's CPU time (utime+stime from /proc/PID/stat)
// over the measured window is reported (server_cpu_s, server_cpu_pct), so
// work per server CPU-second can be computed.
//
// Exit codes: 0 ok, 2 usage, 3 connection/TLS error, 4 data mismatch,
// 5 setup timeout, 6 a connection made no progress for over a second at the
// end of the run (server stalled).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

enum ExitCode { kOk = 0, kUsage = 2, kConnErr = 3, kMismatch = 4, kTimeout = 5, kStalled = 6 };
enum class Mode { PingPong, Stream, Handshake };

constexpr size_t kPatLen = 65521;  // prime, so consecutive messages use shifted slices
constexpr size_t kMaxIo = 256 * 1024;
constexpr int kMaxPendingSetup = 128;
constexpr uint64_t kStallNs = 1000000000;

[[noreturn]] void die(int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("tls_loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  ERR_print_errors_fp(stderr);
  exit(code);
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  Mode mode = Mode::PingPong;
  int conns = 1;
  size_t size = 64;
  size_t window = 0;
  double seconds = 5;
  double warmup = 0.5;
  double setup_timeout = 30;
  int src_addrs = 0;
  int server_pid = 0;
  bool plain = false;
  std::string ciphersuite = "TLS_AES_128_GCM_SHA256";
  std::string groups = "X25519";
};

// Log-linear latency histogram (ns): exact below 1024 ns, then 512
// sub-buckets per power of two.
class Histogram {
 public:
  void add(uint64_t v) {
    ++buckets_[index(v)];
    ++count_;
  }
  double percentile_us(double p) const {
    if (count_ == 0) return 0;
    uint64_t rank = uint64_t(std::ceil(p * double(count_))), seen = 0;
    if (rank == 0) rank = 1;
    for (size_t i = 0; i < buckets_.size(); ++i)
      if ((seen += buckets_[i]) >= rank) return double(value(i)) / 1000.0;
    return 0;
  }

 private:
  static size_t index(uint64_t v) {
    if (v < 1024) return v;
    int e = 63 - __builtin_clzll(v);
    return 1024 + size_t(e - 10) * 512 + size_t((v >> (e - 9)) - 512);
  }
  static uint64_t value(size_t i) {
    if (i < 1024) return i;
    int e = int((i - 1024) / 512) + 10, shift = e - 9;
    uint64_t m = (i - 1024) % 512 + 512;
    return (m << shift) + ((uint64_t(1) << shift) >> 1);
  }
  std::vector<uint64_t> buckets_ = std::vector<uint64_t>(1024 + 54 * 512);
  uint64_t count_ = 0;
};

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  uint32_t off = 0;
  uint64_t sent = 0, rcvd = 0, goal = 0;
  uint64_t t0 = 0, t_rx = 0;
  bool connected = false;
  bool tls_up = false;    // handshake done (or --plain)
  bool ready = false;     // setup exchange done
  bool shutting = false;  // handshake mode: our close_notify is out
};

double proc_cpu_seconds(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return NAN;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char* p = strrchr(buf, ')');
  if (!p) return NAN;
  unsigned long long ut = 0, st = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return NAN;
  return double(ut + st) / double(sysconf(_SC_CLK_TCK));
}

double machine_busy_seconds() {
  FILE* f = fopen("/proc/stat", "r");
  if (!f) return NAN;
  unsigned long long v[8] = {};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                 &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (n != 8) return NAN;
  return double(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / double(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class LoadGen {
 public:
  explicit LoadGen(const Options& o) : o_(o) {
    pattern_.resize(kPatLen + kMaxIo);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < kPatLen; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      pattern_[i] = uint8_t(x >> 32);
    }
    for (size_t i = kPatLen; i < pattern_.size(); ++i)
      pattern_[i] = pattern_[i - kPatLen];
    rbuf_.resize(kMaxIo);
    addr_ = sockaddr_in{};
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(uint16_t(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) != 1)
      die(kUsage, "bad --host %s", o_.host.c_str());
    if ((ntohl(addr_.sin_addr.s_addr) >> 24) != 127)
      die(kUsage, "refusing non-loopback host %s", o_.host.c_str());
    ep_ = epoll_create1(0);
    if (ep_ < 0) die(kConnErr, "epoll_create1: %s", strerror(errno));
    conns_.resize(size_t(o_.conns));
    if (!o_.plain) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_3_VERSION);
      if (SSL_CTX_set_ciphersuites(ctx_, o_.ciphersuite.c_str()) != 1)
        die(kUsage, "bad --ciphersuite");
      if (SSL_CTX_set1_groups_list(ctx_, o_.groups.c_str()) != 1) die(kUsage, "bad --groups");
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
      SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      SSL_CTX_set_read_ahead(ctx_, 1);
    }
  }

  int run() {
    if (o_.mode == Mode::Handshake) {
      run_handshakes();
    } else {
      setup();
      run_traffic();
    }
    return kOk;
  }

 private:
  void open_conn(Conn& c) {
    c = Conn{};
    c.off = uint32_t((++opened_ * 7919u) % kPatLen);
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die(kConnErr, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o_.src_addrs > 1) {
      // Rotate source addresses so TIME_WAIT sockets do not exhaust the ports.
      setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + uint32_t(opened_ % uint64_t(o_.src_addrs)));
      if (bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0)
        die(kConnErr, "bind: %s", strerror(errno));
    }
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) < 0 &&
        errno != EINPROGRESS)
      die(kConnErr, "connect: %s", strerror(errno));
    if (!o_.plain) {
      c.ssl = SSL_new(ctx_);
      SSL_set_fd(c.ssl, c.fd);
      SSL_set_connect_state(c.ssl);
    } else {
      c.tls_up = true;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = uint32_t(&c - conns_.data());
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) < 0)
      die(kConnErr, "epoll_ctl: %s", strerror(errno));
  }

  void close_conn(Conn& c) {
    if (c.ssl) SSL_free(c.ssl);
    c.ssl = nullptr;
    close(c.fd);
    c.fd = -1;
  }

  const uint8_t* pat(const Conn& c, uint64_t pos) const {
    return &pattern_[(c.off + pos) % kPatLen];
  }

  // > 0 bytes written, 0 would block.
  size_t io_write(Conn& c, const uint8_t* p, size_t len) {
    if (o_.plain) {
      ssize_t n = write(c.fd, p, len);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        die(kConnErr, "write: %s", strerror(errno));
      }
      return size_t(n);
    }
    ERR_clear_error();
    int n = SSL_write(c.ssl, p, int(len));
    if (n > 0) return size_t(n);
    int err = SSL_get_error(c.ssl, n);
    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return 0;
    die(kConnErr, "SSL_write: error %d (%s)", err, strerror(errno));
  }

  // > 0 bytes read, 0 would block, -1 the server closed (close_notify or EOF).
  long io_read(Conn& c, uint8_t* p, size_t len) {
    if (o_.plain) {
      ssize_t n = read(c.fd, p, len);
      if (n == 0) return -1;
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        die(kConnErr, "read: %s", strerror(errno));
      }
      return long(n);
    }
    ERR_clear_error();
    int n = SSL_read(c.ssl, p, int(len));
    if (n > 0) return n;
    int err = SSL_get_error(c.ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return 0;
    if (err == SSL_ERROR_ZERO_RETURN) return -1;
    if (c.shutting) return -1;  // EOF (or a reset) after our close_notify: closed
    die(kConnErr, "SSL_read: error %d (%s)", err, strerror(errno));
  }

  void flush(Conn& c) {
    if (!c.tls_up || c.shutting) return;
    for (;;) {
      uint64_t limit =
          (o_.mode == Mode::Stream && c.ready) ? (stopping_ ? c.sent : c.rcvd + window_) : c.goal;
      if (c.sent >= limit) return;
      size_t len = size_t(limit - c.sent);
      if (o_.mode == Mode::Stream && c.ready && len > o_.size) len = o_.size;
      if (len > kMaxIo) len = kMaxIo;
      size_t n = io_write(c, pat(c, c.sent), len);
      if (n == 0) return;
      c.sent += n;
    }
  }

  // Edge-triggered: read until the socket (and OpenSSL) has nothing more.
  void drain(Conn& c) {
    for (;;) {
      long n = io_read(c, rbuf_.data(), kMaxIo);
      if (n == 0) return;
      if (n < 0) {
        if (c.shutting) return handshake_done(c);
        die(kConnErr, "server closed a connection (%llu of %llu bytes echoed)",
            (unsigned long long)c.rcvd, (unsigned long long)c.sent);
      }
      if (c.shutting) die(kMismatch, "server sent data in handshake mode");
      if (c.rcvd + uint64_t(n) > c.sent) die(kMismatch, "server echoed more bytes than were sent");
      if (memcmp(rbuf_.data(), pat(c, c.rcvd), size_t(n)) != 0)
        die(kMismatch, "echoed bytes differ from sent bytes at stream offset %llu",
            (unsigned long long)c.rcvd);
      c.rcvd += uint64_t(n);
      uint64_t t = c.t_rx = now_ns();
      if (o_.mode == Mode::Stream && c.ready) {
        if (measuring_) bytes_ += uint64_t(n);
        flush(c);
      } else if (c.rcvd == c.goal) {
        if (!c.ready) {
          c.ready = true;
          ++ready_;
          --pending_;
          open_more();
        } else {
          if (measuring_) {
            hist_.add(t - c.t0);
            ++done_;
          }
          if (!stopping_) start_message(c, t);
        }
      }
    }
  }

  void on_event(Conn& c, uint32_t events) {
    if (!c.connected) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) die(kConnErr, "connect: %s", strerror(err));
      if (!(events & EPOLLOUT)) return;
      c.connected = true;
    }
    if (!c.tls_up) {
      ERR_clear_error();
      int r = SSL_do_handshake(c.ssl);
      if (r != 1) {
        int err = SSL_get_error(c.ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
        die(kConnErr, "TLS handshake failed: error %d", err);
      }
      c.tls_up = true;
      c.t_rx = now_ns();
      if (o_.mode == Mode::Handshake) {
        // Our close_notify; the server's answer (or its EOF) ends the round.
        c.shutting = true;
        ERR_clear_error();
        SSL_shutdown(c.ssl);
      }
    }
    flush(c);
    drain(c);
  }

  void handshake_done(Conn& c) {
    if (measuring_) {
      hist_.add(now_ns() - c.t0);
      ++done_;
    }
    close_conn(c);
    if (!stopping_) start_handshake(c);
  }

  void start_handshake(Conn& c) {
    open_conn(c);
    c.t0 = c.t_rx = now_ns();
  }

  void start_message(Conn& c, uint64_t t) {
    c.t0 = c.t_rx = t;
    c.goal = c.sent + o_.size;
    flush(c);
  }

  void poll_until(uint64_t deadline) {
    epoll_event evs[1024];
    for (;;) {
      uint64_t t = now_ns();
      if (t >= deadline || (in_setup_ && ready_ == conns_.size())) return;
      int timeout_ms = int((deadline - t + 999999) / 1000000);
      int n = epoll_wait(ep_, evs, 1024, timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        die(kConnErr, "epoll_wait: %s", strerror(errno));
      }
      for (int i = 0; i < n; ++i) {
        Conn& c = conns_[evs[i].data.u32];
        if (c.fd >= 0) on_event(c, evs[i].events);
      }
    }
  }

  // Open all connections (at most kMaxPendingSetup at a time); each does its
  // handshake and one 1-byte echo, which proves the server echoes.
  void setup() {
    in_setup_ = true;
    open_more();
    poll_until(now_ns() + uint64_t(o_.setup_timeout * 1e9));
    if (ready_ < conns_.size())
      die(kTimeout, "setup timed out: %zu of %zu connections ready", ready_, conns_.size());
    in_setup_ = false;
  }

  void open_more() {
    while (next_ < conns_.size() && pending_ < kMaxPendingSetup) {
      Conn& c = conns_[next_++];
      open_conn(c);
      c.goal = 1;
      ++pending_;
    }
  }

  void begin_measurement() {
    measuring_ = true;
    srv_cpu0_ = o_.server_pid ? proc_cpu_seconds(o_.server_pid) : 0;
    own_cpu0_ = self_cpu_seconds();
    all_cpu0_ = machine_busy_seconds();
    t_meas0_ = now_ns();
  }

  void end_measurement() {
    t_meas1_ = now_ns();
    measuring_ = false;
    stopping_ = true;
    srv_cpu1_ = o_.server_pid ? proc_cpu_seconds(o_.server_pid) : 0;
    own_cpu1_ = self_cpu_seconds();
    all_cpu1_ = machine_busy_seconds();
  }

  void run_traffic() {
    uint64_t t = now_ns();
    uint64_t warm_end = t + uint64_t(o_.warmup * 1e9);
    uint64_t end = warm_end + uint64_t(o_.seconds * 1e9);
    for (Conn& c : conns_) {
      c.t_rx = t;
      if (o_.mode == Mode::PingPong)
        start_message(c, t);
      else
        flush(c);
    }
    poll_until(warm_end);
    begin_measurement();
    poll_until(end);
    end_measurement();
    report();
  }

  void run_handshakes() {
    uint64_t t = now_ns();
    uint64_t warm_end = t + uint64_t(o_.warmup * 1e9);
    uint64_t end = warm_end + uint64_t(o_.seconds * 1e9);
    for (Conn& c : conns_)
      start_handshake(c);
    poll_until(warm_end);
    begin_measurement();
    poll_until(end);
    end_measurement();
    report();
  }

  size_t stalled() const {
    size_t n = 0;
    for (const Conn& c : conns_)
      if (c.fd >= 0 && (c.sent > c.rcvd || o_.mode == Mode::Handshake) &&
          t_meas1_ - c.t_rx > kStallNs)
        ++n;
    return n;
  }

  void report() {
    double secs = double(t_meas1_ - t_meas0_) / 1e9;
    double srv_s = o_.server_pid ? srv_cpu1_ - srv_cpu0_ : NAN;
    const char* mode = o_.mode == Mode::PingPong ? "pingpong"
                       : o_.mode == Mode::Stream ? "stream"
                                                 : "handshake";
    printf("mode=%s tls=%s conns=%d size=%zu window=%zu seconds=%.3f", mode,
           o_.plain ? "none" : o_.ciphersuite.c_str(), o_.conns,
           o_.mode == Mode::Handshake ? 0 : o_.size, o_.mode == Mode::Stream ? window_ : size_t(0),
           secs);
    if (o_.mode == Mode::Stream) {
      double mib = double(bytes_) / (1024 * 1024);
      printf(" mib=%.1f mib_per_s=%.1f mib_per_server_cpu_s=%.1f", mib, mib / secs, mib / srv_s);
    } else {
      const char* what = o_.mode == Mode::Handshake ? "handshakes" : "msgs";
      double rate = double(done_) / secs;
      printf(" %s=%llu %s_per_s=%.0f %s_per_server_cpu_s=%.0f", what, (unsigned long long)done_,
             what, rate, what, double(done_) / srv_s);
      printf(" p50_us=%.1f p99_us=%.1f", hist_.percentile_us(0.5), hist_.percentile_us(0.99));
    }
    double srv = srv_s / secs * 100, own = (own_cpu1_ - own_cpu0_) / secs * 100;
    double other = (all_cpu1_ - all_cpu0_) / secs * 100 - srv - own;
    printf(" server_cpu_s=%.2f server_cpu_pct=%.0f loadgen_cpu_pct=%.0f other_cpu_pct=%.0f\n",
           srv_s, srv, own, other < 0 ? 0 : other);
    fflush(stdout);
    if (size_t n = stalled())
      die(kStalled, "%zu connection(s) made no progress for over %.0f s", n, kStallNs / 1e9);
  }

  Options o_;
  SSL_CTX* ctx_ = nullptr;
  std::vector<uint8_t> pattern_, rbuf_;
  sockaddr_in addr_;
  int ep_ = -1;
  std::vector<Conn> conns_;
  size_t window_ = o_.window ? o_.window : 2 * o_.size;
  uint64_t opened_ = 0;
  size_t next_ = 0, ready_ = 0;
  bool in_setup_ = false;
  int pending_ = 0;
  bool measuring_ = false, stopping_ = false;
  uint64_t done_ = 0, bytes_ = 0;
  Histogram hist_;
  uint64_t t_meas0_ = 0, t_meas1_ = 0;
  double srv_cpu0_ = 0, srv_cpu1_ = 0, own_cpu0_ = 0, own_cpu1_ = 0, all_cpu0_ = 0, all_cpu1_ = 0;
};

void usage() {
  fputs(
      "usage: tls_loadgen --port P [--host 127.0.0.1] --mode pingpong|stream|handshake\n"
      "                   [--conns C] [--size S] [--window W] [--seconds T] [--warmup T]\n"
      "                   [--setup-timeout T] [--server-pid PID] [--src-addrs N] [--plain]\n"
      "                   [--ciphersuite TLS_AES_128_GCM_SHA256] [--groups X25519]\n",
      stderr);
  exit(kUsage);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage();
    if (a == "--plain") {
      o.plain = true;
      continue;
    }
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = atoi(v);
    else if (a == "--conns")
      o.conns = atoi(v);
    else if (a == "--size")
      o.size = size_t(strtoull(v, nullptr, 10));
    else if (a == "--window")
      o.window = size_t(strtoull(v, nullptr, 10));
    else if (a == "--seconds")
      o.seconds = atof(v);
    else if (a == "--warmup")
      o.warmup = atof(v);
    else if (a == "--setup-timeout")
      o.setup_timeout = atof(v);
    else if (a == "--server-pid")
      o.server_pid = atoi(v);
    else if (a == "--src-addrs")
      o.src_addrs = atoi(v);
    else if (a == "--ciphersuite")
      o.ciphersuite = v;
    else if (a == "--groups")
      o.groups = v;
    else if (a == "--mode") {
      std::string m = v;
      if (m == "pingpong")
        o.mode = Mode::PingPong;
      else if (m == "stream")
        o.mode = Mode::Stream;
      else if (m == "handshake")
        o.mode = Mode::Handshake;
      else
        usage();
    } else
      usage();
  }
  if (o.src_addrs == 0) o.src_addrs = o.mode == Mode::Handshake ? 32 : 1;
  if (o.src_addrs > 254) usage();
  if (o.plain && o.mode == Mode::Handshake) usage();
  if (o.port <= 0 || o.port > 65535 || o.conns <= 0 || o.size == 0 || o.seconds < 0 || o.warmup < 0)
    usage();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  alarm(unsigned(std::ceil(o.setup_timeout + o.warmup + o.seconds)) + 10);
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  LoadGen lg(o);
  return lg.run();
}
