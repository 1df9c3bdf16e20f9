import { DEFAULTS, HANDSHAKE_TIMEOUT } from "./args.ts";
import { formatDuration } from "./duration.ts";
import { PROXY_TIMEOUT } from "./proxy-args.ts";
import { formatSize } from "./size.ts";
import { UDP_DEFAULTS } from "./udp-args.ts";

/**
 * The text `tcp-echo --help` prints on stdout.
 */
export const HELP: string = `Usage: tcp-echo [options]

An RFC 862 echo server: every byte a client sends comes back. Runs on Node.js, Deno and Bun.

Options:
  --host <host>                 IP address, host name, 'localhost' or '' for all interfaces
                                (env HOST, default ${DEFAULTS.host})
  --port <port>                 0 to 65535; 0 picks a free port (env PORT, default ${DEFAULTS.port})
  --backlog <n>                 Queue of connections not yet accepted (default 511; Bun cannot set it)
  --reuse-address               Set SO_REUSEADDR (the default; no runtime can leave it off)
  --max-connections <n>         Connections open at once; more are closed at once (default: what the
                                open-file limit, ulimit -n, leaves room for; no limit where it is unknown)
  --idle-timeout <duration>     Close connections silent this long (default 0: never)
  --shutdown-timeout <duration> On SIGINT or SIGTERM, close idle connections at once, wait this
                                long for busy ones, then reset them (default ${formatDuration(DEFAULTS.shutdownTimeout)}; 0 resets at once)
  --shutdown-quiet-period <duration> During a shutdown, a connection silent this long with nothing
                                unsent is idle and gets a FIN; one busy since the signal needs 8x
                                as long. Raise it for clients that pause longer (default ${formatDuration(DEFAULTS.shutdownQuietPeriod)}; 0: never)
  --unix <path>                 Listen on a unix socket instead of TCP: a path, or @name for a
                                Linux abstract name. A stale socket file is replaced; a live one is not
  --unix-mode <mode>            The socket file's permissions, in octal: 0660, 600 (default: umask)
  --tls-cert <file>             Serve TLS (1.2 and up) with this PEM certificate chain...
  --tls-key <file>              ...and this PEM private key; both are needed
  --tls-ca <file>               PEM certificate authorities for client certificates (with --tls-client-auth)
  --tls-client-auth             Require a client certificate signed by --tls-ca (mutual TLS)
  --handshake-timeout <duration> Close TLS clients that have not finished the handshake by then
                                (default ${formatDuration(HANDSHAKE_TIMEOUT)})
  --proxy-protocol              Every TCP or unix connection starts with a PROXY header (v1 or
                                v2) from a trusted proxy such as HAProxy; logs and limits see
                                the client it names. Not with TLS
  --proxy-timeout <duration>    Close connections without a whole PROXY header by then
                                (default ${formatDuration(PROXY_TIMEOUT)})
  --udp                         Also serve UDP echo (RFC 862) on the same host and port
  --no-tcp                      Serve UDP alone (with --udp)
  --udp-rate <n>                Datagrams per second answered per sender address
                                (default ${UDP_DEFAULTS.datagramsPerSecond}; 0: no limit)
  --udp-bytes-rate <size>       Bytes per second answered per sender address
                                (default ${formatSize(UDP_DEFAULTS.bytesPerSecond)}; 0: no limit)
  --udp-allow-reserved-ports    Answer senders on ports 7, 13, 17, 19 and 37. UNSAFE: two servers
                                that answer everything can then bounce datagrams forever
  --udp-summary-interval <duration> How often to log what UDP dropped, if anything
                                (default ${formatDuration(UDP_DEFAULTS.summaryInterval)}; 0: never)
  --workers <n|auto>            Run n worker processes that share the port (auto: one per core);
                                --max-connections and the other limits apply to each worker.
                                Not with --unix or --udp
  --greeting <text>             Send this once when a connection opens: not strict RFC 862.
                                {host}, {pid}, {runtime}, {pod} (POD_NAME, else the host) and \\n
  --log-format <format>         pretty or json (default ${DEFAULTS.logFormat})
  --quiet                       Leave out the per-connection events (open, close, reject)
  -h, --help                    Print this help and exit
  -V, --version                 Print the version and exit

Durations: 500ms, 30s, 2m, 1h; a bare number is seconds. Sizes: 512, 64KiB, 4MiB, 1GB.
Every flag but -h, -V has a variable: --idle-timeout is TCP_ECHO_IDLE_TIMEOUT (a flag wins).
UDP never answers broadcast or multicast senders, nor ports 0, 7, 13, 17, 19 and 37.
On Deno, --unix needs --allow-read and --allow-write for the path (not --allow-net), and TLS
needs --allow-read for the certificate and key files. UDP on Deno needs --unstable-net,
and --workers needs --unstable-net and --allow-run.
The log goes to stderr. The first SIGINT or SIGTERM stops accepting and shuts down gracefully;
a second one exits at once.
Exit status: 0 after a shutdown, 1 when the server cannot run, 2 for a bad command line,
130 or 143 after a second SIGINT or SIGTERM.
`;
