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
 * Connect-heavy load (--reconnect, ping-pong with K=1): each of --connections slots opens a
 * connection, sends one message, reads its echo, sends its FIN, waits for the server's close
 * (EOF after exactly the bytes sent), closes, and opens the next at once. A message's round trip
 * then runs from connect() to that EOF: the whole life of a connection. Priming is one such
 * connection per slot. --proxy-header v1|v2 (TCP only) starts every connection with a PROXY
 * protocol header naming the connection's real addresses, written with the first message in one
 * send(); the server must not echo it.
 *
 * UDP (--udp, ping-pong only): each of --connections sources is its own UDP socket, connect()ed
 * to the server, with --inflight datagrams outstanding. A datagram is a 16-byte header (sequence
 * number, source, window slot; little-endian) and a payload that is a function of source and
 * sequence number, so every echo is checked whole against what that sequence number carried: a
 * changed byte, a wrong length, or a datagram this source never sent (or got back twice) fails the
 * run. A datagram not echoed within --loss-timeout-ms counts as lost and its slot is reused, so
 * the load goes on; its echo, should it come later, is counted as late, not as an error. Priming
 * is one verified round trip per source (resent when lost); the end is a drain: nothing new is
 * sent, and every datagram still out is echoed or lost within the timeout. Loss is reported as
 * lost / sent over the datagrams sent in the measured window.
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
#include <netinet/udp.h>
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
#define UDP_HEADER 16u          /* sequence number (8 bytes), source (4), window slot (4) */
#define UDP_MAX 65507u          /* the largest UDP payload over IPv4 */
#define UDP_BATCH 32            /* datagrams per sendmmsg() / recvmmsg() */
#define LOST_MEMORY 256u        /* lost sequence numbers remembered per source, to tell a late echo from a duplicate */

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
  int udp;    /* datagrams: --connections sources, each its own connect()ed UDP socket */
  int loss_timeout_ms; /* --udp: a datagram not echoed within this is lost */
  int reconnect;       /* one message per connection, then close and connect again */
  int proxy_header;    /* 0, or 1 or 2: the PROXY protocol version written first on each connection */
};

/* The longest PROXY header: v1 allows 107 bytes with its CRLF; v2 over IPv6 is 16 + 36. */
#define PROXY_HEADER_MAX 108

/* --udp: one window slot of a source, holding one datagram while it is out. */
struct slot {
  uint64_t seq;
  uint64_t stamp; /* when it was queued */
  uint8_t header[UDP_HEADER];
  uint8_t out;      /* sent, neither echoed nor lost yet */
  uint8_t measured; /* sent in the measured window: counts toward loss */
};

struct conn {
  int fd;
  uint32_t id;
  uint32_t stream_id; /* picks the connection's byte stream: the id, plus --connections per reconnect */
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
  uint8_t header[PROXY_HEADER_MAX]; /* --proxy-header: written before the first byte of the stream */
  uint32_t header_len, header_sent;
  /* --udp only */
  struct slot *slots;     /* --inflight of them */
  uint32_t *free_slots;   /* a stack of the slots not out */
  uint32_t free_count;
  uint32_t outstanding;
  uint64_t next_seq;
  int blocked;            /* the socket took no more: wait for EPOLLOUT (or the next timeout scan) */
  uint64_t *lost;         /* ring of the last LOST_MEMORY lost sequence numbers (UINT64_MAX: none) */
  uint32_t lost_at;
  int forgot;             /* the ring overwrote a lost sequence number: `forgotten` is the highest */
  uint64_t forgotten;
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
static uint64_t opened_total; /* connections opened over the whole run (--reconnect opens many per slot) */
static SSL_CTX *tls_ctx;
static char tls_protocol[32], tls_cipher[64];

/* --udp totals: the whole run, and the datagrams sent in the measured window. */
static uint64_t udp_total_sent, udp_total_echoed, udp_total_lost, udp_late, udp_outstanding;
static uint64_t udp_measured_sent, udp_measured_lost;
static uint64_t udp_next_scan, udp_scan_ns;
static uint8_t *udp_bufs; /* UDP_BATCH receive buffers of --size + 1 bytes: a longer datagram shows */

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
    "usage: loadgen [--host 127.0.0.1 --port N [--tls | --udp] | --unix PATH] [options]\n"
    "  --host ADDR, --port N     connect over TCP to this numeric address (default 127.0.0.1)\n"
    "  --unix PATH               connect to a unix domain socket instead\n"
    "  --udp                     UDP echo: --connections sources, each its own connect()ed socket with\n"
    "                            --inflight datagrams of --size bytes (16-65507) out; every echo is checked\n"
    "                            byte for byte by its sequence number, and one not back within\n"
    "                            --loss-timeout-ms (default 200) is lost, its slot reused\n"
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
    "  --reconnect               connect-heavy load (ping-pong, --inflight 1): one message per connection,\n"
    "                            then our FIN, the server's close, and a new connection; a round trip runs\n"
    "                            from connect() to the server's close\n"
    "  --proxy-header v1|v2      start every TCP connection with a PROXY protocol header naming its real\n"
    "                            addresses (not expected back): for a server run with --proxy-protocol\n"
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
  return pattern + (offset + (uint64_t)c->stream_id * 7919u) % PATTERN_PERIOD;
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

/* --proxy-header: the rest of the header and the first of the stream in one sendmsg(). 1 while
 * the header is being written, 0 once it is all out or the connection failed (then fd is -1). */
static int flush_header(struct conn *c) {
  while (c->fd >= 0 && c->header_sent < c->header_len) {
    const uint64_t left = c->issued - c->sent;
    struct iovec iov[2] = {
        {.iov_base = c->header + c->header_sent, .iov_len = c->header_len - c->header_sent},
        {.iov_base = (void *)expected(c, c->sent), .iov_len = left > MAX_SPAN ? MAX_SPAN : (size_t)left},
    };
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = left > 0 ? 2 : 1};
    ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
      if (errno == EINTR) continue;
      fail("connection %u: sending the PROXY header failed: %s", c->id, strerror(errno));
      close_conn(c);
      return 0;
    }
    const uint32_t header = (uint64_t)n < iov[0].iov_len ? (uint32_t)n : (uint32_t)iov[0].iov_len;
    c->header_sent += header;
    c->sent += (uint64_t)n - header;
  }
  return 0;
}

static void flush_writes(struct conn *c) {
  if (c->header_sent < c->header_len && flush_header(c)) return;
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
  /* --reconnect: each connection sends its FIN after its echo (handle_readable), not here. */
  if (c->fd >= 0 && phase == CLOSING && !c->shut && !opt.reconnect) half_close(c);
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

static void start_connect(struct conn *c);

/* --reconnect: a slot's next connection, with a byte stream of its own; its round trip starts now. */
static void reconnect_start(struct conn *c, uint64_t now) {
  c->stream_id += (uint32_t)opt.connections;
  c->connected = c->eof = c->shut = 0;
  c->issued = c->sent = c->received = c->base = 0;
  c->header_len = c->header_sent = 0;
  c->stamps[c->started % opt.inflight] = now;
  c->started++;
  total_issued_messages++;
  start_connect(c);
}

/* --reconnect: the server closed after echoing the whole message. A priming connection primes its
 * slot; a loaded one completes its message, and the slot connects again while the load runs. */
static void reconnect_done(struct conn *c) {
  const uint64_t now = now_ns();
  close_conn(c);
  if (!c->primed) {
    c->primed = 1;
    primed_count++;
    return;
  }
  on_complete(c, now);
  if (issuing()) reconnect_start(c, now);
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
      if (opt.reconnect && !failed) {
        reconnect_done(c);
        return;
      }
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
    if (opt.reconnect) {
      /* One message per connection: once it is all back, our FIN; the server's close ends it. */
      if (c->received == c->issued && !c->shut) half_close(c);
      continue;
    }
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

/* ---- UDP ---------------------------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* The payload a datagram of this source and sequence number carries after its header. */
static const uint8_t *udp_payload(uint32_t id, uint64_t seq) {
  return pattern + (seq * 131u + (uint64_t)id * 7919u) % PATTERN_PERIOD;
}

static void udp_free_slot(struct conn *c, uint32_t k) {
  c->slots[k].out = 0;
  c->free_slots[c->free_count++] = k;
  c->outstanding--;
  udp_outstanding--;
}

/* Priming sends one datagram at a time until one is echoed; the load keeps --inflight out. */
static int udp_may_issue(const struct conn *c) {
  if (phase == CONNECTING) return !c->primed && c->outstanding == 0;
  return c->primed && issuing();
}

static void udp_refused(struct conn *c) {
  fail("source %u: the server refused a datagram (ICMP port unreachable) after %llu sent, %llu echoed: nothing "
       "listens on that UDP port",
       c->id, (unsigned long long)c->next_seq, (unsigned long long)udp_total_echoed);
  close_conn(c);
}

/* Fill the window: take free slots, stamp them, send them in batches. A batch the socket takes
 * only in part gives the rest of its slots (and sequence numbers) back. */
static void udp_fill(struct conn *c) {
  static struct mmsghdr msgs[UDP_BATCH];
  static struct iovec iov[UDP_BATCH][2];
  static uint32_t picked[UDP_BATCH];
  while (c->fd >= 0 && !c->blocked && !failed) {
    int n = 0;
    uint64_t now = 0;
    while (n < UDP_BATCH && c->free_count > 0 && udp_may_issue(c)) {
      if (now == 0) now = now_ns();
      const uint32_t k = c->free_slots[--c->free_count];
      struct slot *s = &c->slots[k];
      s->seq = c->next_seq++;
      s->stamp = now;
      s->out = 1;
      s->measured = phase == MEASURE;
      c->outstanding++;
      udp_outstanding++;
      total_issued_messages++;
      put_le(s->header, s->seq, 8);
      put_le(s->header + 8, c->id, 4);
      put_le(s->header + 12, k, 4);
      iov[n][0] = (struct iovec){.iov_base = s->header, .iov_len = UDP_HEADER};
      iov[n][1] = (struct iovec){.iov_base = (void *)udp_payload(c->id, s->seq), .iov_len = opt.size - UDP_HEADER};
      msgs[n].msg_hdr = (struct msghdr){.msg_iov = iov[n], .msg_iovlen = 2};
      picked[n++] = k;
    }
    if (n == 0) return;
    int sent = sendmmsg(c->fd, msgs, (unsigned)n, 0);
    const int err = sent < 0 ? errno : 0;
    if (sent < 0) sent = 0;
    for (int i = 0; i < sent; i++) {
      udp_total_sent++;
      if (c->slots[picked[i]].measured) udp_measured_sent++;
    }
    for (int i = n - 1; i >= sent; i--) { /* not sent: as if never issued */
      udp_free_slot(c, picked[i]);
      c->next_seq--;
      total_issued_messages--;
    }
    if (sent == n || err == EINTR) continue;
    if (err == 0) continue; /* a partial batch: the next call reports why, or sends on */
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
      c->blocked = 1; /* EPOLLOUT or the next timeout scan retries */
      return;
    }
    if (err == ECONNREFUSED) {
      udp_refused(c);
      return;
    }
    fail("source %u: send failed after %llu datagrams: %s", c->id, (unsigned long long)c->next_seq, strerror(err));
    close_conn(c);
    return;
  }
}

static void udp_lose(struct conn *c, uint32_t k) {
  struct slot *s = &c->slots[k];
  udp_total_lost++;
  if (s->measured) udp_measured_lost++;
  if (c->lost == NULL) {
    c->lost = malloc(LOST_MEMORY * sizeof *c->lost);
    if (c->lost == NULL) usage_exit("out of memory");
    memset(c->lost, 0xff, LOST_MEMORY * sizeof *c->lost);
  }
  const uint64_t old = c->lost[c->lost_at];
  if (old != UINT64_MAX && (!c->forgot || old > c->forgotten)) c->forgot = 1, c->forgotten = old;
  c->lost[c->lost_at] = s->seq;
  c->lost_at = (c->lost_at + 1) % LOST_MEMORY;
  udp_free_slot(c, k);
}

/* An echo of a datagram that is no longer out: late when it was lost (counted), a duplicate
 * when it was answered already (an error). Beyond the last LOST_MEMORY losses of a source the
 * two cannot be told apart, and it counts as late. */
static int udp_was_lost(struct conn *c, uint64_t seq) {
  if (c->lost != NULL) {
    for (uint32_t i = 0; i < LOST_MEMORY; i++) {
      if (c->lost[i] == seq) {
        c->lost[i] = UINT64_MAX;
        return 1;
      }
    }
  }
  return c->forgot && seq <= c->forgotten;
}

/* One echoed datagram: check it whole, then settle its slot. */
static void udp_echo(struct conn *c, const uint8_t *buf, size_t len, uint64_t now) {
  if (len != opt.size) {
    fail("source %u: a datagram of %s%zu bytes came back; %u were sent", c->id, len > opt.size ? "more than " : "",
         len > opt.size ? (size_t)opt.size : len, opt.size);
    close_conn(c);
    return;
  }
  const uint64_t seq = get_le(buf, 8);
  const uint32_t id = (uint32_t)get_le(buf + 8, 4), k = (uint32_t)get_le(buf + 12, 4);
  if (id != c->id || k >= opt.inflight || seq >= c->next_seq) {
    fail("source %u: a datagram it never sent came back (its header names source %u, slot %u, sequence %llu; "
         "%llu sent)",
         c->id, id, k, (unsigned long long)seq, (unsigned long long)c->next_seq);
    close_conn(c);
    return;
  }
  const uint8_t *want = udp_payload(id, seq);
  if (memcmp(buf + UDP_HEADER, want, len - UDP_HEADER) != 0) {
    size_t at = 0;
    while (buf[UDP_HEADER + at] == want[at]) at++;
    fail("source %u: datagram %llu, byte %zu differs: expected 0x%02x, got 0x%02x", c->id, (unsigned long long)seq,
         UDP_HEADER + at, want[at], buf[UDP_HEADER + at]);
    close_conn(c);
    return;
  }
  verified_bytes += len;
  struct slot *s = &c->slots[k];
  if (!s->out || s->seq != seq) {
    if (udp_was_lost(c, seq)) {
      udp_late++;
      return;
    }
    fail("source %u: datagram %llu came back twice", c->id, (unsigned long long)seq);
    close_conn(c);
    return;
  }
  const uint64_t start = s->stamp;
  udp_free_slot(c, k);
  udp_total_echoed++;
  if (!c->primed) {
    c->primed = 1;
    primed_count++;
    return;
  }
  c->done++;
  if (phase == MEASURE) {
    hist_add(&hist, now - start);
    measured_messages++;
    measured_bytes += len;
  }
}

static void udp_readable(struct conn *c) {
  static struct mmsghdr msgs[UDP_BATCH];
  static struct iovec iov[UDP_BATCH];
  const size_t stride = (size_t)opt.size + 1;
  for (;;) {
    for (int i = 0; i < UDP_BATCH; i++) {
      iov[i] = (struct iovec){.iov_base = udp_bufs + (size_t)i * stride, .iov_len = stride};
      msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
    }
    const int n = recvmmsg(c->fd, msgs, UDP_BATCH, 0, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      if (errno == ECONNREFUSED) {
        udp_refused(c);
        return;
      }
      fail("source %u: recv failed after %llu datagrams: %s", c->id, (unsigned long long)c->next_seq, strerror(errno));
      close_conn(c);
      return;
    }
    const uint64_t now = now_ns();
    for (int i = 0; i < n && c->fd >= 0; i++) {
      const int truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      udp_echo(c, udp_bufs + (size_t)i * stride, truncated ? stride : msgs[i].msg_len, now);
    }
    if (c->fd < 0) return;
    /* Edge-triggered: a short batch emptied the queue, and a later datagram raises a new edge. */
    if (n < UDP_BATCH) break;
  }
  udp_fill(c);
}

/* Every few milliseconds: a datagram out for longer than --loss-timeout-ms is lost, and its slot
 * goes back to the window. A blocked socket is retried here too (ENOBUFS raises no EPOLLOUT). */
static void udp_scan(uint64_t now) {
  const uint64_t timeout = (uint64_t)opt.loss_timeout_ms * 1000000u;
  for (int i = 0; i < opt.connections; i++) {
    struct conn *c = &conns[i];
    if (c->fd < 0) continue;
    const int was_blocked = c->blocked;
    uint32_t freed = 0;
    for (uint32_t k = 0; k < opt.inflight && c->outstanding > 0; k++) {
      if (c->slots[k].out && now - c->slots[k].stamp >= timeout) {
        udp_lose(c, k);
        freed++;
      }
    }
    c->blocked = 0;
    if (freed > 0 || was_blocked) udp_fill(c);
  }
}

static void udp_ready(struct conn *c, uint32_t events) {
  if (events & EPOLLOUT) {
    c->blocked = 0;
    udp_fill(c);
  }
  if (c->fd >= 0 && (events & (EPOLLIN | EPOLLERR))) udp_readable(c);
}

/* A UDP socket per source, connect()ed so the kernel keeps only the server's datagrams and an
 * ICMP unreachable surfaces as ECONNREFUSED; then its priming datagram. */
static void udp_open(struct conn *c) {
  int fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail("source %u: socket() failed: %s", c->id, strerror(errno));
    return;
  }
  if (opt.rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.rcvbuf, sizeof opt.rcvbuf);
  c->fd = fd;
  open_count++;
  if (connect(fd, (struct sockaddr *)&target, target_len) != 0) {
    fail("source %u: connect failed: %s", c->id, strerror(errno));
    close_conn(c);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) usage_exit("epoll_ctl failed");
  c->connected = 1;
  connected_count++;
  udp_fill(c);
}

/* UDP counters of the kernel (/proc/net/snmp, this network namespace): datagrams dropped at a
 * full receive buffer, the client's or the server's. */
static int64_t udp_rcvbuf_errors(void) {
  FILE *f = fopen("/proc/net/snmp", "r");
  if (f == NULL) return -1;
  char names[1024], values[1024];
  int64_t result = -1;
  while (fgets(names, sizeof names, f) != NULL) {
    if (strncmp(names, "Udp:", 4) != 0) continue;
    if (fgets(values, sizeof values, f) == NULL) break;
    char *np = NULL, *vp = NULL;
    char *n = strtok_r(names, " \n", &np), *v = strtok_r(values, " \n", &vp);
    while (n != NULL && v != NULL) {
      if (strcmp(n, "RcvbufErrors") == 0) result = strtoll(v, NULL, 10);
      n = strtok_r(NULL, " \n", &np);
      v = strtok_r(NULL, " \n", &vp);
    }
    break;
  }
  fclose(f);
  return result;
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
  hints.ai_socktype = opt.udp ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  int rc = getaddrinfo(opt.host, port, &hints, &res);
  if (rc != 0) usage_exit(gai_strerror(rc));
  memcpy(&target, res->ai_addr, res->ai_addrlen);
  target_len = res->ai_addrlen;
  freeaddrinfo(res);
}

/* --proxy-header: the header a proxy would write for this connection, naming its real source (the
 * local address connect() bound) and destination. v1 is text; v2 is binary: the signature, version
 * 2 with the PROXY command, TCP over IPv4 or IPv6, the address block's length, the addresses and
 * the ports, all in network order. */
static void build_proxy_header(struct conn *c) {
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(c->fd, (struct sockaddr *)&local, &len) != 0) {
    fail("connection %u: getsockname failed: %s", c->id, strerror(errno));
    close_conn(c);
    return;
  }
  const int v4 = local.ss_family == AF_INET;
  const void *src = v4 ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                       : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
  const void *dst = v4 ? (const void *)&((struct sockaddr_in *)&target)->sin_addr
                       : (const void *)&((struct sockaddr_in6 *)&target)->sin6_addr;
  const uint16_t sport = v4 ? ((struct sockaddr_in *)&local)->sin_port : ((struct sockaddr_in6 *)&local)->sin6_port;
  const uint16_t dport = v4 ? ((struct sockaddr_in *)&target)->sin_port : ((struct sockaddr_in6 *)&target)->sin6_port;
  if (opt.proxy_header == 1) {
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    inet_ntop(local.ss_family, src, s, sizeof s);
    inet_ntop(local.ss_family, dst, d, sizeof d);
    const int n = snprintf((char *)c->header, sizeof c->header, "PROXY %s %s %s %u %u\r\n", v4 ? "TCP4" : "TCP6", s,
                           d, ntohs(sport), ntohs(dport));
    c->header_len = (uint32_t)n;
  } else {
    static const uint8_t signature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    const uint32_t size = v4 ? 4 : 16;
    uint8_t *h = c->header;
    memcpy(h, signature, sizeof signature);
    h[12] = 0x21;              /* version 2, PROXY */
    h[13] = v4 ? 0x11 : 0x21; /* AF_INET or AF_INET6, STREAM */
    h[14] = 0;
    h[15] = (uint8_t)(2 * size + 4);
    memcpy(h + 16, src, size);
    memcpy(h + 16 + size, dst, size);
    memcpy(h + 16 + 2 * size, &sport, 2);
    memcpy(h + 18 + 2 * size, &dport, 2);
    c->header_len = 16 + 2 * size + 4;
  }
  c->header_sent = 0;
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
  opened_total++;
  if (connect(fd, (struct sockaddr *)&target, target_len) != 0 && errno != EINPROGRESS) {
    fail("connection %u: connect failed: %s%s", c->id, strerror(errno),
         errno == EADDRNOTAVAIL ? " (no local port left: connections in TIME_WAIT hold them; see "
                                  "net.ipv4.tcp_tw_reuse and net.ipv4.ip_local_port_range)"
                                : "");
    close_conn(c);
    return;
  }
  /* connect() has bound the local port, even while the handshake is in progress. */
  if (opt.proxy_header) build_proxy_header(c);
}

static void poll_once(int timeout_ms) {
  struct epoll_event events[256];
  if (opt.udp && timeout_ms > (int)(udp_scan_ns / 1000000u)) timeout_ms = (int)(udp_scan_ns / 1000000u);
  int n = epoll_wait(epfd, events, 256, timeout_ms);
  if (n < 0 && errno != EINTR) usage_exit("epoll_wait failed");
  for (int i = 0; i < n; i++) {
    struct conn *c = events[i].data.ptr;
    if (c->fd < 0) continue;
    if (opt.udp) {
      udp_ready(c, events[i].events);
      continue;
    }
    if (opt.tls) {
      tls_ready(c, events[i].events);
      continue;
    }
    if (events[i].events & (EPOLLOUT | EPOLLERR)) handle_writable(c);
    if (c->fd >= 0 && c->connected && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
      handle_readable(c, (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
  }
  if (opt.udp) {
    const uint64_t now = now_ns();
    if (now >= udp_next_scan) {
      udp_scan(now);
      udp_next_scan = now + udp_scan_ns;
    }
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
      .loss_timeout_ms = 200,
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
    if (strcmp(a, "--udp") == 0) {
      opt.udp = 1;
      continue;
    }
    if (strcmp(a, "--reconnect") == 0) {
      opt.reconnect = 1;
      continue;
    }
    if (i + 1 >= argc) usage_exit("every option but --wait-go, --tls, --udp, --reconnect and --help takes a value");
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
    else if (strcmp(a, "--loss-timeout-ms") == 0) opt.loss_timeout_ms = (int)parse_u64(a, v);
    else if (strcmp(a, "--proxy-header") == 0) {
      if (strcmp(v, "v1") == 0) opt.proxy_header = 1;
      else if (strcmp(v, "v2") == 0) opt.proxy_header = 2;
      else usage_exit("--proxy-header is v1 or v2");
    } else if (strcmp(a, "--mode") == 0) {
      if (strcmp(v, "pingpong") == 0) opt.mode = PINGPONG;
      else if (strcmp(v, "stream") == 0) opt.mode = STREAM;
      else usage_exit("--mode is pingpong or stream");
    } else {
      fprintf(stderr, "loadgen: unknown option %s\n", a);
      exit(64);
    }
  }
  if (opt.udp) {
    if (opt.tls || opt.unix_path != NULL) usage_exit("--udp goes to --host and --port, without --tls or --unix");
    if (opt.mode != PINGPONG) usage_exit("--udp sends datagrams: --mode pingpong only");
    if (opt.size < UDP_HEADER || opt.size > UDP_MAX) usage_exit("--udp needs a --size of 16-65507");
    if (opt.loss_timeout_ms < 1 || opt.loss_timeout_ms > 60000) usage_exit("--loss-timeout-ms must be 1-60000");
  }
  if (opt.reconnect) {
    if (opt.udp) usage_exit("--reconnect opens connections: not with --udp");
    if (opt.mode != PINGPONG || opt.inflight != 1)
      usage_exit("--reconnect sends one message per connection: --mode pingpong with --inflight 1");
  }
  if (opt.proxy_header && (opt.udp || opt.tls || opt.unix_path != NULL))
    usage_exit("--proxy-header goes first on a TCP connection: not with --udp, --tls or --unix");
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
  if (opt.udp) {
    struct slot *slots = calloc((size_t)opt.connections * ring, sizeof *slots);
    uint32_t *free_slots = calloc((size_t)opt.connections * ring, sizeof *free_slots);
    udp_bufs = malloc((size_t)UDP_BATCH * (opt.size + 1));
    if (!slots || !free_slots || !udp_bufs) usage_exit("out of memory");
    for (int i = 0; i < opt.connections; i++) {
      conns[i].slots = slots + (size_t)i * ring;
      conns[i].free_slots = free_slots + (size_t)i * ring;
      for (uint32_t k = 0; k < ring; k++) conns[i].free_slots[k] = ring - 1 - k;
      conns[i].free_count = ring;
    }
    /* Scan for lost datagrams 20 times per timeout: one is declared lost at most 5% late. */
    udp_scan_ns = (uint64_t)opt.loss_timeout_ms * 1000000u / 20u;
    if (udp_scan_ns < 1000000u) udp_scan_ns = 1000000u;
  }
  const int64_t rcvbuf_errors0 = opt.udp ? udp_rcvbuf_errors() : -1;
  const uint64_t t0 = now_ns();

  /* Connect and prime: a bounded number of connects in flight, each followed by one round trip. */
  int next = 0;
  const uint64_t connect_deadline = t0 + (uint64_t)opt.connect_timeout_ms * 1000000u;
  while (!failed && primed_count < opt.connections) {
    while (next < opt.connections && next - primed_count < CONNECT_BATCH && !failed) {
      struct conn *c = &conns[next];
      c->id = (uint32_t)next;
      c->stream_id = (uint32_t)next;
      c->fd = -1;
      c->stamps = stamps + (size_t)next * ring;
      if (opt.udp) udp_open(c);
      else start_connect(c);
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
      if (opt.udp) {
        udp_fill(c);
        continue;
      }
      if (opt.reconnect) {
        if (issuing()) reconnect_start(c, now);
        continue;
      }
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
        int busy = (opt.udp && udp_outstanding > 0) || (opt.reconnect && open_count > 0);
        for (int i = 0; i < opt.connections && !busy && !opt.udp && !opt.reconnect; i++)
          busy = conns[i].received < conns[i].issued;
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
  if (!failed && opt.udp) {
    /* UDP has no FIN: the drain ends when every datagram out is echoed or lost. */
    phase = CLOSING;
    const uint64_t deadline = now_ns() + ((uint64_t)opt.loss_timeout_ms + (uint64_t)opt.drain_timeout_ms) * 1000000u;
    while (!failed && udp_outstanding > 0) {
      if (now_ns() > deadline) {
        fail("drain: %llu datagrams neither echoed nor declared lost", (unsigned long long)udp_outstanding);
        break;
      }
      poll_once(10);
    }
  } else if (!failed && opt.reconnect) {
    /* No new connection: those open finish their message, FIN and close as under load. */
    phase = CLOSING;
    const uint64_t deadline = now_ns() + (uint64_t)opt.drain_timeout_ms * 1000000u;
    while (!failed && open_count > 0) {
      if (now_ns() > deadline) {
        fail("half-close: %d connections were not closed by the server within %d ms", open_count,
             opt.drain_timeout_ms);
        break;
      }
      poll_once(10);
    }
  } else if (!failed) {
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
  printf("\"transport\":\"%s\",", opt.udp ? "udp" : opt.tls ? "tls" : opt.unix_path != NULL ? "unix" : "tcp");
  if (opt.udp) {
    const int64_t rcvbuf_errors1 = udp_rcvbuf_errors();
    printf("\"udp\":{\"sources\":%d,\"lossTimeoutMs\":%d,\"sent\":%llu,\"lost\":%llu,\"loss\":%.6f,"
           "\"totalSent\":%llu,\"totalEchoed\":%llu,\"totalLost\":%llu,\"late\":%llu,",
           opt.connections, opt.loss_timeout_ms, (unsigned long long)udp_measured_sent,
           (unsigned long long)udp_measured_lost,
           udp_measured_sent > 0 ? (double)udp_measured_lost / (double)udp_measured_sent : 0.0,
           (unsigned long long)udp_total_sent, (unsigned long long)udp_total_echoed, (unsigned long long)udp_total_lost,
           (unsigned long long)udp_late);
    if (rcvbuf_errors0 >= 0 && rcvbuf_errors1 >= 0)
      printf("\"kernelRcvbufErrors\":%lld},", (long long)(rcvbuf_errors1 - rcvbuf_errors0));
    else
      printf("\"kernelRcvbufErrors\":null},");
  }
  if (opt.tls)
    printf("\"tls\":{\"library\":\"%s\",\"protocol\":\"%s\",\"cipher\":\"%s\"},", OpenSSL_version(OPENSSL_VERSION),
           tls_protocol, tls_cipher);
  if (opt.reconnect || opt.proxy_header)
    printf("\"reconnect\":%s,\"proxyHeader\":%s,", opt.reconnect ? "true" : "false",
           opt.proxy_header == 1 ? "\"v1\"" : opt.proxy_header == 2 ? "\"v2\"" : "null");
  printf("\"connectionsOpened\":%llu,", (unsigned long long)opened_total);
  printf("\"mode\":\"%s\",\"connections\":%d,\"size\":%u,\"inflight\":%u,", opt.mode == STREAM ? "stream" : "pingpong",
         opt.connections, opt.mode == STREAM ? opt.chunk : opt.size, opt.inflight);
  printf("\"connectMs\":%.3f,\"windowMs\":%.3f,\"messages\":%llu,\"bytes\":%llu,\"verifiedBytes\":%llu,", connect_ms,
         window_s * 1e3, (unsigned long long)measured_messages, (unsigned long long)measured_bytes,
         (unsigned long long)verified_bytes);
  printf("\"messagesPerSec\":%.1f,\"mibPerSec\":%.3f,\"bytesPerSec\":%.1f,",
         window_s > 0 ? (double)measured_messages / window_s : 0,
         window_s > 0 ? (double)measured_bytes / window_s / 1048576.0 : 0,
         window_s > 0 ? (double)measured_bytes / window_s : 0);
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
