import { readdirSync, readFileSync } from "node:fs";
import { formatAddress, type TcpAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import { readDescriptors, type TcpAdapter, tcpAddress, tcpTransport, type Unsupported } from "@tcp-echo/core/transport";
import type { SocketHandler } from "bun";
import { mapListenError } from "./errors.ts";
import { BunListener } from "./listen.ts";
import { assertBun } from "./runtime.ts";
import { type AddressReader, BunSocket, forwarding } from "./socket.ts";

/** Every Bun transport's runtime and descriptor budget. */
export const bunRuntime: Pick<TcpAdapter, "runtime" | "descriptors"> = {
  runtime: assertBun(),
  descriptors: () => readDescriptors({ readFileSync, readdirSync }),
};

/** The capabilities Bun.listen lacks on every transport. */
export const listenUnsupported: Unsupported = {
  backlog: "Bun.listen takes no backlog; the listen(2) backlog is Bun's built-in default",
  acceptBackoff:
    "Bun.listen retries a failed accept (EMFILE) at once, in a busy loop, with no error to back off on (oven-sh/bun#32705)",
};

/** The capabilities Bun.listen lacks for TCP, and so for TLS, which runs over it. */
export const tcpUnsupported: Unsupported = {
  ...listenUnsupported,
  reuseAddressOff: "Bun.listen always sets SO_REUSEADDR on listening sockets",
  // Elsewhere SO_REUSEPORT lets a second listener bind, but the system does not spread connections.
  ...(process.platform === "linux" ? {} : { reusePort: "Bun.listen shares a port with reusePort only on Linux" }),
};

const addresses: AddressReader<TcpAddress> = {
  local: (socket) => tcpAddress(socket.localAddress, socket.localPort),
  remote: (socket) => tcpAddress(socket.remoteAddress, socket.remotePort),
};

const adapter: TcpAdapter = {
  ...bunRuntime,
  unsupported: tcpUnsupported,
  listen(target, _settings, sink) {
    const { noDelay } = target;
    const handler: SocketHandler<BunSocket<TcpAddress>> = {
      ...forwarding<TcpAddress>(),
      open(socket) {
        const wrapped = new BunSocket(socket, addresses);
        socket.data = wrapped;
        if (noDelay) socket.setNoDelay(true);
        wrapped.start(sink.connection(wrapped));
      },
    };
    try {
      // https://bun.com/docs/api/tcp#start-a-server-bun-listen
      // ipv6Only and reusePort are honoured by Bun.listen though bun-types lists them for
      // Bun.connect only.
      const options = {
        hostname: target.hostname,
        port: target.port,
        allowHalfOpen: true,
        ipv6Only: target.ipv6Only,
        reusePort: target.reusePort,
        socket: handler,
      };
      const listener = Bun.listen<BunSocket<TcpAddress>>(options);
      return Promise.resolve(new BunListener(listener, tcpAddress(target.hostname, listener.port)));
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(target)));
    }
  },
};

/**
 * TCP over `Bun.listen`: the transport to hand `serve()` or `createListener()` on Bun.
 *
 * @param options Socket options: `noDelay` (default true).
 * @returns The transport.
 *
 * @example Serve echo with Bun
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/bun";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tcp: TcpFactory = (options?: TcpOptions): TcpTransport => tcpTransport(adapter, options);
