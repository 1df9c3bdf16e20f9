/**
 * `listen()` on Deno, and everything `@tcp-echo/core` exports: `listen(options)` is
 * {@link serve} over `@tcp-echo/deno`. Deno picks this entry through the `deno` export condition;
 * import `@tcp-echo/server/deno` to name it.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * import { listen } from "@tcp-echo/server/deno";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

import { type ServeOptions, type Server, serve } from "@tcp-echo/core";
import { denoTransport } from "@tcp-echo/deno";

export * from "@tcp-echo/core";

/**
 * Bind, listen and serve every connection with echo (or `options.handler`) on Deno.
 *
 * @param options Address, handler and limits, as for `serve()` in `@tcp-echo/core`.
 * @returns The running server; stop it with `shutdown()` or `close()`.
 * @throws {import("@tcp-echo/core").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
 * `ERR_INVALID_ADDRESS` when the address cannot be bound.
 *
 * @example Echo on port 7007 until SIGINT
 * ```ts ignore
 * import { listen } from "@tcp-echo/server/deno";
 *
 * const server = await listen({ host: "127.0.0.1", port: 7007 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export function listen(options: ServeOptions = {}): Promise<Server> {
  return serve(denoTransport, options);
}
