import {
  formatAddress,
  TcpEchoError,
  type UdpAddress,
  type UdpFactory,
  type UdpOptions,
  type UdpTransport,
} from "@tcp-echo/core";
import {
  type DatagramEvents,
  type DatagramSettings,
  type DatagramSocket,
  SendBudget,
  type UdpAdapter,
  udpAddress,
  udpTransport,
} from "@tcp-echo/core/transport";
import { isClosedResource, mapListenError } from "./errors.ts";
import { denoRuntime } from "./tcp.ts";

// https://docs.deno.com/api/deno/~/Deno.DatagramConn: unstable, so absent from the deno.window
// types; this is the part the adapter uses.
interface DatagramConn {
  readonly addr: Deno.Addr;
  receive(buffer: Uint8Array): Promise<[Uint8Array, Deno.Addr]>;
  send(data: Uint8Array, to: Deno.NetAddr): Promise<number>;
  close(): void;
}

type ListenDatagram = (options: { transport: "udp"; hostname: string; port: number }) => DatagramConn;

/** More than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so none is cut short. */
const DATAGRAM_BYTES = 65_536;

/** What a read reports for one earlier datagram (an ICMP error, or no buffer for one): the socket reads on. */
const DATAGRAM_ERRORS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EMSGSIZE",
  "ENOBUFS",
]);

const ICMP_ERRORS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
]);

/** An ICMP error for an earlier reply, which the kernel reports on the next read: a send error. */
function isIcmpError(error: unknown): boolean {
  if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.ConnectionReset) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && ICMP_ERRORS.has(code);
}

function isDatagramError(error: unknown): boolean {
  if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.ConnectionReset) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && DATAGRAM_ERRORS.has(code);
}

// Deno's receive() fills a buffer the caller provides, and send() reads its bytes in an op that
// finishes later. The echo sends the datagram straight from the read buffer, so the socket awaits
// that send before it reads into the buffer again: the loop a user writes, with no promise of its
// own per datagram. A datagram the core keeps leaves the buffer to the core, and a fresh one
// takes its place; any other send from the buffer (a handler answering twice) is awaited the same
// way before the next read. A paused socket stops reading; close() ends the read under way.
class DenoDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly address: UdpAddress;
  readonly #conn: DatagramConn;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #budget: SendBudget;
  readonly #reading: Promise<void>;
  #buffer = new Uint8Array(DATAGRAM_BYTES);
  /** The first send from the read buffer since the last read, which the loop awaits. */
  #lent: Promise<number> | undefined;
  #lentTo: UdpAddress | undefined;
  #lentSize = 0;
  /** Other sends from the read buffer not settled yet. */
  #sending = 0;
  #paused = false;
  #closed = false;
  #wake: (() => void) | undefined;
  /** The callback for a send of the core's own bytes, from elsewhere than the read buffer. */
  readonly #released = (sent: number): void => this.#budget.release(sent);
  /** The callback for a further send from the read buffer. */
  readonly #settled = (sent: number): void => {
    this.#sending -= 1;
    if (this.#sending === 0) this.#wakeUp();
    this.#budget.release(sent);
  };

  constructor(conn: DatagramConn, settings: DatagramSettings, events: DatagramEvents<UdpAddress>) {
    const addr = conn.addr as Deno.NetAddr;
    this.#conn = conn;
    this.address = udpAddress(addr.hostname, addr.port);
    this.#events = events;
    this.#budget = new SendBudget(settings.highWaterMark, () => {
      if (!this.#closed) events.onWritable();
    });
    this.#reading = this.#readLoop();
  }

  send(data: Uint8Array, recipient: UdpAddress): boolean {
    if (this.#closed) return true;
    const size = data.byteLength;
    const sending = this.#conn.send(data, recipient);
    const fromBuffer = data.buffer === this.#buffer.buffer;
    if (fromBuffer && this.#lent === undefined) {
      this.#lent = sending;
      this.#lentTo = recipient;
      this.#lentSize = size;
    } else {
      if (fromBuffer) this.#sending += 1;
      const settled = fromBuffer ? this.#settled : this.#released;
      sending.then(settled, (error: unknown) => {
        if (!this.#closed) this.#events.onSendError(error as Error, recipient);
        settled(size);
      });
    }
    return this.#budget.take(size);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wakeUp();
  }

  close(): Promise<void> {
    this.#shut();
    return this.#reading;
  }

  async #readLoop(): Promise<void> {
    const events = this.#events;
    let failure: Error | undefined;
    while (!this.#closed) {
      const lent = this.#lent;
      if (lent !== undefined) {
        const size = this.#lentSize;
        try {
          await lent;
        } catch (error) {
          if (!this.#closed) events.onSendError(error as Error, this.#lentTo);
        }
        this.#lent = undefined;
        this.#lentTo = undefined;
        this.#budget.release(size);
        continue;
      }
      if (this.#paused || this.#sending > 0) {
        await this.#sleep();
        continue;
      }
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#conn.receive(this.#buffer);
      } catch (error) {
        if (this.#closed || isClosedResource(error)) break;
        if (isDatagramError(error)) {
          if (isIcmpError(error)) events.onSendError(error as Error, undefined);
          else events.onReceiveError(error as Error, undefined);
          continue;
        }
        failure = error as Error;
        break;
      }
      if (this.#closed) break;
      const [data, from] = received;
      const sender = from as Deno.NetAddr;
      if (events.onMessage(data, udpAddress(sender.hostname, sender.port))) {
        this.#buffer = new Uint8Array(DATAGRAM_BYTES);
      }
    }
    this.#shut();
    events.onClose(failure);
  }

  #shut(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#wakeUp();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const adapter: UdpAdapter = {
  runtime: denoRuntime.runtime,
  unsupported: {
    ipv6Only: "Deno.listenDatagram has no IPV6_V6ONLY option: '::' is dual-stack where the system makes it so",
  },
  // https://docs.deno.com/api/deno/~/Deno.listenDatagram
  open(target, settings, events) {
    const description = formatAddress({ ...target, transport: "udp" });
    const listenDatagram = (Deno as unknown as { listenDatagram?: ListenDatagram }).listenDatagram;
    if (typeof listenDatagram !== "function") {
      const remedy = '(deno run --unstable-net ..., or "unstable": ["net"] in deno.json)';
      const message = `Cannot listen on ${description}: UDP on Deno needs the --unstable-net flag ${remedy}`;
      return Promise.reject(new TcpEchoError("ERR_LISTEN_FAILED", message));
    }
    let conn: DatagramConn;
    try {
      conn = listenDatagram({ transport: "udp", hostname: target.hostname, port: target.port });
    } catch (error) {
      return Promise.reject(mapListenError(error, description));
    }
    return Promise.resolve(new DenoDatagramSocket(conn, settings, events));
  },
};

/**
 * UDP over `Deno.listenDatagram`: the transport to hand `serveDatagrams()` on Deno. Deno 2 has
 * UDP only behind `--unstable-net`; without it the bind fails with `ERR_LISTEN_FAILED`, saying
 * so. Each reply needs network permission for its sender's address: under
 * `--allow-net=127.0.0.1:7007` every reply fails, and is counted as a send error.
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve UDP echo with Deno
 * ```ts ignore
 * // ignore: binds a socket, and needs --unstable-net.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/deno";
 *
 * const server = await serveDatagrams(udp(), { host: "127.0.0.1", port: 7007 });
 * Deno.addSignalListener("SIGINT", () => server.close());
 * ```
 */
export const udp: UdpFactory = (options?: UdpOptions): UdpTransport => udpTransport(adapter, options);
