import { createServer, type Server } from "node:net";
import { formatAddress, type ListenRequest, type Transport, type TransportListener } from "@tcp-echo/core";
import { mapListenError } from "./errors.ts";
import { assertNode } from "./runtime.ts";
import { NodeSocket } from "./socket.ts";

const runtime = assertNode();

/**
 * The tcp-echo transport over `node:net`.
 *
 * @example Serve echo with Node.js
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { nodeTransport } from "@tcp-echo/node";
 *
 * const server = await serve(nodeTransport, { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const nodeTransport: Transport = {
  runtime,
  unsupported: {
    reuseAddressOff: "node:net always sets SO_REUSEADDR on listening sockets (libuv)",
  },
  // https://nodejs.org/api/net.html#serverlistenoptions-callback
  listen(request, sink) {
    const server = createServer({
      allowHalfOpen: true,
      noDelay: request.noDelay,
      highWaterMark: request.highWaterMark,
    });
    server.on("connection", (socket) => {
      const wrapped = new NodeSocket(socket);
      wrapped.bind(sink.connection(wrapped));
    });
    return new Promise<TransportListener>((resolve, reject) => {
      const failed = (error: Error) => reject(mapListenError(error, formatAddress(request)));
      server.once("error", failed);
      server.listen(
        { host: request.hostname, port: request.port, backlog: request.backlog, ipv6Only: request.ipv6Only },
        () => {
          server.off("error", failed);
          server.on("error", (error) => sink.acceptError(error));
          resolve(new NodeListener(server, request));
        },
      );
    });
  },
};

class NodeListener implements TransportListener {
  readonly address: TransportListener["address"];
  readonly #server: Server;

  constructor(server: Server, request: ListenRequest) {
    this.#server = server;
    const bound = server.address();
    const port = typeof bound === "object" && bound !== null ? bound.port : request.port;
    this.address = { transport: "tcp", hostname: request.hostname, port, family: request.family };
  }

  // server.close() releases the port at once; its callback would also wait for every connection.
  close(): Promise<void> {
    if (this.#server.listening) this.#server.close();
    return Promise.resolve();
  }
}
