/**
 * The Bun adapter of tcp-echo: a {@link Transport} over `Bun.listen`, with Bun's callbacks on
 * the hot path, partial writes queued until `drain`, and half-close through `shutdown()`.
 *
 * @example Serve echo with Bun
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { bunTransport } from "@tcp-echo/bun";
 *
 * const server = await serve(bunTransport, { port: 7007 });
 * console.log(`listening on ${server.address.port}`);
 * ```
 *
 * @module
 */

export type { Transport } from "@tcp-echo/core";
export { bunTransport } from "./transport.ts";
