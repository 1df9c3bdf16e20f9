/**
 * The echo service of RFC 862: every byte back, in order, until the peer half-closes; then the
 * rest goes out and the connection closes.
 *
 * @module
 */

import type { ConnectionHandler } from "./connection.ts";

/**
 * The RFC 862 echo handler. Backpressure: when the peer reads slower than it writes, the write
 * queue fills, `write()` returns false, and reading pauses until it drains; the peer's own sends
 * then block on TCP flow control, so memory stays bounded by the high-water mark (or the
 * runtime's own write buffer, where that is larger).
 *
 * It borrows each chunk: it writes it back at once and keeps nothing, so an adapter may read
 * into the same memory again once those bytes are sent.
 *
 * @example Serve echo on an ephemeral port
 * ```ts ignore
 * // ignore: needs a runtime adapter and a network.
 * import { echoHandler, serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 *
 * const server = await serve(tcp(), { port: 0, handler: echoHandler });
 * console.log(server.address);
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export const echoHandler: ConnectionHandler = {
  borrowsChunks: true,
  onData(connection, chunk) {
    if (!connection.write(chunk)) connection.pause();
  },
  onDrain(connection) {
    connection.resume();
  },
  onEnd(connection) {
    connection.close();
  },
};
