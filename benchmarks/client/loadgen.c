/*
 * loadgen: the tcp-echo benchmark's load client. One thread, epoll, edge-triggered.
 *
 * Each connection sends its own deterministic byte stream and compares every echoed byte with
 * it, so a server that drops, reorders or corrupts anything fails the run. Two modes:
 *   ping-pong  messages of --size bytes, --inflight of them outstanding per connection (K=1 is
 *              strict ping-pong); a message's round trip runs from the moment it is queued to the
 *              moment its last byte is back.
 *   stream     each connection writes --chunk-byte chunks as fast as the kernel accepts them and
 *              reads the echo, with at most --inflight chunks outstanding (a window, as TCP has);
 *              a chunk's round trip runs from its last byte written to its last byte read, so it
 *              measures the queue the window builds, not the wire.
 * Phases: connect and prime (one verified round trip per connection, so the server has really
 * accepted each one) -> optional wait for "go" on stdin (the harness samples the idle server) ->
 * warm-up -> measure -> half-close: no new messages, and each connection sends its FIN right
 * after its last byte, while echoes are still in flight; the server must echo every byte, then
 * close (EOF after exactly the bytes sent). Everything is bounded by time and by count.
 *
 * Transports: TCP (--host, --port), a unix domain socket (--unix PATH), or TLS over TCP (--tls:
 * OpenSSL, TLS 1.2 or later, the server's certificate not verified). A TLS connection does its
 * handshake in the connect phase, before the timed phases; its half-close is a close_notify
 * followed by the TCP FIN.
 *
 * Output: one JSON object per line on stdout: {"event":"connected"}, {"event":"measuring"},
 * {"event":"measured"}, then the result. Exit status 0 when every byte verified, 2 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_PERIOD 65521u /* prime: no message size divides it, so a shifted stream fails */
#define MAX_SPAN (256u * 1024u) /* the largest single read or write */
#define CONNECT_BATCH 64        /* connects pending at once: stays far below the listen backlog */
#define TLS_READ_BUFFER (128u * 1024u) /* OpenSSL's read-ahead buffer: several records per recv() */

enum mode { PINGPONG, STREAM };
enum phase { CONNECTING, IDLE, WARMUP, MEASURE, CLOSING, DONE };

struct options {
  const char *host;
  int port;
  const char *unix_path; /* connect to this unix domain socket instead of host and port */
  int tls;
  int connections;
  uint32_t size;
  uint32_t inflight;
  enum mode mode;
  uint32_t chunk;
  int warmup_ms;
  int duration_ms;
  uint64_t max_messages;
  int connect_timeout_ms;
  int drain_timeout_ms;
  int go_timeout_ms;
  int wait_go;
  int rcvbuf; /* SO_RCVBUF, 0 for the kernel's autotuning: a small one makes the server's writes back up */
};

struct conn {
  int fd;
  uint32_t id;
  SSL *ssl;      /* --tls only */
  int handshaken; /* --tls only: the TLS handshake is complete */
  int connected;
  int primed;
  int eof;
  int shut; /* our FIN is sent */
  uint64_t issued;   /* bytes the client has committed to send */
  uint64_t sent;     /* bytes the kernel accepted */
  uint64_t received; /* bytes echoed back and verified */
  uint64_t base;     /* stream offset where the load starts: after the priming round trip */
  uint64_t done;     /* messages (ping-pong) or chunks (stream) completed */
  uint64_t started;  /* messages issued, or chunks fully written */
  uint64_t *stamps;  /* ring of start times, --inflight long */
};

/* Log-linear histogram of nanoseconds: exact below 256, then 128 steps per power of two (<0.4%). */
#define HIST_EXP 48
#define HIST_BUCKETS (256 + (HIST_EXP - 8) * 128)
struct histogram {
  uint64_t counts[HIST_BUCKETS];
  uint64_t n, min, max;
  long double sum;
};

static struct options opt;
static struct conn *conns;
static uint8_t *pattern;
static uint8_t *readbuf;
static int epfd;
static enum phase phase = CONNECTING;
static struct histogram hist;
static uint64_t measured_messages, measured_bytes, total_issued_messages;
static uint64_t verified_bytes;
static int failed;
static char failure[512];
static int open_count, connected_count, primed_count, closed_count;
static SSL_CTX *tls_ctx;
static char tls_protocol[32], tls_cipher[64];

/* Where every connection goes: one address, resolved once. */
static struct sockaddr_storage target;
static socklen_t target_len;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *fmt, ...) {
  if (failed) return;
  failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(failure, sizeof failure, fmt, ap);
  va_end(ap);
}

static void usage_exit(const char *message) {
  fprintf(stderr, "loadgen: %s\n", message);
  exit(64);
}

static const char USAGE[] =
    "usage: loadgen [--host 127.0.0.1 --port N [--tls] | --unix PATH] [options]\n"
    "  --host ADDR, --port N     connect over TCP to this numeric address (default 127.0.0.1)\n"
    "  --unix PATH               connect to a unix domain socket instead\n"
    "  --tls                     TLS 1.2 or later over TCP (OpenSSL); the server's certificate is NOT verified:\n"
    "                            this is a load client, not a security check. The handshake is done while\n"
    "                            connecting, before the timed phases\n"
    "  --mode pingpong|stream    messages of --size with --inflight outstanding, or --chunk byte chunks\n"
    "                            written continuously with a window of --inflight chunks (default pingpong)\n"
    "  --connections N           1-60000 (default 1)\n"
    "  --size BYTES, --chunk BYTES, --inflight N, --rcvbuf BYTES\n"
    "  --warmup-ms N, --duration-ms N, --max-messages N\n"
    "  --connect-timeout-ms N, --drain-timeout-ms N, --go-timeout-ms N\n"
    "  --wait-go                 after connecting, wait for a \"go\" line on stdin\n"
    "Prints one JSON object per line; exits 0 when every echoed byte verified, 2 when not, 64 for bad options.\n";

static void hist_add(struct histogram *h, uint64_t v) {
  uint32_t index;
  if (v < 256) {
    index = (uint32_t)v;
  } else {
    uint32_t p = 63u - (uint32_t)__builtin_clzll(v);
    if (p >= HIST_EXP) p = HIST_EXP - 1, v = (1ull << (HIST_EXP)) - 1;
    index = 256u + (p - 8u) * 128u + (uint32_t)((v >> (p - 7u)) & 127u);
  }
  h->counts[index]++;
  if (h->n == 0 || v < h->min) h->min = v;
  if (v > h->max) h->max = v;
  h->n++;
  h->sum += (long double)v;
}

static double hist_bucket_mid(uint32_t index) {
  if (index < 256) return (double)index;
  uint32_t p = (index - 256u) / 128u + 8u;
  uint64_t mant = 128u + (index - 256u) % 128u;
  uint64_t width = 1ull << (p - 7u);
  return (double)(mant << (p - 7u)) + (double)width / 2.0;
}

static double hist_quantile(const struct histogram *h, double q) {
  if (h->n == 0) return 0;
  uint64_t rank = (uint64_t)((long double)q * (long double)h->n + 0.999999L);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      double mid = hist_bucket_mid(i);
      if (mid > (double)h->max) mid = (double)h->max;
      if (mid < (double)h->min) mid = (double)h->min;
      return mid;
    }
  }
  return (double)h->max;
}

static const uint8_t *expected(const struct conn *c, uint64_t offset) {
  return pattern + (offset + (uint64_t)c->id * 7919u) % PATTERN_PERIOD;
}

static void make_pattern(void) {
  pattern = malloc(PATTERN_PERIOD + MAX_SPAN);
  readbuf = malloc(MAX_SPAN);
  if (!pattern || !readbuf) usage_exit("out of memory");
  uint32_t x = 2463534242u;
  for (uint32_t i = 0; i < PATTERN_PERIOD; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    pattern[i] = (uint8_t)(x >> 24);
  }
  for (uint32_t i = 0; i < MAX_SPAN; i++) pattern[PATTERN_PERIOD + i] = pattern[i % PATTERN_PERIOD];
}

static int issuing(void) {
  if (phase != WARMUP && phase != MEASURE) return 0;
  return opt.max_messages == 0 || total_issued_messages < opt.max_messages;
}

static void close_conn(struct conn *c) {
  if (c->fd < 0) return;
  if (c->ssl != NULL) {
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  close(c->fd);
  c->fd = -1;
  open_count--;
}

/* What an SSL call that returned `rc` means. WANT_READ and WANT_WRITE both wait for the next
 * event: in TLS mode every event on a connection retries reading and writing (see tls_ready). */
enum tls_outcome { TLS_AGAIN, TLS_EOF, TLS_FAILED };

static enum tls_outcome tls_failure(struct conn *c, int rc, const char *what) {
  const int err = SSL_get_error(c->ssl, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return TLS_AGAIN;
  if (err == SSL_ERROR_ZERO_RETURN) return TLS_EOF;
  const unsigned long code = ERR_get_error();
  if (err == SSL_ERROR_SYSCALL && code == 0 && errno == 0) return TLS_EOF; /* EOF without close_notify */
  char reason[256];
  if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
  else snprintf(reason, sizeof reason, "%s", err == SSL_ERROR_SYSCALL ? strerror(errno) : "unknown error");
  ERR_clear_error();
  fail("connection %u: TLS %s failed after %llu bytes sent, %llu echoed: %s", c->id, what,
       (unsigned long long)c->sent, (unsigned long long)c->received, reason);
  close_conn(c);
  return TLS_FAILED;
}

/* Bytes written, or 0 when the socket is full or the connection failed (then fd is -1). */
static ssize_t tls_send(struct conn *c, size_t len) {
  errno = 0;
  const int n = SSL_write(c->ssl, expected(c, c->sent), (int)len);
  if (n > 0) return n;
  tls_failure(c, n, "write");
  return 0;
}

/* Our FIN: TLS sends close_notify first, which may itself have to wait for room in the socket. */
static void half_close(struct conn *c) {
  if (opt.tls) {
    errno = 0;
    const int rc = SSL_shutdown(c->ssl);
    if (rc < 0 && tls_failure(c, rc, "close_notify") != TLS_EOF) return;
  }
  c->shut = 1;
  shutdown(c->fd, SHUT_WR);
}

static void flush_writes(struct conn *c) {
  while (c->fd >= 0 && c->sent < c->issued) {
    uint64_t left = c->issued - c->sent;
    size_t len = left > MAX_SPAN ? MAX_SPAN : (size_t)left;
    if (opt.tls) {
      ssize_t n = tls_send(c, len);
      if (n == 0) return;
      c->sent += (uint64_t)n;
      continue;
    }
    ssize_t n = send(c->fd, expected(c, c->sent), len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      fail("connection %u: send failed after %llu bytes: %s", c->id, (unsigned long long)c->sent, strerror(errno));
      close_conn(c);
      return;
    }
    c->sent += (uint64_t)n;
  }
  if (c->fd >= 0 && phase == CLOSING && !c->shut) half_close(c);
}

/* Stream mode: keep the window full (issued, not yet echoed chunks <= --inflight) and write as much
 * of it as the kernel takes in one send(); a chunk's clock starts when its last byte is written. */
static void stream_fill(struct conn *c) {
  while (issuing() && (c->issued - c->base) / opt.chunk - c->done < opt.inflight) {
    c->issued += opt.chunk;
    total_issued_messages++;
  }
  flush_writes(c);
  const uint64_t written = (c->sent - c->base) / opt.chunk;
  if (c->started == written) return;
  const uint64_t now = now_ns();
  for (; c->started < written; c->started++) c->stamps[c->started % opt.inflight] = now;
}

static void issue_message(struct conn *c, uint64_t now) {
  c->stamps[c->started % opt.inflight] = now;
  c->started++;
  c->issued += opt.size;
  total_issued_messages++;
}

static void on_complete(struct conn *c, uint64_t now) {
  uint64_t start = c->stamps[c->done % opt.inflight];
  c->done++;
  if (phase == MEASURE) {
    hist_add(&hist, now - start);
    measured_messages++;
  }
}

/* Edge-triggered: a read shorter than the buffer emptied the socket, and any later byte raises a new
 * edge, so the extra recv() that would return EAGAIN is skipped (a third fewer syscalls in
 * ping-pong). After the peer's FIN (`hangup`), read on to the end. TLS reads until OpenSSL wants
 * more from the socket: one SSL_read returns one record at most, so a short read proves nothing. */
static void handle_readable(struct conn *c, int hangup) {
  uint64_t now = 0;
  int more = 1;
  while (c->fd >= 0 && more) {
    ssize_t n;
    if (opt.tls) {
      errno = 0;
      n = SSL_read(c->ssl, readbuf, (int)MAX_SPAN);
      if (n <= 0) {
        enum tls_outcome outcome = tls_failure(c, (int)n, "read");
        if (outcome == TLS_AGAIN) break;
        if (outcome == TLS_FAILED) return;
        n = 0;
      }
    } else {
      n = recv(c->fd, readbuf, MAX_SPAN, 0);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      fail("connection %u: recv failed after %llu bytes: %s", c->id, (unsigned long long)c->received, strerror(errno));
      close_conn(c);
      return;
    }
    if (n == 0) {
      if (!c->shut || c->received != c->sent) {
        fail("connection %u: the server closed early, after echoing %llu of %llu bytes%s", c->id,
             (unsigned long long)c->received, (unsigned long long)c->sent, c->shut ? " (after our FIN)" : "");
      }
      c->eof = 1;
      closed_count++;
      close_conn(c);
      return;
    }
    if (c->received + (uint64_t)n > c->sent) {
      fail("connection %u: received %llu bytes, more than the %llu sent", c->id,
           (unsigned long long)(c->received + (uint64_t)n), (unsigned long long)c->sent);
      close_conn(c);
      return;
    }
    /* The echo must equal what was sent; the pattern buffer repeats so any span is contiguous. */
    if (memcmp(readbuf, expected(c, c->received), (size_t)n) != 0) {
      const uint8_t *want = expected(c, c->received);
      size_t at = 0;
      while (at < (size_t)n && readbuf[at] == want[at]) at++;
      fail("connection %u: byte %llu differs: expected 0x%02x, got 0x%02x", c->id,
           (unsigned long long)(c->received + at), want[at], readbuf[at]);
      close_conn(c);
      return;
    }
    if (now == 0) now = now_ns();
    more = hangup || opt.tls || (size_t)n == MAX_SPAN;
    c->received += (uint64_t)n;
    verified_bytes += (uint64_t)n;
    if (phase == MEASURE) measured_bytes += (uint64_t)n;
    if (!c->primed) {
      if (c->received == opt.size) {
        c->primed = 1;
        c->base = c->received;
        primed_count++;
      }
      continue;
    }
    if (opt.mode == PINGPONG) {
      while (c->received >= c->base + (c->done + 1) * (uint64_t)opt.size) {
        on_complete(c, now);
        if (issuing()) issue_message(c, now);
      }
    } else {
      while (c->received >= c->base + (c->done + 1) * (uint64_t)opt.chunk && c->done < c->started) on_complete(c, now);
    }
  }
  if (c->fd < 0) return;
  if (opt.mode == STREAM && c->primed) stream_fill(c);
  else flush_writes(c);
}

/* The connect finished, or failed: 1 when the connection is up. */
static int finish_connect(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err == EINPROGRESS) return 0;
  if (err != 0) {
    fail("connection %u: connect failed: %s", c->id, strerror(err));
    close_conn(c);
    return 0;
  }
  c->connected = 1;
  connected_count++;
  c->issued = opt.size; /* the priming round trip */
  return 1;
}

static void handle_writable(struct conn *c) {
  if (!c->connected && !finish_connect(c)) return;
  if (opt.mode == STREAM && c->primed) stream_fill(c);
  else flush_writes(c);
}

/* Any event on a TLS connection: finish the connect, then the handshake, then read and write. A
 * record read may unblock a write and the reverse (a key update, a session ticket), and OpenSSL
 * may want either direction for either call, so both are retried on every event. */
static void tls_ready(struct conn *c, uint32_t events) {
  if (!c->connected) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) || !finish_connect(c)) return;
    c->ssl = SSL_new(tls_ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
      fail("connection %u: cannot set up TLS: %s", c->id, ERR_error_string(ERR_get_error(), NULL));
      close_conn(c);
      return;
    }
    SSL_set_connect_state(c->ssl);
  }
  if (!c->handshaken) {
    errno = 0;
    const int rc = SSL_do_handshake(c->ssl);
    if (rc != 1) {
      if (tls_failure(c, rc, "handshake") == TLS_EOF) {
        fail("connection %u: the server closed during the TLS handshake", c->id);
        close_conn(c);
      }
      return;
    }
    c->handshaken = 1;
    if (tls_protocol[0] == 0) {
      snprintf(tls_protocol, sizeof tls_protocol, "%s", SSL_get_version(c->ssl));
      snprintf(tls_cipher, sizeof tls_cipher, "%s", SSL_get_cipher_name(c->ssl));
    }
  }
  handle_readable(c, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
}

/* The client's TLS settings. No certificate is verified: this measures a server, it does not vouch
 * for one. Read-ahead lets one recv() bring in several records. */
static void tls_setup(void) {
  tls_ctx = SSL_CTX_new(TLS_client_method());
  if (tls_ctx == NULL) usage_exit("cannot create the TLS context");
  SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(tls_ctx, 1);
  SSL_CTX_set_default_read_buffer_len(tls_ctx, TLS_READ_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  /* A close without close_notify reads as EOF: the byte count, not the alert, proves the echo. */
  SSL_CTX_set_options(tls_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
}

static void resolve(void) {
  if (opt.unix_path != NULL) {
    struct sockaddr_un *sun = (struct sockaddr_un *)&target;
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, opt.unix_path, strlen(opt.unix_path) + 1);
    target_len = (socklen_t)sizeof *sun;
    return;
  }
  struct addrinfo hints = {0}, *res = NULL;
  char port[16];
  snprintf(port, sizeof port, "%d", opt.port);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  int rc = getaddrinfo(opt.host, port, &hints, &res);
  if (rc != 0) usage_exit(gai_strerror(rc));
  memcpy(&target, res->ai_addr, res->ai_addrlen);
  target_len = res->ai_addrlen;
  freeaddrinfo(res);
}

static void start_connect(struct conn *c) {
  int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail("connection %u: socket() failed: %s", c->id, strerror(errno));
    return;
  }
  int one = 1;
  if (target.ss_family != AF_UNIX) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (opt.rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.rcvbuf, sizeof opt.rcvbuf);
  c->fd = fd;
  open_count++;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) usage_exit("epoll_ctl failed");
  /* A unix socket's connect completes at once or fails; EAGAIN there means a full listen backlog. */
  if (connect(fd, (struct sockaddr *)&target, target_len) != 0 && errno != EINPROGRESS) {
    fail("connection %u: connect failed: %s", c->id, strerror(errno));
    close_conn(c);
  }
}

static void poll_once(int timeout_ms) {
  struct epoll_event events[256];
  int n = epoll_wait(epfd, events, 256, timeout_ms);
  if (n < 0 && errno != EINTR) usage_exit("epoll_wait failed");
  for (int i = 0; i < n; i++) {
    struct conn *c = events[i].data.ptr;
    if (c->fd < 0) continue;
    if (opt.tls) {
      tls_ready(c, events[i].events);
      continue;
    }
    if (events[i].events & (EPOLLOUT | EPOLLERR)) handle_writable(c);
    if (c->fd >= 0 && c->connected && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
      handle_readable(c, (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
  }
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 + (double)ru.ru_stime.tv_sec * 1e3 +
         (double)ru.ru_stime.tv_usec / 1e3;
}

static void cpu_split(double *user, double *sys) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *user = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3;
  *sys = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

static void emit(const char *event, uint64_t t0) {
  printf("{\"event\":\"%s\",\"atMs\":%.3f}\n", event, (double)(now_ns() - t0) / 1e6);
  fflush(stdout);
}

static int wait_for_go(void) {
  struct pollfd p = {.fd = 0, .events = POLLIN};
  char line[64];
  if (poll(&p, 1, opt.go_timeout_ms) <= 0) return 0;
  ssize_t n = read(0, line, sizeof line - 1);
  return n > 0 && strncmp(line, "go", 2) == 0;
}

static uint64_t parse_u64(const char *name, const char *value) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(value, &end, 10);
  if (errno || *end || end == value) {
    fprintf(stderr, "loadgen: %s must be a whole number, got \"%s\"\n", name, value);
    exit(64);
  }
  return v;
}

/* Many connections need many descriptors: take the hard limit, as Node.js does at startup. */
static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

static void parse_args(int argc, char **argv) {
  opt = (struct options){
      .host = "127.0.0.1", .port = 0, .connections = 1, .size = 64, .inflight = 1, .mode = PINGPONG,
      .chunk = 65536, .warmup_ms = 1000, .duration_ms = 5000, .max_messages = 50000000,
      .connect_timeout_ms = 10000, .drain_timeout_ms = 10000, .go_timeout_ms = 30000, .wait_go = 0,
  };
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0) {
      fputs(USAGE, stdout);
      exit(0);
    }
    if (strcmp(a, "--wait-go") == 0) {
      opt.wait_go = 1;
      continue;
    }
    if (strcmp(a, "--tls") == 0) {
      opt.tls = 1;
      continue;
    }
    if (i + 1 >= argc) usage_exit("every option but --wait-go, --tls and --help takes a value");
    const char *v = argv[++i];
    if (strcmp(a, "--host") == 0) opt.host = v;
    else if (strcmp(a, "--port") == 0) opt.port = (int)parse_u64(a, v);
    else if (strcmp(a, "--unix") == 0) opt.unix_path = v;
    else if (strcmp(a, "--connections") == 0) opt.connections = (int)parse_u64(a, v);
    else if (strcmp(a, "--size") == 0) opt.size = (uint32_t)parse_u64(a, v);
    else if (strcmp(a, "--inflight") == 0) opt.inflight = (uint32_t)parse_u64(a, v);
    else if (strcmp(a, "--chunk") == 0) opt.chunk = (uint32_t)parse_u64(a, v);
    else if (strcmp(a, "--warmup-ms") == 0) opt.warmup_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--duration-ms") == 0) opt.duration_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--max-messages") == 0) opt.max_messages = parse_u64(a, v);
    else if (strcmp(a, "--connect-timeout-ms") == 0) opt.connect_timeout_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--drain-timeout-ms") == 0) opt.drain_timeout_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--go-timeout-ms") == 0) opt.go_timeout_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--rcvbuf") == 0) opt.rcvbuf = (int)parse_u64(a, v);
    else if (strcmp(a, "--mode") == 0) {
      if (strcmp(v, "pingpong") == 0) opt.mode = PINGPONG;
      else if (strcmp(v, "stream") == 0) opt.mode = STREAM;
      else usage_exit("--mode is pingpong or stream");
    } else {
      fprintf(stderr, "loadgen: unknown option %s\n", a);
      exit(64);
    }
  }
  if (opt.unix_path != NULL) {
    if (opt.tls) usage_exit("--tls runs over TCP: give --host and --port, not --unix");
    if (opt.unix_path[0] == 0 || strlen(opt.unix_path) >= sizeof((struct sockaddr_un *)0)->sun_path)
      usage_exit("--unix must be a path of 1-107 bytes");
  } else if (opt.port < 1 || opt.port > 65535) {
    usage_exit("--port must be 1-65535");
  }
  if (opt.connections < 1 || opt.connections > 60000) usage_exit("--connections must be 1-60000");
  if (opt.size < 1 || opt.size > MAX_SPAN) usage_exit("--size must be 1-262144");
  if (opt.inflight < 1 || opt.inflight > 4096) usage_exit("--inflight must be 1-4096");
  if (opt.chunk < 1 || opt.chunk > MAX_SPAN) usage_exit("--chunk must be 1-262144");
  if (opt.duration_ms < 1 || opt.duration_ms > 600000) usage_exit("--duration-ms must be 1-600000");
  if (opt.warmup_ms > 600000) usage_exit("--warmup-ms must be at most 600000");
  if (opt.rcvbuf < 0 || opt.rcvbuf > (64 << 20)) usage_exit("--rcvbuf must be 0-67108864");
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  raise_nofile();
  signal(SIGPIPE, SIG_IGN);
  make_pattern();
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) usage_exit("epoll_create1 failed");
  conns = calloc((size_t)opt.connections, sizeof *conns);
  const uint32_t ring = opt.inflight;
  uint64_t *stamps = calloc((size_t)opt.connections * ring, sizeof *stamps);
  if (!conns || !stamps) usage_exit("out of memory");
  resolve();
  if (opt.tls) tls_setup();
  const uint64_t t0 = now_ns();

  /* Connect and prime: a bounded number of connects in flight, each followed by one round trip. */
  int next = 0;
  const uint64_t connect_deadline = t0 + (uint64_t)opt.connect_timeout_ms * 1000000u;
  while (!failed && primed_count < opt.connections) {
    while (next < opt.connections && next - primed_count < CONNECT_BATCH && !failed) {
      struct conn *c = &conns[next];
      c->id = (uint32_t)next;
      c->fd = -1;
      c->stamps = stamps + (size_t)next * ring;
      start_connect(c);
      next++;
    }
    if (now_ns() > connect_deadline) {
      fail("connect timeout: %d of %d connections established and primed after %d ms", primed_count,
           opt.connections, opt.connect_timeout_ms);
      break;
    }
    poll_once(50);
  }
  const double connect_ms = (double)(now_ns() - t0) / 1e6;
  if (!failed) emit("connected", t0);
  phase = IDLE;
  if (!failed && opt.wait_go && !wait_for_go()) fail("no \"go\" on stdin within %d ms", opt.go_timeout_ms);

  /* Warm-up, then the measured window: both issue load; only the window is counted. */
  double cpu_user0 = 0, cpu_sys0 = 0, cpu_user1 = 0, cpu_sys1 = 0;
  uint64_t measure_start = 0, measure_end = 0;
  if (!failed) {
    phase = WARMUP;
    uint64_t now = now_ns();
    for (int i = 0; i < opt.connections; i++) {
      struct conn *c = &conns[i];
      if (opt.mode == PINGPONG)
        for (uint32_t k = 0; k < opt.inflight && issuing(); k++) issue_message(c, now);
      if (opt.mode == STREAM) stream_fill(c);
      else flush_writes(c);
    }
    const uint64_t warm_end = now + (uint64_t)opt.warmup_ms * 1000000u;
    while (!failed && now_ns() < warm_end && issuing()) poll_once(10);
    phase = MEASURE;
    cpu_split(&cpu_user0, &cpu_sys0);
    measure_start = now_ns();
    emit("measuring", t0);
    const uint64_t end = measure_start + (uint64_t)opt.duration_ms * 1000000u;
    while (!failed && now_ns() < end) {
      if (!issuing()) {
        /* The message cap was reached: the window ends when the last message is back. */
        int busy = 0;
        for (int i = 0; i < opt.connections && !busy; i++) busy = conns[i].received < conns[i].issued;
        if (!busy) break;
      }
      poll_once(10);
    }
    measure_end = now_ns();
    cpu_split(&cpu_user1, &cpu_sys1);
    emit("measured", t0);
  }

  /* Half-close with echoes in flight: a server that stops echoing at the peer's FIN (Bun without
   * allowHalfOpen, a Node server that destroys on 'end') loses the tail here. */
  if (!failed) {
    phase = CLOSING;
    for (int i = 0; i < opt.connections; i++) flush_writes(&conns[i]);
    const uint64_t deadline = now_ns() + (uint64_t)opt.drain_timeout_ms * 1000000u;
    while (!failed && closed_count < opt.connections) {
      if (now_ns() > deadline) {
        uint64_t missing = 0;
        for (int i = 0; i < opt.connections; i++) missing += conns[i].sent - conns[i].received;
        fail("half-close: %d of %d connections were not closed by the server within %d ms of our FIN, "
             "%llu echoed bytes missing",
             opt.connections - closed_count, opt.connections, opt.drain_timeout_ms, (unsigned long long)missing);
        break;
      }
      poll_once(10);
    }
  }
  phase = DONE;
  for (int i = 0; i < opt.connections; i++) close_conn(&conns[i]);

  const double window_s = measure_end > measure_start ? (double)(measure_end - measure_start) / 1e9 : 0;
  const double cpu_user = cpu_user1 - cpu_user0, cpu_sys = cpu_sys1 - cpu_sys0;
  printf("{\"event\":\"result\",\"ok\":%s,", failed ? "false" : "true");
  if (failed) {
    printf("\"error\":\"");
    for (const char *p = failure; *p; p++) putchar(*p == '"' || *p == '\\' ? '\'' : *p);
    printf("\",");
  }
  printf("\"transport\":\"%s\",", opt.tls ? "tls" : opt.unix_path != NULL ? "unix" : "tcp");
  if (opt.tls)
    printf("\"tls\":{\"library\":\"%s\",\"protocol\":\"%s\",\"cipher\":\"%s\"},", OpenSSL_version(OPENSSL_VERSION),
           tls_protocol, tls_cipher);
  printf("\"mode\":\"%s\",\"connections\":%d,\"size\":%u,\"inflight\":%u,", opt.mode == STREAM ? "stream" : "pingpong",
         opt.connections, opt.mode == STREAM ? opt.chunk : opt.size, opt.inflight);
  printf("\"connectMs\":%.3f,\"windowMs\":%.3f,\"messages\":%llu,\"bytes\":%llu,\"verifiedBytes\":%llu,", connect_ms,
         window_s * 1e3, (unsigned long long)measured_messages, (unsigned long long)measured_bytes,
         (unsigned long long)verified_bytes);
  printf("\"messagesPerSec\":%.1f,\"mibPerSec\":%.3f,", window_s > 0 ? (double)measured_messages / window_s : 0,
         window_s > 0 ? (double)measured_bytes / window_s / 1048576.0 : 0);
  printf("\"latencyUs\":{\"samples\":%llu,\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
         "\"p999\":%.3f,\"max\":%.3f},",
         (unsigned long long)hist.n, (double)hist.min / 1e3, hist.n ? (double)(hist.sum / hist.n) / 1e3 : 0,
         hist_quantile(&hist, 0.5) / 1e3, hist_quantile(&hist, 0.9) / 1e3, hist_quantile(&hist, 0.99) / 1e3,
         hist_quantile(&hist, 0.999) / 1e3, (double)hist.max / 1e3);
  printf("\"client\":{\"cpuUserMs\":%.1f,\"cpuSysMs\":%.1f,\"cpuPercent\":%.1f,\"cpuTotalMs\":%.1f}}\n", cpu_user,
         cpu_sys, window_s > 0 ? (cpu_user + cpu_sys) / (window_s * 1e3) * 100.0 : 0, cpu_ms());
  fflush(stdout);
  return failed ? 2 : 0;
}
