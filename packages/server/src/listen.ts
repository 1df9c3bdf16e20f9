import {
  type Adapter,
  type DatagramServer,
  type ServeDatagramsOptions,
  type ServeOptions,
  type Server,
  serve,
  serveDatagrams,
  type TcpAddress,
  type TcpBindOptions,
  type TlsAddress,
  type TlsOptions,
  type UdpBindOptions,
  type UnixAddress,
  type UnixBindOptions,
} from "@tcp-echo/core";

/** Options of `listen()` over TCP: `serve()`'s options (`host`, `port`, handler, limits, ...). */
export type TcpListenOptions = ServeOptions<TcpBindOptions, TcpAddress>;

/** Options of `listen()` on a unix socket: a `path` (and `mode`) instead of a host and port. */
export type UnixListenOptions = ServeOptions<UnixBindOptions, UnixAddress>;

/** Options of `listen()` over TLS: TCP's, plus `tls`, the certificate, key and TLS settings. */
export type TlsListenOptions = ServeOptions<TcpBindOptions, TlsAddress> & {
  /** The options of `tls()`: `cert` and `key` (PEM), and optionally `ca`, `requestCert`, ... */
  readonly tls: TlsOptions;
};

/** Options of `listen()`: a `path` picks a unix socket, `tls` picks TLS, else TCP. */
export type ListenOptions = TcpListenOptions | UnixListenOptions | TlsListenOptions;

/**
 * Binds, listens and serves every connection with echo (or `options.handler`) on the runtime the
 * entry is for, with that runtime's adapter: over a unix socket when `options.path` is given,
 * over TLS when `options.tls` is, else over TCP.
 *
 * @param options Address, handler and limits, as for `serve()` in `@tcp-echo/core`.
 * @returns The running server; stop it with `shutdown()` or `close()`.
 * @throws {import("@tcp-echo/core").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`,
 * `ERR_INVALID_ADDRESS`, `ERR_UNKNOWN_OPTION`, `ERR_UNSUPPORTED_OPTION`, or for TLS
 * `ERR_INVALID_OPTION` and `ERR_TLS_CREDENTIALS`.
 *
 * @example Echo on an ephemeral port, then on a unix socket
 * ```ts ignore
 * // ignore: listens on the network and creates a socket file.
 * import { listen } from "@tcp-echo/server";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port} (${server.runtime.name})`);
 * await server.shutdown({ timeout: 1000 });
 * const local = await listen({ path: "/tmp/echo.sock", mode: 0o660 });
 * await local.shutdown({ timeout: 1000 });
 * ```
 */
export interface Listen {
  /** On a unix socket at `options.path`. */
  (options: UnixListenOptions): Promise<Server<UnixAddress>>;
  /** Over TLS with `options.tls`. */
  (options: TlsListenOptions): Promise<Server<TlsAddress>>;
  /** Over TCP. */
  (options?: TcpListenOptions): Promise<Server<TcpAddress>>;
}

/** `listen()` over the adapter `adapter()` gives (loaded on the first call). */
export function listenOver(adapter: () => Adapter | Promise<Adapter>): Listen {
  return (async (options: ListenOptions = {}) => {
    const { tcp, unix, tls } = await adapter();
    if ("path" in options) return serve(unix(), options);
    if ("tls" in options) {
      const { tls: tlsOptions, ...rest } = options;
      return serve(tls(tlsOptions), rest);
    }
    return serve(tcp(), options);
  }) as Listen;
}

/** Options of `listenUdp()`: `host`, `port`, `family`, and the guards of `serveDatagrams()`. */
export type UdpListenOptions = ServeDatagramsOptions<UdpBindOptions>;

/**
 * Serves UDP echo (or your datagram handler) behind the guards of `serveDatagrams()`: no answer
 * to ports 0, 7, 13, 17, 19 and 37 nor to broadcast or multicast senders, and a token bucket per
 * sender address. On Deno it needs `--unstable-net`.
 *
 * @example UDP echo on an ephemeral port
 * ```ts ignore
 * // ignore: binds a socket.
 * import { listenUdp } from "@tcp-echo/server";
 *
 * const server = await listenUdp({ host: "127.0.0.1", port: 0 });
 * console.log(`udp echo on port ${server.address.port}`);
 * await server.close();
 * ```
 */
export type ListenUdp = (options?: UdpListenOptions) => Promise<DatagramServer>;

/** `listenUdp()` over the adapter `adapter()` gives (loaded on the first call). */
export function listenUdpOver(adapter: () => Adapter | Promise<Adapter>): ListenUdp {
  return async (options = {}) => serveDatagrams((await adapter()).udp(), options);
}
