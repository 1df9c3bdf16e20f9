/**
 * The Node.js adapter of tcp-echo: `tcp()` and `unix()` over `node:net` and `tls()` over
 * `node:tls`, stream transports to hand to `serve()` or `createListener()` from `@tcp-echo/core`.
 *
 * @example Serve echo with Node.js
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
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
