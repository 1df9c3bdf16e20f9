/**
 * The Node.js adapter of tcp-echo: a {@link Transport} over `node:net`.
 *
 * @example Serve echo with Node.js
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { nodeTransport } from "@tcp-echo/node";
 *
 * const server = await serve(nodeTransport, { port: 7007 });
 * console.log(`listening on ${server.address.port}`);
 * ```
 *
 * @module
 */

export type { Transport } from "@tcp-echo/core";
export { nodeTransport } from "./transport.ts";
