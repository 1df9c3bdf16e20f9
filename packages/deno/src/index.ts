/**
 * The Deno adapter of tcp-echo: a {@link Transport} over `Deno.listen`.
 *
 * @example Serve echo with Deno
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { denoTransport } from "@tcp-echo/deno";
 *
 * const server = await serve(denoTransport, { port: 7007 });
 * console.log(`listening on ${server.address.port}`);
 * ```
 *
 * @module
 */

export type { Transport } from "@tcp-echo/core";
export { denoTransport } from "./transport.ts";
