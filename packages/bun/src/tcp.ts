import { readdirSync, readFileSync } from "node:fs";
import { formatAddress, type TcpAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import {
  readDescriptors,
  type StreamListener,
  type TcpAdapter,
  tcpAddress,
  tcpTransport,
} from "@tcp-echo/core/transport";
import type { SocketHandler, TCPSocketListener } from "bun";
import { mapListenError } from "./errors.ts";
import { assertBun } from "./runtime.ts";
import { BunSocket } from "./socket.ts";

const adapter: TcpAdapter = {
  runtime: assertBun(),
  unsupported: {
    backlog: "Bun.listen takes no backlog; the listen(2) backlog is Bun's built-in default",
    reuseAddressOff: "Bun.listen always sets SO_REUSEADDR on listening sockets",
    acceptBackoff:
      "Bun.listen retries a failed accept (EMFILE) at once, in a busy loop, with no error to back off on (oven-sh/bun#32705)",
  },
  descriptors: () => readDescriptors({ readFileSync, readdirSync }),
  listen(target, _settings, sink) {
    const { noDelay } = target;
    // One handler table for every socket: Bun calls it with the socket, whose `data` is our wrapper.
    const handler: SocketHandler<BunSocket> = {
      open(socket) {
        const wrapped = new BunSocket(socket);
        socket.data = wrapped;
        if (noDelay) socket.setNoDelay(true);
        wrapped.start(sink.connection(wrapped));
      },
      data: (socket, chunk) => socket.data.onData(chunk),
      end: (socket) => socket.data.onEnd(),
      drain: (socket) => socket.data.onDrain(),
      error: (socket, error) => socket.data?.onError(error),
      close: (socket, error) => socket.data?.onClose(error),
    };
    try {
      // https://bun.com/docs/api/tcp#start-a-server-bun-listen
      // ipv6Only is honoured by Bun.listen though bun-types lists it for Bun.connect only.
      const options = {
        hostname: target.hostname,
        port: target.port,
        allowHalfOpen: true,
        ipv6Only: target.ipv6Only,
        socket: handler,
      };
      return Promise.resolve(new BunListener(Bun.listen<BunSocket>(options), target.hostname));
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

class BunListener implements StreamListener<TcpAddress> {
  readonly address: TcpAddress;
  readonly #listener: TCPSocketListener<BunSocket>;
  #stopped = false;

  constructor(listener: TCPSocketListener<BunSocket>, hostname: string) {
    this.#listener = listener;
    this.address = tcpAddress(hostname, listener.port);
  }

  // stop(false) releases the port and leaves accepted sockets running.
  close(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#listener.stop(false);
    }
    return Promise.resolve();
  }
}
