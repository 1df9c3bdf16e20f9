import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { formatAddress, type TcpAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import {
  readDescriptors,
  type StreamListener,
  type TcpAdapter,
  tcpAddress,
  tcpTransport,
} from "@tcp-echo/core/transport";
import { mapListenError } from "./errors.ts";
import { assertNode } from "./runtime.ts";
import { NodeSocket } from "./socket.ts";

const adapter: TcpAdapter = {
  runtime: assertNode(),
  unsupported: {
    reuseAddressOff: "node:net always sets SO_REUSEADDR on listening sockets (libuv)",
  },
  descriptors: () => readDescriptors({ readFileSync, readdirSync }),
  // https://nodejs.org/api/net.html#serverlistenoptions-callback
  listen(target, settings, sink) {
    const server = createServer({
      allowHalfOpen: true,
      noDelay: target.noDelay,
      highWaterMark: settings.highWaterMark,
    });
    server.on("connection", (socket) => {
      const wrapped = new NodeSocket(socket);
      wrapped.start(sink.connection(wrapped));
    });
    return new Promise<StreamListener<TcpAddress>>((resolve, reject) => {
      const failed = (error: Error) => reject(mapListenError(error, formatAddress(target)));
      server.once("error", failed);
      server.listen(
        { host: target.hostname, port: target.port, backlog: settings.backlog, ipv6Only: target.ipv6Only },
        () => {
          server.off("error", failed);
          server.on("error", (error) => sink.acceptError(error));
          resolve(new NodeListener(server, target.hostname));
        },
      );
    });
  },
};

/**
 * TCP over `node:net`: the transport to hand `serve()` or `createListener()` on Node.js.
 *
 * @param options Socket options: `noDelay` (default true).
 * @returns The transport.
 *
 * @example Serve echo with Node.js
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tcp: TcpFactory = (options?: TcpOptions): TcpTransport => tcpTransport(adapter, options);

class NodeListener implements StreamListener<TcpAddress> {
  readonly address: TcpAddress;
  readonly #server: Server;

  constructor(server: Server, hostname: string) {
    this.#server = server;
    const bound = server.address();
    this.address = tcpAddress(hostname, typeof bound === "object" && bound !== null ? bound.port : 0);
  }

  // server.close() releases the port at once; its callback would also wait for every connection.
  close(): Promise<void> {
    if (this.#server.listening) this.#server.close();
    return Promise.resolve();
  }
}
