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
  ReceiveWidth,
  SendBudget,
  SenderAddresses,
  type UdpAdapter,
  udpAddress,
  udpTransport,
} from "@tcp-echo/core/transport";
import { DatagramReader } from "./datagram-reader.ts";
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

/**
 * Receives kept waiting at most, each into a buffer of its own (64 KiB each, made when first
 * used); {@link ReceiveWidth} decides how many the load calls for. On the 100-source burst
 * (`udp-64-100s-k16`), against one receive: two gave 115% of the throughput at 63% of the p99,
 * four 4% more again; four at all times cost the one-datagram ping-pong 11% (10 pairs each).
 */
const MAX_READERS = 4;

// Deno's receive() fills a buffer the caller provides, and send() reads its bytes in an op that
// finishes later. The echo sends the datagram straight from the read buffer, so each reader
// awaits that send before it reads into its buffer again: the loop a user writes, with no
// promise of its own per datagram, run by as many readers as the load calls for. A datagram the
// core keeps leaves the buffer to the core, and a fresh one takes its place; any other send from
// the buffer (a handler answering twice) is awaited the same way before the next read. A paused
// socket stops reading; close() ends the reads under way.
class DenoDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly address: UdpAddress;
  readonly #conn: DatagramConn;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #budget: SendBudget;
  readonly #readers: DatagramReader[] = [];
  readonly #width = new ReceiveWidth({ max: MAX_READERS });
  readonly #senders = new SenderAddresses();
  readonly #reading: Promise<void>;
  #running = 0;
  #allStopped: (() => void) | undefined;
  /** The reader whose datagram the core holds, during onMessage only. */
  #current: DatagramReader | undefined;
  /** Whether a receive has completed in this event-loop turn already. */
  #inTurn = false;
  readonly #endTurn = (): void => {
    this.#inTurn = false;
  };
  #paused = false;
  #closed = false;
  #failure: Error | undefined;
  /** The callback for a send of the core's own bytes, from elsewhere than a read buffer. */
  readonly #released = (sent: number): void => this.#budget.release(sent);

  constructor(conn: DatagramConn, settings: DatagramSettings, events: DatagramEvents<UdpAddress>) {
    const addr = conn.addr as Deno.NetAddr;
    this.#conn = conn;
    this.address = udpAddress(addr.hostname, addr.port);
    this.#events = events;
    this.#budget = new SendBudget(settings.highWaterMark, () => {
      if (!this.#closed) events.onWritable();
    });
    for (let i = 0; i < MAX_READERS; i++) this.#readers.push(new DatagramReader(this.#budget));
    this.#reading = new Promise<void>((resolve) => {
      this.#allStopped = resolve;
    }).then(() => events.onClose(this.#failure));
    this.#start();
  }

  send(data: Uint8Array, recipient: UdpAddress): boolean {
    if (this.#closed) return true;
    const size = data.length;
    const sending = this.#conn.send(data, recipient);
    const reader = this.#current;
    const fromBuffer = reader !== undefined && data.buffer === reader.buffer?.buffer;
    if (fromBuffer && reader.lent === undefined) {
      reader.lent = sending;
      reader.lentTo = recipient;
      reader.lentSize = size;
    } else {
      if (fromBuffer) reader.sending += 1;
      const settled = fromBuffer ? reader.settled : this.#released;
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
    for (const reader of this.#readers) reader.wakeUp();
  }

  close(): Promise<void> {
    this.#shut();
    return this.#reading;
  }

  /** Starts the readers the width wants that are not running. */
  #start(): void {
    const wanted = this.#width.wanted;
    for (const reader of this.#readers) {
      if (this.#running >= wanted) return;
      if (reader.running) continue;
      reader.running = true;
      this.#running += 1;
      void this.#readLoop(reader);
    }
  }

  async #readLoop(reader: DatagramReader): Promise<void> {
    const events = this.#events;
    const width = this.#width;
    reader.buffer ??= new Uint8Array(DATAGRAM_BYTES);
    while (!this.#closed) {
      const lent = reader.lent;
      if (lent !== undefined) {
        try {
          await lent;
        } catch (error) {
          if (!this.#closed) events.onSendError(error as Error, reader.lentTo);
        }
        reader.lent = undefined;
        reader.lentTo = undefined;
        this.#budget.release(reader.lentSize);
        continue;
      }
      if (this.#paused || reader.sending > 0) {
        await reader.sleep();
        continue;
      }
      // More readers than the load calls for: this one stops, with nothing of its own in flight.
      // Whichever completes first stops, not the one a narrower width would leave out: a waiting
      // receive cannot be called off, and the first reader may win every race for a datagram.
      if (this.#running > width.wanted) break;
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#conn.receive(reader.buffer);
      } catch (error) {
        if (this.#closed || isClosedResource(error)) break;
        if (isDatagramError(error)) {
          if (isIcmpError(error)) events.onSendError(error as Error, undefined);
          else events.onReceiveError(error as Error, undefined);
          continue;
        }
        this.#failure ??= error as Error;
        this.#shut();
        break;
      }
      if (this.#closed) break;
      if (width.completed(this.#firstInTurn(width.wanted))) this.#start();
      const [data, from] = received;
      const sender = from as Deno.NetAddr;
      this.#current = reader;
      const kept = events.onMessage(data, this.#senders.of(sender.hostname, sender.port));
      this.#current = undefined;
      if (kept) reader.buffer = new Uint8Array(DATAGRAM_BYTES);
    }
    reader.running = false;
    this.#running -= 1;
    if (this.#closed && this.#running === 0) this.#allStopped?.();
  }

  /**
   * Whether this completion is the first of its event-loop turn. Deno settles the receives that
   * completed together in one go, before any microtask runs, so a microtask queued by the first
   * runs after the others have: until it does, a completion shares the first one's turn. At
   * width one there is nothing to tell apart, and no microtask is queued.
   */
  #firstInTurn(wanted: number): boolean {
    if (wanted === 1 && this.#running === 1) return true;
    if (this.#inTurn) return false;
    this.#inTurn = true;
    queueMicrotask(this.#endTurn);
    return true;
  }

  #shut(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    for (const reader of this.#readers) reader.wakeUp();
    if (this.#running === 0) this.#allStopped?.();
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
