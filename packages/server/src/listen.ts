import {
  type ServeOptions,
  type Server,
  serve,
  type TcpAddress,
  type TcpBindOptions,
  type TcpTransport,
} from "@tcp-echo/core";

/** Options of `listen()`: `serve()`'s options over TCP (`host`, `port`, handler, limits, ...). */
export type ListenOptions = ServeOptions<TcpBindOptions, TcpAddress>;

/**
 * Binds, listens and serves every connection with echo (or `options.handler`) over TCP on the
 * runtime the entry is for: `serve(tcp(), options)` with that runtime's adapter.
 *
 * @param options Address, handler and limits, as for `serve()` in `@tcp-echo/core`.
 * @returns The running server; stop it with `shutdown()` or `close()`.
 * @throws {import("@tcp-echo/core").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`,
 * `ERR_INVALID_ADDRESS`, `ERR_UNKNOWN_OPTION` or `ERR_UNSUPPORTED_OPTION`.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * // ignore: listens on the network.
 * import { listen } from "@tcp-echo/server";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port} (${server.runtime.name})`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export type Listen = (options?: ListenOptions) => Promise<Server<TcpAddress>>;

/** `listen()` over the TCP transport `transport()` gives (made on the first call). */
export function listenOver(transport: () => TcpTransport | Promise<TcpTransport>): Listen {
  return async (options = {}) => serve(await transport(), options);
}
