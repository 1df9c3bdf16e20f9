import { formatAddress, type ListenRequest, type Transport, type TransportListener } from "@tcp-echo/core";
import type { SocketHandler, TCPSocketListener } from "bun";
import { mapListenError } from "./errors.ts";
import { assertBun } from "./runtime.ts";
import { BunSocket } from "./socket.ts";

const runtime = assertBun();

/**
 * The tcp-echo transport over `Bun.listen`.
 *
 * @example Serve echo with Bun
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { bunTransport } from "@tcp-echo/bun";
 *
 * const server = await serve(bunTransport, { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const bunTransport: Transport = {
  runtime,
  unsupported: {
    backlog: "Bun.listen takes no backlog; the listen(2) backlog is Bun's built-in default",
    reuseAddressOff: "Bun.listen always sets SO_REUSEADDR on listening sockets",
    acceptBackoff:
      "Bun.listen retries a failed accept (EMFILE) at once, in a busy loop, with no error to back off on (oven-sh/bun#32705)",
  },
  listen(request, sink) {
    const { highWaterMark, noDelay } = request;
    // One handler table for every socket: Bun calls it with the socket, whose `data` is our wrapper.
    const handler: SocketHandler<BunSocket> = {
      open(socket) {
        const wrapped = new BunSocket(socket, highWaterMark);
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
        hostname: request.hostname,
        port: request.port,
        allowHalfOpen: true,
        ipv6Only: request.ipv6Only,
        socket: handler,
      };
      const listener = Bun.listen<BunSocket>(options);
      return Promise.resolve(new BunListener(listener, request));
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(request)));
    }
  },
};

class BunListener implements TransportListener {
  readonly address: TransportListener["address"];
  readonly #listener: TCPSocketListener<BunSocket>;
  #stopped = false;

  constructor(listener: TCPSocketListener<BunSocket>, request: ListenRequest) {
    this.#listener = listener;
    this.address = { transport: "tcp", hostname: request.hostname, port: listener.port, family: request.family };
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
