import { formatAddress, type TlsFactory, type TlsOptions, type TlsTransport } from "@tcp-echo/core";
import { type TlsAcceptSink, type TlsAdapter, tlsTransport } from "@tcp-echo/core/transport";
import { tlsAddressOf } from "./address.ts";
import { mapTlsListenError } from "./errors.ts";
import { DenoListener } from "./listener.ts";
import { primeSignals } from "./signals.ts";
import { DenoSocket } from "./socket.ts";
import { denoRuntime, tcpUnsupported } from "./tcp.ts";

const adapter: TlsAdapter = {
  ...denoRuntime,
  unsupported: {
    ...tcpUnsupported,
    tlsClientAuth: "Deno.listenTls cannot ask for or verify client certificates (it has no ca or requestCert option)",
    tlsMinVersion: "Deno.listenTls has no minimum version option: its rustls always offers TLS 1.2 and 1.3",
    // Deno 2.9 runs the server handshake as its own task in rustls-tokio-stream 0.8 (ext/net
    // ops_tls.rs); dropping the stream detaches that task instead of aborting it, and the task
    // waits for the socket to become readable with no timeout, holding the TCP socket. Nothing in
    // Deno's API reaches it: no fd, no linger, no abort. Terminating a Worker frees it, with every
    // other connection of that Worker; shutdown(2) through FFI works but needs --allow-ffi.
    handshakeAbort:
      "Deno.TlsConn.close() leaves the TCP connection open until the handshake ends, so a client that never sends a ClientHello is reported at the handshake timeout but stays connected until it leaves",
    noDelay: "Deno.TlsConn has no setNoDelay, and Deno.listenTls leaves TCP_NODELAY off",
  },
  // https://docs.deno.com/api/deno/~/Deno.listenTls
  listen(target, settings, sink) {
    primeSignals();
    let listener: Deno.TlsListener;
    try {
      listener = Deno.listenTls({
        hostname: target.hostname,
        port: target.port,
        tcpBacklog: settings.backlog,
        ...(target.reusePort ? { reusePort: true } : {}),
        cert: target.tls.cert,
        key: target.tls.key,
      });
    } catch (error) {
      return Promise.reject(mapTlsListenError(error, formatAddress({ ...target, transport: "tls" })));
    }
    return Promise.resolve(
      new DenoListener(listener, tlsAddressOf(listener.addr), sink, (conn) => handshake(conn, sink)),
    );
  },
};

// accept() returns before the handshake, which Deno runs in a task of its own: waiting for it
// here, not in the accept loop, keeps a stalled client from holding up the next one.
function handshake(conn: Deno.TlsConn, sink: TlsAcceptSink): void {
  const guard = sink.handshake(tlsAddressOf(conn.remoteAddr), () => closeQuietly(conn));
  conn.handshake().then(
    () => {
      if (!guard.succeeded()) return;
      const socket = new DenoSocket(conn, tlsAddressOf);
      socket.start(sink.connection(socket));
    },
    (error: unknown) => {
      guard.failed(handshakeReason(error));
      closeQuietly(conn);
    },
  );
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** rustls's reason ("received corrupt message of type InvalidContentType") and Deno's error name. */
function handshakeReason(error: unknown): string {
  if (error instanceof Deno.errors.UnexpectedEof) return "the client closed the connection during the handshake";
  if (!(error instanceof Error)) return String(error);
  return `${error.message.split("\n")[0]} (${error.name})`;
}

/**
 * TLS over `Deno.listenTls`: the transport to hand `serve()` or `createListener()` on Deno. TLS
 * 1.2 and 1.3 (rustls); every client gets `handshakeTimeout` (default 10 s) to finish its
 * handshake. Needs `--allow-net`, and `--allow-read` to read the certificate and key files.
 * Client certificates (`requestCert`) and `minVersion: "TLSv1.3"` fail with
 * `ERR_UNSUPPORTED_OPTION`: `Deno.listenTls` has no options for them.
 *
 * @param options The certificate and key (PEM), and optionally `handshakeTimeout`.
 * @returns The transport.
 * @throws {import("@tcp-echo/core").TcpEchoError} `ERR_INVALID_OPTION`, `ERR_TLS_CREDENTIALS`
 * or `ERR_UNSUPPORTED_OPTION` for options it cannot use.
 *
 * @example Serve echo over TLS
 * ```ts ignore
 * // ignore: needs a certificate and listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tls } from "@tcp-echo/deno";
 *
 * const transport = tls({ cert: Deno.readTextFileSync("cert.pem"), key: Deno.readTextFileSync("key.pem") });
 * const server = await serve(transport, { host: "127.0.0.1", port: 7443 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tls: TlsFactory = (options: TlsOptions): TlsTransport => tlsTransport(adapter, options);
