/**
 * The stream family's contract (TCP today; unix sockets and TLS next): what an adapter
 * implements to put a runtime's stream sockets under the core's `Listener`, `Connection` and
 * `serve()`, which never see the runtime or the address type's details.
 *
 * The calls follow the sockets API: a transport is `socket(2)` for one kind of address;
 * `bind()` validates and records where to listen (no I/O); the binding's `listen()` binds and
 * listens in one step, since the runtimes do both at once; accepted sockets arrive at the sink.
 *
 * Ownership: the adapter owns the runtime socket and reports `onClose` exactly once, whoever
 * started the close. The core owns everything else: the write queue and its high-water mark,
 * when to pause, resume, half-close, close or reset, limits, timeouts and shutdown.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import type { RuntimeInfo, Unsupported } from "./capability.ts";
import type { Descriptors } from "./descriptors.ts";

/**
 * What the core asks of `listen(2)`, after checking each option against the transport's
 * capabilities.
 */
export interface ListenSettings {
  /** The `listen(2)` backlog. A transport without the `backlog` capability ignores it. */
  readonly backlog: number;
  /**
   * The core's high-water mark per connection. A runtime that buffers writes itself (Node's
   * streams) may size that buffer alike. The core applies the mark to its own queue and to what
   * the socket reports as `buffered`, so where the runtime keeps a larger mark of its own
   * (Node's TLS sockets: 16 KiB on Node 20), backpressure starts at the larger of the two.
   */
  readonly highWaterMark: number;
}

/**
 * The callbacks the core implements for one socket; the adapter calls them.
 *
 * Lent chunks: `onData` returns whether the core kept the chunk. When it returns false, the
 * handler has only borrowed it: the adapter may read into that memory again, or free it, once
 * every byte the connection had accepted for writing when `onData` returned (`bytesAccepted`,
 * read right after the call) has been sent (`bytesSent` reached it). Bytes a handler writes back
 * from a borrowed chunk are sent from that memory, so reusing or freeing it earlier would
 * corrupt them.
 */
export interface SocketEvents {
  /**
   * Bytes arrived.
   * @returns true when the core keeps `chunk` (never reuse its memory); false when it was only
   * borrowed (see above).
   */
  onData(chunk: Uint8Array): boolean;
  /** The peer sent FIN: no more data will arrive. Writing is still allowed. */
  onEnd(): void;
  /**
   * The runtime can take more now: after a `send()` that took fewer bytes than offered, or once
   * the runtime's own buffer (`StreamSocket.buffered`) has emptied after it reported full.
   */
  onWritable(): void;
  /** The socket is closed in both directions; called once. `error` when it failed. */
  onClose(error?: Error): void;
  /** Bytes the connection has accepted for writing so far; all of them reach `send()`, in order. */
  readonly bytesAccepted: number;
  /**
   * Bytes `send()` has reported as taken so far. Taken means the runtime no longer reads the
   * chunk's memory: a runtime that keeps a reference to what it took until it is written (Node's
   * streams) must not reuse read buffers, or must report bytes as taken only once written.
   */
  readonly bytesSent: number;
}

/**
 * One accepted socket: the runtime primitives the core drives. The core calls `send()` with one
 * chunk at a time, in order, never while an earlier send is unfinished; it calls `closeWrite()`
 * or `close()` only once every byte has been sent.
 */
export interface StreamSocket<A extends SocketAddress = SocketAddress> {
  /** The listener's side of the connection. */
  readonly localAddress: A;
  /** The client's side of the connection. */
  readonly remoteAddress: A;
  /**
   * Offer `chunk` to the runtime.
   * @returns How many bytes it took now; fewer than offered means the runtime is full, and
   * the adapter calls `onWritable()` once it can take more. A runtime that takes every byte
   * into a buffer of its own (Node's streams) returns them all and reports that buffer in
   * `buffered`. Or a promise of how many it took, for runtimes whose writes complete later; the
   * core waits for it. -1 once the socket is closed.
   */
  send(chunk: Uint8Array): number | Promise<number>;
  /**
   * Bytes the runtime has taken from `send()` and holds in a buffer of its own, not yet handed
   * to the kernel, while that buffer is past the runtime's own mark; 0 otherwise (Node:
   * `writableLength` once `write()` returned false, until `drain`). The core counts them as
   * unsent: at its high-water mark `write()` returns false, and the adapter calls `onWritable()`
   * once the runtime has emptied that buffer. Reported only past the runtime's mark, so that the
   * runtime owes that signal whenever the core sees them, whatever the two marks are (Node's TLS
   * sockets keep a mark of their own: 16 KiB on Node 20). 0 where the runtime takes only what the kernel
   * takes (Bun) or its sends complete later (Deno).
   */
  readonly buffered: number;
  /**
   * A promise from `send()` settled and the core has counted its bytes (`bytesSent` is current,
   * and anything queued behind it is offered). An adapter that reads again only once its writes
   * are sent (Deno) reads from here, instead of waiting on the same promise a second time; the
   * others do nothing. A socket that wraps another forwards it.
   */
  sendSettled(): void;
  /** Stop reading from the socket, so the kernel's window closes on the peer. */
  pause(): void;
  /** Start reading again. */
  resume(): void;
  /** Half-close: send FIN (`shutdown(SHUT_WR)`) and keep reading. Called once, after the last byte. */
  closeWrite(): void;
  /** Close both directions. Called once, after the last byte. */
  close(): void;
  /**
   * Close at once, dropping what the runtime still holds; a TCP RST where the runtime can.
   * @param cause Why, when a send failed: the adapter reports it in `onClose` unless it only
   * means the socket was already closed.
   */
  reset(cause?: unknown): void;
}

/** What the core gives a listening transport, to deliver accepted sockets and accept failures to. */
export interface AcceptSink<A extends SocketAddress = SocketAddress> {
  /** A socket was accepted. Returns the events the adapter must call for it. */
  connection(socket: StreamSocket<A>): SocketEvents;
  /**
   * Accepting failed (for example `EMFILE`), and the listener keeps going: the adapter retries.
   * Reported so it can be logged.
   */
  acceptError(error: Error): void;
}

/** A listening socket, as the adapter exposes it to the core. */
export interface StreamListener<A extends SocketAddress = SocketAddress> {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly address: A;
  /** Stop accepting and release the address. Accepted sockets are left alone. */
  close(): Promise<void>;
}

/** A validated place to listen, made by {@link StreamTransport.bind}: `bind(2)` without the I/O. */
export interface StreamBinding<A extends SocketAddress = SocketAddress> {
  /** The address as people type it, for messages: `127.0.0.1:7007`. */
  readonly description: string;
  /**
   * Bind and listen.
   * @throws {import("../errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
   * `ERR_LISTEN_FAILED`, mapped from the runtime's error. Rejects rather than throws.
   */
  listen(settings: ListenSettings, sink: AcceptSink<A>): Promise<StreamListener<A>>;
}

/**
 * A stream transport: connection-oriented sockets of one address type on one runtime. Adapters
 * make them with factories (`tcp()` from `@tcp-echo/node`), and `Listener` and `serve()` take
 * any of them.
 *
 * @typeParam B The bind options (`TcpBindOptions` for TCP).
 * @typeParam A The address type (`TcpAddress` for TCP).
 *
 * @example A transport that refuses every bind, to show the shape
 * ```ts
 * import type { StreamTransport } from "@tcp-echo/core/transport";
 *
 * const refusing: StreamTransport<{ name?: string }> = {
 *   kind: "stream",
 *   name: "example",
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: { backlog: "the example transport has no kernel socket" },
 *   bind(options) {
 *     throw new Error(`Cannot bind ${options.name}: the example transport binds nothing`);
 *   },
 * };
 * if (refusing.kind !== "stream") throw new Error("a stream transport");
 * ```
 */
export interface StreamTransport<B extends object = object, A extends SocketAddress = SocketAddress> {
  /** The family: `"stream"` (the datagram family is `"datagram"`). */
  readonly kind: "stream";
  /** The transport's name in addresses and logs: `"tcp"`, `"unix"`, `"tls"`. */
  readonly name: string;
  /** The runtime the transport runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability this transport lacks, with the reason. */
  readonly unsupported: Unsupported;
  /**
   * The process's descriptor budget, from which `serve()` derives its default connection limit;
   * undefined where the runtime cannot tell (see `readDescriptors`).
   */
  descriptors?(): Descriptors | undefined;
  /**
   * Validate where to listen, without I/O: the `bind(2)` step.
   * @throws {import("../errors.ts").TcpEchoError} `ERR_INVALID_ADDRESS` for a bad address,
   * `ERR_UNKNOWN_OPTION` for a key it does not read, `ERR_UNSUPPORTED_OPTION` for an option
   * this runtime cannot honour.
   */
  bind(options: B): StreamBinding<A>;
}
