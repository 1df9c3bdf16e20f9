/**
 * tcp-echo for any runtime: `listen()` serves RFC 862 echo (or your handler) on Node.js, Deno or
 * Bun with the right adapter. On npm each runtime's export condition (`node`, `deno`, `bun`)
 * loads that runtime's entry directly; this entry, the `default` condition and JSR's `.`, finds
 * the runtime when `listen()` is first called and loads only its adapter.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * import { listen } from "@tcp-echo/server";
 *
 * const server = await listen({ host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port} (${server.runtime.name})`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

import { type ServeOptions, type Server, serve, type Transport } from "@tcp-echo/core";

export * from "@tcp-echo/core";

/**
 * Bind, listen and serve every connection with echo (or `options.handler`) on the runtime this
 * code runs in: Deno, Bun, or else Node.js.
 *
 * @param options Address, handler and limits, as for `serve()` in `@tcp-echo/core`.
 * @returns The running server; stop it with `shutdown()` or `close()`.
 * @throws {import("@tcp-echo/core").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
 * `ERR_INVALID_ADDRESS` when the address cannot be bound.
 *
 * @example Echo on port 7007, log each connection, stop on SIGINT
 * ```ts ignore
 * import { listen } from "@tcp-echo/server";
 *
 * const server = await listen({
 *   host: "127.0.0.1",
 *   port: 7007,
 *   onEvent: (event) => console.log(event.type),
 * });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export async function listen(options: ServeOptions = {}): Promise<Server> {
  return serve(await runtimeTransport(), options);
}

// Only the running runtime's adapter is loaded: each one throws at import anywhere else.
async function runtimeTransport(): Promise<Transport> {
  if ("Deno" in globalThis) return (await import("@tcp-echo/deno")).denoTransport;
  if ("Bun" in globalThis) return (await import("@tcp-echo/bun")).bunTransport;
  return (await import("@tcp-echo/node")).nodeTransport;
}
