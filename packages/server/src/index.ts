/**
 * tcp-echo for any runtime: `listen()` serves RFC 862 echo (or your handler) on Node.js, Deno or
 * Bun with the right adapter. On npm each runtime's export condition (`node`, `deno`, `bun`)
 * loads that runtime's entry directly; this entry, the `default` condition and JSR's `.`, finds
 * the runtime when `listen()` is first called and loads only its adapter.
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
 *
 * @module
 */

import type { Adapter } from "@tcp-echo/core";
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

/** Serves echo (or your handler) over TCP, a unix socket or TLS on the runtime this runs in: Deno, Bun, else Node.js; see {@link Listen}. */
export const listen: Listen = listenOver(runtimeAdapter);

/** Serves UDP echo (or your datagram handler) behind its guards, on the runtime this runs in; see {@link ListenUdp}. */
export const listenUdp: ListenUdp = listenUdpOver(runtimeAdapter);

// Only the running runtime's adapter is loaded: each one throws at import anywhere else.
async function runtimeAdapter(): Promise<Adapter> {
  if ("Deno" in globalThis) return await import("@tcp-echo/deno");
  if ("Bun" in globalThis) return await import("@tcp-echo/bun");
  return await import("@tcp-echo/node");
}
