import { formatAddress, type UdpAddress, type UdpFactory, type UdpOptions, type UdpTransport } from "@tcp-echo/core";
import {
  type DatagramEvents,
  type DatagramSettings,
  type DatagramSocket,
  SenderAddresses,
  type UdpAdapter,
  udpAddress,
  udpTransport,
} from "@tcp-echo/core/transport";
import type { udp as BunUdp } from "bun";
import { mapListenError } from "./errors.ts";
import { bunRuntime } from "./tcp.ts";

type Socket = BunUdp.Socket<"buffer">;

/** The errors an ICMP message leaves pending on the socket, which Bun also reads from the error queue. */
const ICMP_ERRORS: ReadonlySet<string> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EMSGSIZE"]);

/** Datagrams handed to Bun in one sendMany() at most: Bun reads up to 1,024 in one recvmmsg(). */
const MAX_BATCH = 1024;

/** While sending one datagram a turn, one send in this many looks at how many the turn brings. */
const PROBE_EVERY = 64;

/** Turns in a row with one datagram each that end batching. */
const LONE_TURNS = 8;

// https://bun.com/reference/bun/udp
// Two ways to send. One datagram a turn of the event loop (a ping-pong) goes straight to Bun's
// send(). Several a turn (a burst from many senders, read together by one recvmmsg()) are
// batched: send() keeps them, and the batch goes to Bun's sendMany(), one sendmmsg(2), from
// setImmediate(), which runs once the turn's I/O callbacks are done. One syscall a batch rather
// than one a datagram cut the CPU per datagram of a 100-source burst to about three quarters of
// a raw send()-per-datagram echo's; an immediate a datagram cost a ping-pong about 8%
// (docs/performance.md). So the socket batches from the first turn that brings two datagrams
// (one send in PROBE_EVERY schedules an immediate to count them) until LONE_TURNS turns in a row
// bring one each. Bun's own datagram Buffers are kept, not copied.
// send() returns false, and sendMany() a count short of the batch, when the kernel is full
// (`drain` follows) or when a datagram failed; what is left is kept and sent in order. Bun sets
// IP_RECVERR on UDP sockets, so an ICMP error (a port unreachable from a sender that has gone)
// is reported twice: once as the error pending on the socket, which fails the next read or
// send, whichever comes first, and once from the error queue, with `errqueue: true`. The
// queue's copy is counted; the datagram whose send met the pending one is sent again. Both
// calls throw when the first datagram fails. Bun.udpSocket cannot stop reading: a paused socket
// reads on and drops what arrives, as the kernel would once its buffer filled.
class BunDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly #hostname: string;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #highWaterMark: number;
  #socket: Socket | undefined;
  #address: UdpAddress;
  readonly #senders = new SenderAddresses();
  /** Datagrams not handed to Bun yet, as sendMany() takes them: datagram, port, host. */
  readonly #batch: (Uint8Array | number | string)[] = [];
  /** Bytes in `#batch`. */
  #batchBytes = 0;
  #flushScheduled = false;
  /** The kernel took part of the batch: the rest waits for `drain`. */
  #waitingForDrain = false;
  /** send() returned false: onWritable() is owed once the batch is out. */
  #full = false;
  #paused = false;
  #closed = false;
  /** Whether send() batches: see above. */
  #batching = false;
  /** Turns in a row whose batch held one datagram. */
  #loneTurns = 0;
  /** Datagrams sent straight to Bun. */
  #directSends = 0;
  /** `#directSends` when the last probe was scheduled. */
  #probedAt = 0;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#waitingForDrain) return;
    // One datagram left is a lone turn; none left means a full batch already went (MAX_BATCH).
    if (this.#batch.length !== 3) this.#loneTurns = 0;
    else if (++this.#loneTurns === LONE_TURNS) {
      this.#batching = false;
      this.#loneTurns = 0;
    }
    this.#sendBatch();
  };
  /** A probe's end: more sends since it was scheduled means several datagrams that turn. */
  readonly #probed = (): void => {
    if (this.#directSends !== this.#probedAt) this.#batching = true;
  };

  constructor(hostname: string, settings: DatagramSettings, events: DatagramEvents<UdpAddress>) {
    this.#hostname = hostname;
    this.#address = udpAddress(hostname, 0);
    this.#highWaterMark = settings.highWaterMark;
    this.#events = events;
  }

  /** Wires the bound socket; called before any of Bun's callbacks can run. */
  start(socket: Socket): this {
    this.#socket = socket;
    this.#address = udpAddress(this.#hostname, socket.port);
    return this;
  }

  get address(): UdpAddress {
    return this.#address;
  }

  send(data: Uint8Array, recipient: UdpAddress): boolean {
    if (this.#closed) return true;
    if (this.#batching || this.#batch.length !== 0) return this.#keep(data, recipient);
    if (++this.#directSends % PROBE_EVERY === 0) {
      this.#probedAt = this.#directSends;
      setImmediate(this.#probed);
    }
    const socket = this.#socket as Socket;
    try {
      if (socket.send(data, recipient.port, recipient.hostname)) return true;
    } catch {
      // The error pending from an earlier datagram (the error queue reports that one): once more.
      try {
        if (socket.send(data, recipient.port, recipient.hostname)) return true;
      } catch (error) {
        this.#events.onSendError(error as Error, recipient);
        return true;
      }
    }
    this.#waitingForDrain = true;
    return this.#keep(data, recipient);
  }

  /** Adds a datagram to the batch. @returns false when the batch holds the high-water mark or more. */
  #keep(data: Uint8Array, recipient: UdpAddress): boolean {
    const batch = this.#batch;
    batch.push(data, recipient.port, recipient.hostname);
    this.#batchBytes += data.length;
    if (!this.#waitingForDrain) {
      if (batch.length >= MAX_BATCH * 3) this.#sendBatch();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    }
    if (this.#batchBytes < this.#highWaterMark) return true;
    this.#full = true;
    return false;
  }

  /** Hands the batch to Bun; what the kernel cannot take yet stays for `drain`. */
  #sendBatch(): void {
    const batch = this.#batch;
    const socket = this.#socket as Socket;
    let failed = false;
    while (batch.length > 0 && !this.#closed) {
      let sent: number;
      try {
        sent = socket.sendMany(batch);
      } catch (error) {
        // The first datagram met the error pending from an earlier one and was not sent: once
        // more. Failing again, the failure is its own: reported, and the datagram dropped.
        if (!failed) {
          failed = true;
          continue;
        }
        this.#events.onSendError(error as Error, udpAddress(batch[2] as string, batch[1] as number));
        sent = 1;
      }
      failed = false;
      if (sent * 3 === batch.length) break;
      if (sent === 0) {
        this.#waitingForDrain = true;
        return;
      }
      // Stopped at a full kernel or at an error: what is left is tried at once.
      for (let i = 0; i < sent * 3; i += 3) this.#batchBytes -= (batch[i] as Uint8Array).length;
      batch.splice(0, sent * 3);
    }
    batch.length = 0;
    this.#batchBytes = 0;
    if (this.#full && !this.#closed) {
      this.#full = false;
      this.#events.onWritable();
    }
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#batch.length = 0;
      this.#batchBytes = 0;
      this.#socket?.close();
      this.#events.onClose();
    }
    return Promise.resolve();
  }

  // Bun's callbacks.

  onData(data: Uint8Array, port: number, hostname: string, flags: BunUdp.ReceiveFlags | undefined): void {
    if (this.#paused || this.#closed) return;
    const sender = this.#senders.of(hostname, port);
    if (flags?.truncated) {
      this.#events.onReceiveError(new Error(`a datagram from ${formatAddress(sender)} was cut short`), sender);
      return;
    }
    this.#events.onMessage(data, sender);
  }

  onDrain(): void {
    if (this.#closed || !this.#waitingForDrain) return;
    this.#waitingForDrain = false;
    this.#sendBatch();
  }

  onError(error: unknown): void {
    if (this.#closed) return;
    const { code, syscall, errqueue } = (error ?? {}) as { code?: unknown; syscall?: unknown; errqueue?: unknown };
    // Thrown by the core's onMessage (the handler threw): an uncaught exception, as on Node.js.
    if (typeof syscall !== "string") throw error;
    if (errqueue !== true && syscall === "recv" && typeof code === "string" && ICMP_ERRORS.has(code)) return;
    this.#events.onSendError(error as Error, undefined);
  }
}

const adapter: UdpAdapter = {
  runtime: bunRuntime.runtime,
  unsupported: {
    ipv6Only: "Bun.udpSocket has no ipv6Only option: '::' is dual-stack where the system makes it so",
  },
  open(target, settings, events) {
    const description = formatAddress({ ...target, transport: "udp" });
    const wrapped = new BunDatagramSocket(target.hostname, settings, events);
    const handler: BunUdp.SocketHandler<"buffer"> = {
      data: (_socket, data, port, hostname, flags) => wrapped.onData(data, port, hostname, flags),
      drain: () => wrapped.onDrain(),
      // Bun calls error(error) with the socket as `this`, not error(socket, error) as bun-types says.
      error: (...args: unknown[]) => wrapped.onError(args.length > 1 ? args[1] : args[0]),
    };
    try {
      // https://bun.com/docs/api/udp
      return Bun.udpSocket({ hostname: target.hostname, port: target.port, socket: handler }).then(
        (socket) => wrapped.start(socket),
        (error: unknown) => Promise.reject(mapListenError(error, description)),
      );
    } catch (error) {
      return Promise.reject(mapListenError(error, description));
    }
  },
};

/**
 * UDP over `Bun.udpSocket`: the transport to hand `serveDatagrams()` on Bun.
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve UDP echo with Bun
 * ```ts ignore
 * // ignore: binds a socket.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/bun";
 *
 * const server = await serveDatagrams(udp(), { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.close());
 * ```
 */
export const udp: UdpFactory = (options?: UdpOptions): UdpTransport => udpTransport(adapter, options);
