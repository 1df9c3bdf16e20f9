/**
 * The Bun adapter of tcp-echo: `tcp()`, `unix()` and `tls()`, stream transports over
 * `Bun.listen` with Bun's callbacks on the hot path, to hand to `serve()` or `createListener()`
 * from `@tcp-echo/core`.
 *
 * @example Serve echo with Bun
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/bun";
 *
 * const server = await serve(tcp(), { port: 7007 });
 * console.log(`listening on ${server.address.port}`);
 * ```
 *
 * @module
 */

export type {
  TcpOptions,
  TcpTransport,
  TlsOptions,
  TlsTransport,
  UdpOptions,
  UdpTransport,
  UnixOptions,
  UnixTransport,
} from "@tcp-echo/core";
export { tcp } from "./tcp.ts";
export { tls } from "./tls.ts";
export { udp } from "./udp.ts";
export { unix } from "./unix.ts";
