/**
 * The Deno adapter of tcp-echo: `tcp()` and `unix()` over `Deno.listen` and `tls()` over
 * `Deno.listenTls`, stream transports to hand to `serve()` or `createListener()` from
 * `@tcp-echo/core`.
 *
 * @example Serve echo with Deno
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/deno";
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
