/**
 * `listen()` on Node.js, and everything `@tcp-echo/core` exports: `listen(options)` is
 * {@link serve} over `@tcp-echo/node`. Node.js picks this entry through the `node` export condition;
 * import `@tcp-echo/server/node` to name it.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * import { listen } from "@tcp-echo/server/node";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

import { type ServeOptions, type Server, serve } from "@tcp-echo/core";
import { nodeTransport } from "@tcp-echo/node";

export * from "@tcp-echo/core";

/**
 * Bind, listen and serve every connection with echo (or `options.handler`) on Node.js.
 *
 * @param options Address, handler and limits, as for `serve()` in `@tcp-echo/core`.
 * @returns The running server; stop it with `shutdown()` or `close()`.
 * @throws {import("@tcp-echo/core").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
 * `ERR_INVALID_ADDRESS` when the address cannot be bound.
 *
 * @example Echo on port 7007 until SIGINT
 * ```ts ignore
 * import { listen } from "@tcp-echo/server/node";
 *
 * const server = await listen({ host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export function listen(options: ServeOptions = {}): Promise<Server> {
  return serve(nodeTransport, options);
}
