import { formatAddress, type Transport, type TransportListener } from "@tcp-echo/core";
import { denoAddress } from "./address.ts";
import { isClosedResource, mapListenError } from "./errors.ts";
import { assertDeno } from "./runtime.ts";
import { primeSignals } from "./signals.ts";
import { DenoSocket } from "./socket.ts";

const runtime = assertDeno();
const MAX_ACCEPT_BACKOFF_MS = 1000;

/**
 * The tcp-echo transport over `Deno.listen`.
 *
 * @example Serve echo with Deno
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { denoTransport } from "@tcp-echo/deno";
 *
 * const server = await serve(denoTransport, { host: "127.0.0.1", port: 7007 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const denoTransport: Transport = {
  runtime,
  unsupported: {
    reuseAddressOff: "Deno.listen always sets SO_REUSEADDR and has no option to leave it off",
    ipv6Only: "Deno.listen has no IPV6_V6ONLY option: '::' is dual-stack where the system makes it so",
    reset: "Deno.Conn has no SO_LINGER: close() sends a FIN unless unread data remains",
  },
  // https://docs.deno.com/api/deno/~/Deno.listen
  listen(request, sink) {
    primeSignals();
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        transport: "tcp",
        hostname: request.hostname,
        port: request.port,
        tcpBacklog: request.backlog,
      });
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(request)));
    }
    return Promise.resolve(new DenoListener(listener, request.highWaterMark, request.noDelay, sink));
  },
};

class DenoListener implements TransportListener {
  readonly address: TransportListener["address"];
  readonly #listener: Deno.TcpListener;
  readonly #accepting: Promise<void>;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(
    listener: Deno.TcpListener,
    highWaterMark: number,
    noDelay: boolean,
    sink: Parameters<Transport["listen"]>[1],
  ) {
    this.#listener = listener;
    this.address = denoAddress(listener.addr);
    this.#accepting = this.#acceptLoop(highWaterMark, noDelay, sink);
  }

  // The listener's async iterator ends for good on an accept error such as EMFILE: accept()
  // in a loop keeps going, backing off while descriptors are exhausted.
  async #acceptLoop(highWaterMark: number, noDelay: boolean, sink: Parameters<Transport["listen"]>[1]): Promise<void> {
    let backoff = 0;
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        backoff = 0;
      } catch (error) {
        if (this.#closed || isClosedResource(error)) return;
        sink.acceptError(error as Error);
        backoff = Math.min(MAX_ACCEPT_BACKOFF_MS, backoff === 0 ? 10 : backoff * 2);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
        continue;
      }
      if (noDelay) conn.setNoDelay(true);
      const socket = new DenoSocket(conn, highWaterMark);
      socket.start(sink.connection(socket));
    }
  }

  // Deno releases the port only once the pending accept() has been cancelled: until then a
  // client still connects (and is reset), and the port cannot be listened on again.
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#listener.close();
      this.#wake?.();
    }
    return this.#accepting;
  }
}
