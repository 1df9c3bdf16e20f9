import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { formatAddress, type TcpAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import { readDescriptors, type TcpAdapter, tcpAddress, tcpTransport, type Unsupported } from "@tcp-echo/core/transport";
import { boundPort, listenOptions, listenServer } from "./listen.ts";
import { reusePortSupport } from "./reuse-port.ts";
import { assertNode } from "./runtime.ts";
import { type AddressReader, NodeSocket } from "./socket.ts";

/** Every Node.js transport's runtime and descriptor budget. */
export const nodeRuntime: Pick<TcpAdapter, "runtime" | "descriptors"> = {
  runtime: assertNode(),
  descriptors: () => readDescriptors({ readFileSync, readdirSync }),
};

/** The capabilities node:net lacks for TCP, and so for TLS, which runs over it. */
export const tcpUnsupported: Unsupported = {
  reuseAddressOff: "node:net always sets SO_REUSEADDR on listening sockets (libuv)",
  ...reusePortSupport(process.versions.node, process.platform),
};

const addresses: AddressReader<TcpAddress> = {
  local: (socket) => tcpAddress(socket.localAddress, socket.localPort),
  remote: (socket) => tcpAddress(socket.remoteAddress, socket.remotePort),
};

const adapter: TcpAdapter = {
  ...nodeRuntime,
  unsupported: tcpUnsupported,
  // https://nodejs.org/api/net.html#serverlistenoptions-callback
  listen(target, settings, sink) {
    const server = createServer({
      allowHalfOpen: true,
      noDelay: target.noDelay,
      highWaterMark: settings.highWaterMark,
    });
    server.on("connection", (socket) => {
      const wrapped = new NodeSocket(socket, addresses);
      wrapped.start(sink.connection(wrapped));
    });
    return listenServer(server, listenOptions(target, settings), formatAddress(target), sink, (bound) =>
      tcpAddress(target.hostname, boundPort(bound)),
    );
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
