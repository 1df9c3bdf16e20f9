import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
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
import { mapListenError } from "./errors.ts";
import { nodeRuntime } from "./tcp.ts";

// https://nodejs.org/api/dgram.html
// dgram has no backpressure signal: send() hands every datagram to libuv, which sends it at once
// when the kernel takes it and queues it otherwise. A send with a callback costs a process.nextTick
// even when it went out at once (10% of the server's time in a burst of small datagrams), so the
// fast path sends without one, as a user would. The price: Node.js reports a fast-path send's
// failure to no one (not even 'error'), so `sendErrors` counts only the sends made past the
// high-water mark. Only those carry a callback; send() says full, and onWritable() follows once
// every one of them has completed, which, the queue being in order, means it has drained. dgram
// cannot stop reading either, so a paused socket reads on and drops what arrives, as the kernel
// would once its buffer filled. Node reads each datagram into a fresh Buffer, which the core may
// keep.
//
// dgram also resolves each send's recipient with its lookup function, dns.lookup by default, which
// answers even an IP literal on the next tick: a closure, a tick and a deferred send per datagram.
// Every address this socket meets is a literal already (the core resolves the bind, the kernel
// names the senders), so its lookup answers at once and a send goes out inside send().
class NodeDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly address: UdpAddress;
  readonly #socket: Socket;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #highWaterMark: number;
  readonly #closed: Promise<void>;
  /** Sends made past the high-water mark, not called back yet. */
  #overflowing = 0;
  #paused = false;
  #closing = false;
  readonly #afterOverflow = (error: Error | null): void => this.#overflowed(error);

  constructor(socket: Socket, address: UdpAddress, settings: DatagramSettings, events: DatagramEvents<UdpAddress>) {
    this.#socket = socket;
    this.address = address;
    this.#events = events;
    this.#highWaterMark = settings.highWaterMark;
    const senders = new SenderAddresses();
    socket.on("message", (data: Buffer, from: RemoteInfo) => {
      if (!this.#paused) events.onMessage(data, senders.of(from.address, from.port));
    });
    // After the bind, 'error' carries failed reads (and a send's, should dgram ever report one
    // there); the socket goes on either way.
    socket.on("error", (error: Error & { syscall?: string; address?: string; port?: number }) => {
      if (this.#closing) return;
      if (error.syscall === "send") events.onSendError(error, recipientOf(error));
      else events.onReceiveError(error, undefined);
    });
    this.#closed = new Promise((resolve) => {
      socket.once("close", () => {
        events.onClose();
        resolve();
      });
    });
  }

  send(data: Uint8Array, recipient: UdpAddress): boolean {
    const socket = this.#socket;
    try {
      if (this.#overflowing === 0 && socket.getSendQueueSize() + data.length <= this.#highWaterMark) {
        socket.send(data, recipient.port, recipient.hostname);
        return true;
      }
      socket.send(data, recipient.port, recipient.hostname, this.#afterOverflow);
    } catch (error) {
      this.#events.onSendError(error as Error, recipient);
      return true;
    }
    this.#overflowing += 1;
    return false;
  }

  #overflowed(error: Error | null): void {
    this.#overflowing -= 1;
    // Closing cancels the sends libuv still holds: nothing failed then.
    if (this.#closing) return;
    if (error !== null) this.#events.onSendError(error, recipientOf(error as { address?: string; port?: number }));
    if (this.#overflowing === 0) this.#events.onWritable();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#socket.close();
    }
    return this.#closed;
  }
}

/**
 * dgram's `lookup` for addresses that are IP literals already: it answers at once.
 * https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback
 */
function literal(
  address: string,
  _options: unknown,
  answer: (error: null, address: string, family: number) => void,
): void {
  answer(null, address, address.includes(":") ? 6 : 4);
}

/** The recipient dgram names in a send error, when it does. */
function recipientOf(error: { address?: string; port?: number }): UdpAddress | undefined {
  return error.address === undefined ? undefined : udpAddress(error.address, error.port);
}

const adapter: UdpAdapter = {
  runtime: nodeRuntime.runtime,
  unsupported: {},
  // https://nodejs.org/api/dgram.html#socketbindoptions-callback
  open(target, settings, events) {
    const socket = createSocket({
      type: target.family === "IPv6" ? "udp6" : "udp4",
      ipv6Only: target.ipv6Only,
      lookup: literal,
    });
    const description = formatAddress({ ...target, transport: "udp" });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        try {
          socket.close();
        } catch {
          // Never bound: nothing to release.
        }
        reject(mapListenError(error, description));
      };
      socket.once("error", failed);
      socket.bind({ address: target.hostname, port: target.port }, () => {
        socket.off("error", failed);
        const address = udpAddress(target.hostname, socket.address().port);
        resolve(new NodeDatagramSocket(socket, address, settings, events));
      });
    });
  },
};

/**
 * UDP over `node:dgram`: the transport to hand `serveDatagrams()` on Node.js.
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve UDP echo with Node.js
 * ```ts ignore
 * // ignore: binds a socket.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/node";
 *
 * const server = await serveDatagrams(udp(), { host: "127.0.0.1", port: 7007 });
 * process.once("SIGINT", () => server.close());
 * ```
 */
export const udp: UdpFactory = (options?: UdpOptions): UdpTransport => udpTransport(adapter, options);
