import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { formatAddress, type UdpAddress, type UdpFactory, type UdpOptions, type UdpTransport } from "@tcp-echo/core";
import {
  type DatagramEvents,
  type DatagramSettings,
  type DatagramSocket,
  SendBudget,
  type UdpAdapter,
  udpAddress,
  udpTransport,
} from "@tcp-echo/core/transport";
import { mapListenError } from "./errors.ts";
import { nodeRuntime } from "./tcp.ts";

/** Drop the sends already called back from the front of the in-flight list once this many pile up. */
const COMPACT_AT = 1024;

// https://nodejs.org/api/dgram.html
// dgram has no backpressure signal: send() hands every datagram to libuv, which queues what the
// kernel does not take at once, and calls back once it is sent (or failed), in the order sent.
// The socket counts the bytes not called back yet: above the high-water mark send() says full
// (the datagram is queued all the same) and onWritable() follows once they are back under it.
// dgram cannot stop reading either, so a paused socket reads on and drops what arrives, as the
// kernel would once its buffer filled. Node reads each datagram into a fresh Buffer, which the
// core may keep.
class NodeDatagramSocket implements DatagramSocket<UdpAddress> {
  readonly address: UdpAddress;
  readonly #socket: Socket;
  readonly #events: DatagramEvents<UdpAddress>;
  readonly #budget: SendBudget;
  readonly #closed: Promise<void>;
  /** Size and recipient of each send not called back yet, from `#head` on: two entries a send. */
  readonly #inFlight: (number | UdpAddress)[] = [];
  #head = 0;
  #paused = false;
  #closing = false;
  /** One callback for every send: the in-flight list says which send it is. */
  readonly #afterSend = (error: Error | null): void => this.#sent(error);

  constructor(socket: Socket, address: UdpAddress, settings: DatagramSettings, events: DatagramEvents<UdpAddress>) {
    this.#socket = socket;
    this.address = address;
    this.#events = events;
    this.#budget = new SendBudget(settings.highWaterMark, () => {
      if (!this.#closing) events.onWritable();
    });
    socket.on("message", (data: Buffer, from: RemoteInfo) => {
      if (!this.#paused) events.onMessage(data, udpAddress(from.address, from.port));
    });
    // After the bind, dgram reports only failed reads here; the socket reads on.
    socket.on("error", (error) => events.onReceiveError(error, undefined));
    this.#closed = new Promise((resolve) => {
      socket.once("close", () => {
        events.onClose();
        resolve();
      });
    });
  }

  send(data: Uint8Array, recipient: UdpAddress): boolean {
    try {
      this.#socket.send(data, recipient.port, recipient.hostname, this.#afterSend);
    } catch (error) {
      this.#events.onSendError(error as Error, recipient);
      return true;
    }
    this.#inFlight.push(data.byteLength, recipient);
    return this.#budget.take(data.byteLength);
  }

  #sent(error: Error | null): void {
    const inFlight = this.#inFlight;
    const size = inFlight[this.#head] as number;
    const recipient = inFlight[this.#head + 1] as UdpAddress;
    this.#head += 2;
    if (this.#head === inFlight.length) {
      inFlight.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT) {
      inFlight.splice(0, this.#head);
      this.#head = 0;
    }
    // Closing cancels the sends libuv still holds: nothing failed then.
    if (error !== null && !this.#closing) this.#events.onSendError(error, recipient);
    this.#budget.release(size);
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

const adapter: UdpAdapter = {
  runtime: nodeRuntime.runtime,
  unsupported: {},
  // https://nodejs.org/api/dgram.html#socketbindoptions-callback
  open(target, settings, events) {
    const socket = createSocket({ type: target.family === "IPv6" ? "udp6" : "udp4", ipv6Only: target.ipv6Only });
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
