/**
 * The datagram family's contract (UDP): designed beside the stream family so the two share
 * their words and lifecycle. A transport is `socket(2)` for one kind of address, `bind()`
 * validates without I/O, the binding's `open()` binds; then datagrams arrive one at a time with
 * their sender's address, and `send()` answers with backpressure. There is no accept, no
 * connection, and nothing to drain at shutdown: `close()` is immediate.
 *
 * Lent datagrams: `onMessage` returns whether the core kept the bytes; when it returns false
 * they were only borrowed, and the adapter may reuse their memory once every `send()` made
 * during the call has let go of its bytes (the adapter's own sends: it knows when).
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import type { RuntimeInfo, Unsupported } from "./capability.ts";

/** What the core asks of a datagram socket when it opens one. */
export interface DatagramSettings {
  /** Bytes of replies the socket may hold unsent before `send()` reports backpressure. */
  readonly highWaterMark: number;
}

/** The callbacks the core implements for a datagram socket; the adapter calls them. */
export interface DatagramEvents<A extends SocketAddress = SocketAddress> {
  /**
   * One whole datagram arrived from `sender` (an empty datagram is a datagram: `data` may be
   * empty). Never part of one: a datagram the runtime had to truncate is reported as an error.
   * `sender` is never changed afterwards; consecutive datagrams from one address may share it
   * (the adapters make it with `SenderAddresses`).
   * @returns true when the core keeps `data`; false when it was only borrowed.
   */
  onMessage(data: Uint8Array, sender: A): boolean;
  /** `send()` returned false earlier and the runtime can take more now. */
  onWritable(): void;
  /**
   * Sending one datagram failed (`ENOBUFS`, `EAGAIN`), now or later: an ICMP port unreachable
   * for an earlier reply surfacing as `ECONNREFUSED` counts here too, wherever the runtime
   * reports it. The socket keeps going: the core counts these, it does not close.
   */
  onSendError(error: Error, recipient: A | undefined): void;
  /**
   * Receiving one datagram failed (a datagram the runtime had to truncate, a read error that
   * leaves the socket usable). The socket keeps going; the core counts these.
   */
  onReceiveError(error: Error, sender: A | undefined): void;
  /** The socket closed; called once. `error` when it failed. */
  onClose(error?: Error): void;
}

/** An open datagram socket: the runtime primitives the core drives. */
export interface DatagramSocket<A extends SocketAddress = SocketAddress> {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly address: A;
  /**
   * Send one datagram to `recipient`.
   * @returns true when the runtime took it; false when it is full: the datagram is kept and
   * sent before any later one, and `onWritable()` follows. Either way the adapter may read
   * `data` until the send completes: the caller does not change it. A send that fails is
   * reported through `onSendError`, never thrown.
   */
  send(data: Uint8Array, recipient: A): boolean;
  /**
   * Stop delivering datagrams: the kernel's buffer fills, then drops; or, where the runtime
   * cannot stop reading (Node.js, Bun), the adapter drops them as they arrive.
   */
  pause(): void;
  /** Deliver datagrams again. */
  resume(): void;
  /** Close at once and release the address; unsent datagrams are dropped. */
  close(): Promise<void>;
}

/** A validated place to bind a datagram socket, made by {@link DatagramTransport.bind}. */
export interface DatagramBinding<A extends SocketAddress = SocketAddress> {
  /** The address as people type it, for messages: `127.0.0.1:7007`. */
  readonly description: string;
  /**
   * Bind and start receiving.
   * @throws {import("../errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
   * `ERR_LISTEN_FAILED`. Rejects rather than throws.
   */
  open(settings: DatagramSettings, events: DatagramEvents<A>): Promise<DatagramSocket<A>>;
}

/**
 * A datagram transport: connectionless sockets of one address type on one runtime, made by an
 * adapter's factory (`udp()`, with the UDP adapters).
 *
 * @typeParam B The bind options.
 * @typeParam A The address type (`UdpAddress` for UDP).
 *
 * @example The shape, with nothing behind it
 * ```ts
 * import type { DatagramTransport } from "@tcp-echo/core/transport";
 * import type { UdpAddress } from "@tcp-echo/core";
 *
 * const refusing: DatagramTransport<{ port?: number }, UdpAddress> = {
 *   kind: "datagram",
 *   name: "udp",
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: {},
 *   bind() {
 *     throw new Error("Cannot bind: the example transport has no sockets");
 *   },
 * };
 * if (refusing.kind !== "datagram") throw new Error("a datagram transport");
 * ```
 */
export interface DatagramTransport<B extends object = object, A extends SocketAddress = SocketAddress> {
  /** The family: `"datagram"`. */
  readonly kind: "datagram";
  /** The transport's name in addresses and logs: `"udp"`. */
  readonly name: string;
  /** The runtime the transport runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability this transport lacks, with the reason. */
  readonly unsupported: Unsupported;
  /**
   * Validate where to bind, without I/O.
   * @throws {import("../errors.ts").TcpEchoError} `ERR_INVALID_ADDRESS`, `ERR_UNKNOWN_OPTION`
   * or `ERR_UNSUPPORTED_OPTION`.
   */
  bind(options: B): DatagramBinding<A>;
}
