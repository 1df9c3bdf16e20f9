/**
 * The Deno adapter of tcp-echo: `tcp()`, a stream transport over `Deno.listen`, to hand to
 * `serve()` or `createListener()` from `@tcp-echo/core`.
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

export type { TcpOptions, TcpTransport } from "@tcp-echo/core";
export { tcp } from "./tcp.ts";
