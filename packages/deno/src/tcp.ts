import { formatAddress, type TcpAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import {
  type AcceptSink,
  readDescriptors,
  type StreamListener,
  type TcpAdapter,
  tcpTransport,
} from "@tcp-echo/core/transport";
import { denoAddress } from "./address.ts";
import { isClosedResource, mapListenError } from "./errors.ts";
import { assertDeno } from "./runtime.ts";
import { primeSignals } from "./signals.ts";
import { DenoSocket } from "./socket.ts";

const MAX_ACCEPT_BACKOFF_MS = 1000;

// Deno lets only --allow-all read /proc/self; without it there is no budget and no default
// connection limit. The permission query keeps Deno from prompting for it.
const files = {
  readFileSync: (path: string) => Deno.readTextFileSync(path),
  readdirSync: (path: string) => Array.from(Deno.readDirSync(path)),
};

const adapter: TcpAdapter = {
  runtime: assertDeno(),
  unsupported: {
    reuseAddressOff: "Deno.listen always sets SO_REUSEADDR and has no option to leave it off",
    ipv6Only: "Deno.listen has no IPV6_V6ONLY option: '::' is dual-stack where the system makes it so",
    reset: "Deno.Conn has no SO_LINGER: close() sends a FIN unless unread data remains",
  },
  descriptors: () =>
    Deno.permissions.querySync({ name: "read", path: "/proc/self" }).state === "granted"
      ? readDescriptors(files)
      : undefined,
  // https://docs.deno.com/api/deno/~/Deno.listen
  listen(target, settings, sink) {
    primeSignals();
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        transport: "tcp",
        hostname: target.hostname,
        port: target.port,
        tcpBacklog: settings.backlog,
      });
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(target)));
    }
    return Promise.resolve(new DenoListener(listener, target.noDelay, sink));
  },
};

/**
 * TCP over `Deno.listen`: the transport to hand `serve()` or `createListener()` on Deno.
 *
 * @param options Socket options: `noDelay` (default true).
 * @returns The transport.
 *
 * @example Serve echo with Deno
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/deno";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 7007 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tcp: TcpFactory = (options?: TcpOptions): TcpTransport => tcpTransport(adapter, options);

class DenoListener implements StreamListener<TcpAddress> {
  readonly address: TcpAddress;
  readonly #listener: Deno.TcpListener;
  readonly #accepting: Promise<void>;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(listener: Deno.TcpListener, noDelay: boolean, sink: AcceptSink<TcpAddress>) {
    this.#listener = listener;
    this.address = denoAddress(listener.addr);
    this.#accepting = this.#acceptLoop(noDelay, sink);
  }

  // The listener's async iterator ends for good on an accept error such as EMFILE: accept()
  // in a loop keeps going, backing off while descriptors are exhausted.
  async #acceptLoop(noDelay: boolean, sink: AcceptSink<TcpAddress>): Promise<void> {
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
      const socket = new DenoSocket(conn);
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
