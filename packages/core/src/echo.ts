/**
 * The echo service of RFC 862: every byte back, in order, until the peer half-closes; then the
 * rest goes out and the connection closes.
 *
 * @module
 */

import type { ConnectionHandler } from "./connection.ts";

/**
 * The RFC 862 echo handler. Backpressure: when the peer reads slower than it writes, the write
 * buffer fills, `write()` returns false, and reading pauses until it drains; the peer's own sends
 * then block on TCP flow control, so memory stays bounded by the high-water mark.
 *
 * @example Serve echo on an ephemeral port
 * ```ts ignore
 * import { echoHandler, serve } from "@tcp-echo/core";
 * import { nodeTransport } from "@tcp-echo/node";
 *
 * const server = await serve(nodeTransport, { port: 0, handler: echoHandler });
 * console.log(server.address);
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export const echoHandler: ConnectionHandler = {
  data(connection, chunk) {
    if (!connection.write(chunk)) connection.pause();
  },
  drain(connection) {
    connection.resume();
  },
  end(connection) {
    connection.close();
  },
};
