/**
 * `listen()` on Deno, and everything `@tcp-echo/core` exports: `listen(options)` is `serve()`
 * over `tcp()` from `@tcp-echo/deno`. Deno picks this entry through the `deno` export condition;
 * import `@tcp-echo/server/deno` to name it.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * // ignore: listens on the network.
 * import { listen } from "@tcp-echo/server/deno";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

import * as deno from "@tcp-echo/deno";
import { type Listen, type ListenUdp, listenOver, listenUdpOver } from "./listen.ts";

export * from "@tcp-echo/core";
export type {
  Listen,
  ListenOptions,
  ListenUdp,
  TcpListenOptions,
  TlsListenOptions,
  UdpListenOptions,
  UnixListenOptions,
} from "./listen.ts";

/** Serves echo (or your handler) over TCP, a unix socket or TLS on Deno; see {@link Listen}. */
export const listen: Listen = listenOver(() => deno);

/** Serves UDP echo (or your datagram handler) behind its guards; see {@link ListenUdp}. */
export const listenUdp: ListenUdp = listenUdpOver(() => deno);
