import { formatAddress, type UdpAddress, type UdpFactory, type UdpOptions, type UdpTransport } from "@tcp-echo/core";
import {
  type DatagramEvents,
  type DatagramSocket,
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

// https://bun.com/reference/bun/udp
// Bun sets IP_RECVERR on UDP sockets, so an ICMP error (a port unreachable from a sender that has
// gone) is reported twice: once as the error pending on the socket, which fails the next read or
// makes the next send() throw, whichever comes first, and once from the error queue, with
// `errqueue: true`. The queue's copy is counted; a send() that threw the pending one sent
// nothing, so it is sent again.
// send() returns false when the kernel is full and sends nothing; `drain` follows. The socket
// queues from then on and sends the queue in `drain`, in order. Bun hands each datagram over in a
// Buffer of its own, so a queued echo need not be copied. Bun.udpSocket cannot stop reading: a
// paused socket reads on and drops what arrives, as the kernel would once its buffer filled.
class BunDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly #hostname: string;
  readonly #events: DatagramEvents<UdpAddress>;
  #socket: Socket | undefined;
  #address: UdpAddress;
  /** Datagrams and recipients not sent yet, from `#head` on: two entries a datagram. */
  readonly #queue: (Uint8Array | UdpAddress)[] = [];
  #head = 0;
  #paused = false;
  #closed = false;

  constructor(hostname: string, events: DatagramEvents<UdpAddress>) {
    this.#hostname = hostname;
    this.#address = udpAddress(hostname, 0);
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
    if (this.#head === this.#queue.length) {
      // #trySend() written out: this runs once a datagram.
      try {
        if ((this.#socket as Socket).send(data, recipient.port, recipient.hostname)) return true;
      } catch {
        if (this.#retry(data, recipient)) return true;
      }
    }
    this.#queue.push(data, recipient);
    return false;
  }

  /**
   * Sends again after send() threw the error pending from an earlier datagram (the error queue
   * reports that one).
   * @returns false when Bun is full and sent nothing; a failure is reported and counts as sent.
   */
  #retry(data: Uint8Array, recipient: UdpAddress): boolean {
    try {
      return (this.#socket as Socket).send(data, recipient.port, recipient.hostname);
    } catch (error) {
      this.#events.onSendError(error as Error, recipient);
      return true;
    }
  }

  /** @returns false when Bun is full and sent nothing; a failure is reported and counts as sent. */
  #trySend(data: Uint8Array, recipient: UdpAddress): boolean {
    try {
      return (this.#socket as Socket).send(data, recipient.port, recipient.hostname);
    } catch {
      return this.#retry(data, recipient);
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
      this.#queue.length = 0;
      this.#socket?.close();
      this.#events.onClose();
    }
    return Promise.resolve();
  }

  // Bun's callbacks.

  onData(data: Uint8Array, port: number, hostname: string, flags: BunUdp.ReceiveFlags | undefined): void {
    if (this.#paused || this.#closed) return;
    const sender = udpAddress(hostname, port);
    if (flags?.truncated) {
      this.#events.onReceiveError(new Error(`a datagram from ${formatAddress(sender)} was cut short`), sender);
      return;
    }
    this.#events.onMessage(data, sender);
  }

  onDrain(): void {
    const queue = this.#queue;
    if (this.#closed || this.#head === queue.length) return;
    while (this.#head < queue.length) {
      if (!this.#trySend(queue[this.#head] as Uint8Array, queue[this.#head + 1] as UdpAddress)) return;
      this.#head += 2;
    }
    queue.length = 0;
    this.#head = 0;
    this.#events.onWritable();
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
  open(target, _settings, events) {
    const description = formatAddress({ ...target, transport: "udp" });
    const wrapped = new BunDatagramSocket(target.hostname, events);
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
