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

/** Which of the two read buffers. */
type Slot = 0 | 1;

// Deno's receive() fills a buffer the caller provides, and send() reads its bytes in an op that
// may finish later. Two buffers take turns: the socket reads into one while the echoes of the
// datagram in the other are still being sent, and reads into a buffer again only once every send
// from it has settled, so a lent datagram (the echo sends the datagram itself) is never read over
// while it is being sent. A datagram the core keeps leaves its buffer to the core, and a fresh one
// takes its place. A paused socket stops reading; close() ends the read under way, which rejects.
class DenoDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly address: UdpAddress;
  readonly #conn: DatagramConn;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #budget: SendBudget;
  readonly #reading: Promise<void>;
  readonly #buffers: [Uint8Array, Uint8Array] = [new Uint8Array(DATAGRAM_BYTES), new Uint8Array(DATAGRAM_BYTES)];
  /** The sends not settled yet, from each buffer. */
  readonly #sending: [number, number] = [0, 0];
  /** The buffer the next read fills. */
  #next: Slot = 0;
  #paused = false;
  #closed = false;
  #wake: (() => void) | undefined;
  /** One callback per buffer for its sends: a UDP send takes all its bytes or fails. */
  readonly #settled: [(sent: number) => void, (sent: number) => void] = [
    (sent) => this.#done(0, sent),
    (sent) => this.#done(1, sent),
  ];
  /** The callback for a send of the core's own bytes, from neither buffer. */
  readonly #released = (sent: number): void => this.#budget.release(sent);

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
    // -1: bytes of the core's own (a kept datagram, or any other), which no read will fill again.
    const slot = data.buffer === this.#buffers[0].buffer ? 0 : data.buffer === this.#buffers[1].buffer ? 1 : -1;
    if (slot !== -1) this.#sending[slot] += 1;
    const settled = slot === -1 ? this.#released : this.#settled[slot];
    this.#conn.send(data, recipient).then(settled, (error: unknown) => {
      if (!this.#closed) this.#events.onSendError(error as Error, recipient);
      settled(size);
    });
    return this.#budget.take(size);
  }

  #done(slot: Slot, size: number): void {
    this.#sending[slot] -= 1;
    if (slot === this.#next && this.#sending[slot] === 0) this.#wakeUp();
    this.#budget.release(size);
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
    const buffers = this.#buffers;
    let failure: Error | undefined;
    while (!this.#closed) {
      const slot = this.#next;
      if (this.#paused || this.#sending[slot] > 0) {
        await this.#sleep();
        continue;
      }
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#conn.receive(buffers[slot]);
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
      this.#next = slot === 0 ? 1 : 0;
      if (events.onMessage(data, udpAddress(sender.hostname, sender.port))) {
        buffers[slot] = new Uint8Array(DATAGRAM_BYTES);
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
