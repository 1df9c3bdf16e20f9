/**
 * `listen()` on Node.js, and everything `@tcp-echo/core` exports: `listen(options)` is `serve()`
 * over `tcp()` from `@tcp-echo/node`. Node.js picks this entry through the `node` export condition;
 * import `@tcp-echo/server/node` to name it.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * // ignore: listens on the network.
 * import { listen } from "@tcp-echo/server/node";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

import * as node from "@tcp-echo/node";
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

/** Serves echo (or your handler) over TCP, a unix socket or TLS on Node.js; see {@link Listen}. */
export const listen: Listen = listenOver(() => node);

/** Serves UDP echo (or your datagram handler) behind its guards; see {@link ListenUdp}. */
export const listenUdp: ListenUdp = listenUdpOver(() => node);
