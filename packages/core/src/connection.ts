/**
 * A connection: one accepted socket with reading (pushed to a handler, or pulled with `read()`),
 * writing with backpressure through the one write queue, half-close and close.
 *
 * @module
 */

import type { SocketAddress } from "./address.ts";
import { TcpEchoError } from "./errors.ts";
import type { Links } from "./open-connections.ts";
import { reportUncaught } from "./report-error.ts";
import type { SocketEvents, StreamSocket } from "./transport/stream.ts";
import { WriteQueue, type WriteQueueOwner } from "./write-queue.ts";

/**
 * The push-style reader of a connection: one object serves every connection, so no closure is
 * made per connection or per chunk. This is the fast form: the adapter's callback reaches
 * `onData` directly.
 *
 * A callback that throws resets its connection, on every runtime: the close reason is
 * `"error"`, and the thrown error is what `closed` resolves with and what `onClose` (and a
 * server's close event) gets. The server goes on. An error thrown by `onClose` itself has no
 * connection left to reset; it is thrown again from a timer, as an uncaught exception.
 *
 * @example Count bytes and discard them
 * ```ts
 * import type { ConnectionHandler } from "@tcp-echo/core";
 *
 * let total = 0;
 * export const discard: ConnectionHandler = {
 *   borrowsChunks: true,
 *   onData(_connection, chunk) {
 *     total += chunk.byteLength;
 *   },
 *   onEnd(connection) {
 *     connection.close();
 *   },
 * };
 * ```
 */
export interface ConnectionHandler<A extends SocketAddress = SocketAddress> {
  /**
   * True when the handler is done with each chunk once `onData` returns, except for what it
   * passed to this connection's `write()`, which the connection holds until sent. The adapter
   * may then read into the same memory again (Deno does) or free it (Bun does, for reads of 16
   * KiB or more: a chunk kept past `onData` is then empty), so a handler that keeps a chunk, or
   * a part of it, for later, or writes it to another connection as a proxy would, must leave
   * this unset and own its chunks.
   */
  readonly borrowsChunks?: boolean;
  /** Bytes arrived. Yours to keep unless `borrowsChunks` is set. */
  onData(connection: Connection<A>, chunk: Uint8Array): void;
  /** The peer half-closed: nothing more will arrive. Without this hook the connection closes. */
  onEnd?(connection: Connection<A>): void;
  /** `write()` returned false earlier and the unsent bytes are now below the high-water mark. */
  onDrain?(connection: Connection<A>): void;
  /** The connection is closed; `error` when it failed (for example reset by the peer). */
  onClose?(connection: Connection<A>, error?: Error): void;
}

/**
 * Why a connection closed, as the server's events report it: `"peer"` (the client ended it),
 * `"error"`, `"local"` (this side, with no reason given), a policy's reason, or any reason a
 * caller passes to `close()` or `reset()`.
 */
export type CloseReason =
  | "peer"
  | "error"
  | "local"
  | "idle-timeout"
  | "max-connections"
  | "shutdown"
  | (string & Record<never, never>);

/**
 * One accepted connection. The listener tracks it until it closes; who accepted it decides
 * when it closes, except that a listener's `shutdown()` resets what is still open at its deadline.
 *
 * Read it in one of two ways, not both: `handle(handler)` (push, the fast path) or `read()` (pull).
 * Data that arrives before either is buffered, up to the high-water mark, then reading pauses.
 *
 * @typeParam A The address type of the transport it came from.
 *
 * @example Echo one message with the pull API
 * ```ts
 * import type { Connection } from "@tcp-echo/core";
 *
 * export async function echoOnce(connection: Connection): Promise<void> {
 *   const chunk = await connection.read();
 *   if (chunk && !connection.write(chunk)) await connection.drained();
 *   connection.close();
 * }
 * ```
 */
export interface Connection<A extends SocketAddress = SocketAddress> extends AsyncDisposable {
  /** A number unique within the process, for logs. */
  readonly id: number;
  /** The listener's side. */
  readonly localAddress: A;
  /** The client's side. */
  readonly remoteAddress: A;
  /** Bytes received so far. */
  readonly bytesRead: number;
  /** Bytes accepted by `write()` so far. */
  readonly bytesWritten: number;
  /**
   * Bytes accepted by `write()` and not yet taken by the runtime, plus those it holds in a
   * buffer of its own while that buffer is past its mark (Node's, once `write()` there returned false).
   */
  readonly unsentBytes: number;
  /** When the connection was accepted, in milliseconds since the epoch. */
  readonly openedAt: number;
  /** False once the peer has half-closed (sent FIN) or the connection closed. */
  readonly readable: boolean;
  /** False once `closeWrite()`, `close()` or `reset()` was called, or the connection closed. */
  readonly writable: boolean;
  /** True once the socket is closed in both directions. */
  readonly isClosed: boolean;
  /** The reason given to the first `close()` or `reset()`, or how it ended; undefined while open. */
  readonly closeReason: CloseReason | undefined;
  /** Resolves once the socket is closed, with the error it failed with, if any. Never rejects. */
  readonly closed: Promise<Error | undefined>;
  /**
   * Deliver data to `handler` from now on (replaying what was buffered before this call).
   * @throws {TcpEchoError} `ERR_CONNECTION_STATE` when a handler is already set or `read()` is in use.
   */
  handle(handler: ConnectionHandler<A>): void;
  /**
   * The next chunk, or `null` once the peer half-closed.
   * @throws {TcpEchoError} `ERR_CONNECTION_STATE` when a handler is set; rejects with the
   * connection's error when it failed.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Queue bytes for sending. Everything is accepted; the return value is the backpressure signal.
   * @returns false when the unsent bytes reached the high-water mark: stop writing until
   * `onDrain` (or `drained()`). Also false when the connection is already closed.
   * @throws {TcpEchoError} `ERR_CONNECTION_STATE` after `closeWrite()` or `close()`.
   */
  write(chunk: Uint8Array): boolean;
  /** Resolves once a full write buffer has drained, or at once when it is not full. */
  drained(): Promise<void>;
  /** Stop reading from the peer until `resume()`: its sends then block on TCP flow control. */
  pause(): void;
  /** Resume reading after `pause()`. */
  resume(): void;
  /** Half-close: send FIN after every queued byte, keep receiving. */
  closeWrite(): void;
  /**
   * Send every queued byte, then close both directions.
   * @param reason Why, for the server's `close` event; the first reason given wins.
   */
  close(reason?: CloseReason): void;
  /**
   * Close at once, dropping unsent bytes; a TCP RST where the runtime can.
   * @param reason Why, for the server's `close` event; the first reason given wins.
   */
  reset(reason?: CloseReason): void;
}

/** Hooks the listener gives each connection it creates. */
export interface ConnectionOwner<A extends SocketAddress = SocketAddress> {
  /** Unsent (or unread) bytes at which a connection reports backpressure. */
  readonly highWaterMark: number;
  /** Called once when the connection closes. */
  released(connection: SocketConnection<A>, error: Error | undefined): void;
}

function stateError(message: string): TcpEchoError {
  return new TcpEchoError("ERR_CONNECTION_STATE", message);
}

// Flags of SocketConnection#flags: one small integer instead of eight boolean fields, as an idle
// server holds one connection object per client.
const READABLE = 1;
const WRITABLE = 2;
const CLOSED = 4;
/** Chunks go to a handler that only borrows them. */
const LENDS = 8;
const USER_PAUSED = 16;
const QUEUE_PAUSED = 32;
const PULLING = 64;
/** After close() or reset() nothing is read any more: late chunks are dropped, not handled. */
const DISCARDING = 128;
// The close reason, in four bits of the flags: an index into KNOWN_REASONS (every reason the
// package gives), or OTHER_REASON for one that SeldomState holds. A connection object stays at
// twelve fields, one size class below thirteen's in JavaScriptCore (112 bytes, not 160).
const REASON_SHIFT = 8;
const REASON_BITS = 15 << REASON_SHIFT;
const OTHER_REASON = 15;
const KNOWN_REASONS: readonly (CloseReason | undefined)[] = [
  undefined,
  "peer",
  "error",
  "local",
  "idle-timeout",
  "max-connections",
  "shutdown",
  "shutdown-idle",
];

/**
 * The state few connections ever need, made on first use: chunks buffered before a reader, a
 * pending `read()`, `drained()` and `closed` waiters, the cached addresses and the error.
 */
interface SeldomState<A extends SocketAddress> {
  local?: A;
  remote?: A;
  error?: Error;
  /** What a handler threw, which reset the connection. */
  failure?: Error;
  /** A close reason none of KNOWN_REASONS. */
  reason?: CloseReason;
  queue?: Uint8Array[];
  queuedBytes: number;
  reader?: { resolve(chunk: Uint8Array | null): void; reject(error: Error): void };
  drainWaiters?: (() => void)[];
  closed?: Promise<Error | undefined>;
  resolveClosed?: (error: Error | undefined) => void;
}

// `openedAt` is kept as milliseconds since this module loaded: a small integer, where the epoch
// figure would be a boxed number per connection.
const CLOCK_BASE = Date.now();

function sinceClockBase(): number {
  const elapsed = Date.now() - CLOCK_BASE;
  return elapsed <= 0x3fffffff ? elapsed | 0 : elapsed;
}

let nextId = 1;

/**
 * The core's connection: the {@link Connection} users see, and the {@link SocketEvents} the
 * adapter calls. Not exported from the package: users see the interfaces.
 */
export class SocketConnection<A extends SocketAddress = SocketAddress>
  implements Connection<A>, SocketEvents, WriteQueueOwner
{
  readonly id: number = nextId++;
  bytesRead = 0;
  readonly #opened: number = sinceClockBase();
  #flags = READABLE | WRITABLE;
  readonly #socket: StreamSocket<A>;
  readonly #owner: ConnectionOwner<A>;
  #handler: ConnectionHandler<A> | undefined;
  /** Bytes written while there was no queue: the runtime took each chunk whole at once. */
  #written = 0;
  // Made when the runtime first leaves part of a chunk unsent (or takes it later, or its own
  // buffer reaches the mark), or at a half-close or close: an idle server holds one connection object per client, and most of
  // their echoes go straight out; nor do most need what SeldomState holds.
  #writes: WriteQueue | undefined;
  #seldom: SeldomState<A> | undefined;
  // The listener's list of open connections runs through them (see open-connections.ts).
  #older: SocketConnection<A> | undefined;
  #newer: SocketConnection<A> | undefined;

  constructor(socket: StreamSocket<A>, owner: ConnectionOwner<A>) {
    this.#socket = socket;
    this.#owner = owner;
  }

  /** How the listener's list reaches the links, which stay private to this class. */
  static readonly links: Links<SocketConnection> = {
    older: (connection) => connection.#older,
    newer: (connection) => connection.#newer,
    link(connection, older, newer) {
      connection.#older = older;
      connection.#newer = newer;
    },
    setOlder(connection, older) {
      connection.#older = older;
    },
    setNewer(connection, newer) {
      connection.#newer = newer;
    },
  };

  get openedAt(): number {
    return CLOCK_BASE + this.#opened;
  }

  get readable(): boolean {
    return (this.#flags & READABLE) !== 0;
  }

  get writable(): boolean {
    return (this.#flags & WRITABLE) !== 0;
  }

  get isClosed(): boolean {
    return (this.#flags & CLOSED) !== 0;
  }

  get closeReason(): CloseReason | undefined {
    const code = (this.#flags & REASON_BITS) >> REASON_SHIFT;
    return code === OTHER_REASON ? this.#seldom?.reason : KNOWN_REASONS[code];
  }

  /** Records why the connection closes, unless a reason is recorded already: the first wins. */
  #giveReason(reason: CloseReason): void {
    if ((this.#flags & REASON_BITS) !== 0) return;
    const code = KNOWN_REASONS.indexOf(reason);
    if (code > 0) {
      this.#flags |= code << REASON_SHIFT;
    } else {
      this.#seldomState().reason = reason;
      this.#flags |= OTHER_REASON << REASON_SHIFT;
    }
  }

  get localAddress(): A {
    const seldom = this.#seldomState();
    seldom.local ??= this.#socket.localAddress;
    return seldom.local;
  }

  get remoteAddress(): A {
    const seldom = this.#seldomState();
    seldom.remote ??= this.#socket.remoteAddress;
    return seldom.remote;
  }

  get bytesWritten(): number {
    return this.#writes?.bytesAccepted ?? this.#written;
  }

  get unsentBytes(): number {
    return this.#writes?.unsent ?? this.#socket.buffered;
  }

  get bytesAccepted(): number {
    return this.bytesWritten;
  }

  get bytesSent(): number {
    return this.#writes?.bytesSent ?? this.#written;
  }

  get closed(): Promise<Error | undefined> {
    const seldom = this.#seldomState();
    if (seldom.closed === undefined) {
      seldom.closed = this.isClosed
        ? Promise.resolve(seldom.error)
        : new Promise((resolve) => {
            seldom.resolveClosed = resolve;
          });
    }
    return seldom.closed;
  }

  handle(handler: ConnectionHandler<A>): void {
    if (this.#handler !== undefined || (this.#flags & PULLING) !== 0) {
      throw stateError(`Cannot handle connection ${this.id}: it already has a reader`);
    }
    this.#handler = handler;
    if (handler.borrowsChunks === true) this.#flags |= LENDS;
    const seldom = this.#seldom;
    const queued = seldom?.queue;
    if (seldom !== undefined && queued !== undefined) {
      seldom.queue = undefined;
      seldom.queuedBytes = 0;
      for (const chunk of queued) {
        if (!this.#deliver(handler, chunk)) return;
      }
    }
    if ((this.#flags & QUEUE_PAUSED) !== 0) {
      this.#flags &= ~QUEUE_PAUSED;
      if ((this.#flags & USER_PAUSED) === 0) this.#socket.resume();
    }
    if ((this.#flags & (READABLE | CLOSED)) === 0) this.#deliverEnd(handler);
    if (this.isClosed) this.#deliverClose(handler, this.#seldom?.error);
  }

  read(): Promise<Uint8Array | null> {
    if (this.#handler !== undefined) {
      return Promise.reject(stateError(`Cannot read connection ${this.id}: it has a handler`));
    }
    const seldom = this.#seldomState();
    if (seldom.reader !== undefined) {
      return Promise.reject(stateError(`Cannot read connection ${this.id}: a read is already pending`));
    }
    this.#flags |= PULLING;
    const chunk = seldom.queue?.shift();
    if (chunk !== undefined) {
      seldom.queuedBytes -= chunk.length;
      if ((this.#flags & QUEUE_PAUSED) !== 0 && seldom.queuedBytes < this.#owner.highWaterMark) {
        this.#flags &= ~QUEUE_PAUSED;
        if ((this.#flags & USER_PAUSED) === 0) this.#socket.resume();
      }
      return Promise.resolve(chunk);
    }
    if (seldom.error !== undefined) return Promise.reject(seldom.error);
    if (!this.readable) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      seldom.reader = { resolve, reject };
    });
  }

  write(chunk: Uint8Array): boolean {
    const flags = this.#flags;
    if ((flags & CLOSED) !== 0) return false;
    if ((flags & WRITABLE) === 0) throw stateError(`Cannot write to connection ${this.id}: its write side is closed`);
    const writes = this.#writes;
    if (writes !== undefined) return writes.write(chunk);
    // Nothing queued: the chunk goes straight to the runtime, and a queue is made only for
    // what it does not take whole at once, or once the runtime's own buffer is full.
    // The per-chunk paths read a Uint8Array's `length`, its byte count too: Node.js 20's V8
    // (11.3) compiles `byteLength` to a generic property load, `length` to a field read.
    const socket = this.#socket;
    const taken = socket.send(chunk);
    if (taken === chunk.length && socket.buffered < this.#owner.highWaterMark) {
      this.#written += taken;
      return true;
    }
    return this.#writeQueue().takeOver(chunk, taken);
  }

  drained(): Promise<void> {
    if (this.isClosed || this.unsentBytes < this.#owner.highWaterMark) return Promise.resolve();
    const seldom = this.#seldomState();
    return new Promise((resolve) => {
      if (seldom.drainWaiters === undefined) seldom.drainWaiters = [resolve];
      else seldom.drainWaiters.push(resolve);
    });
  }

  pause(): void {
    const flags = this.#flags;
    if ((flags & (USER_PAUSED | CLOSED)) !== 0) return;
    this.#flags = flags | USER_PAUSED;
    if ((flags & QUEUE_PAUSED) === 0) this.#socket.pause();
  }

  resume(): void {
    const flags = this.#flags;
    if ((flags & USER_PAUSED) === 0 || (flags & CLOSED) !== 0) return;
    this.#flags = flags & ~USER_PAUSED;
    if ((flags & QUEUE_PAUSED) === 0) this.#socket.resume();
  }

  closeWrite(): void {
    if ((this.#flags & (WRITABLE | CLOSED)) !== WRITABLE) return;
    this.#flags &= ~WRITABLE;
    (this.#writes ?? this.#writeQueue()).closeWrite();
  }

  close(reason?: CloseReason): void {
    if (this.isClosed) return;
    this.#giveReason(reason ?? (this.readable ? "local" : "peer"));
    this.#flags = (this.#flags | DISCARDING) & ~WRITABLE;
    (this.#writes ?? this.#writeQueue()).close();
  }

  reset(reason?: CloseReason): void {
    if (this.isClosed) return;
    this.#giveReason(reason ?? "local");
    this.#flags = (this.#flags | DISCARDING) & ~WRITABLE;
    this.#writes?.dispose();
    this.#socket.reset();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.closed;
  }

  // SocketEvents: called by the adapter.

  onData(chunk: Uint8Array): boolean {
    const flags = this.#flags;
    if ((flags & DISCARDING) !== 0) return false;
    this.bytesRead += chunk.length;
    const handler = this.#handler;
    if (handler !== undefined) {
      this.#deliver(handler, chunk);
      return (flags & LENDS) === 0;
    }
    const seldom = this.#seldomState();
    const reader = seldom.reader;
    if (reader !== undefined) {
      seldom.reader = undefined;
      reader.resolve(chunk);
      return true;
    }
    if (seldom.queue === undefined) seldom.queue = [chunk];
    else seldom.queue.push(chunk);
    seldom.queuedBytes += chunk.length;
    if ((flags & QUEUE_PAUSED) === 0 && seldom.queuedBytes >= this.#owner.highWaterMark) {
      this.#flags = flags | QUEUE_PAUSED;
      if ((flags & USER_PAUSED) === 0) this.#socket.pause();
    }
    return true;
  }

  onEnd(): void {
    if (!this.readable) return;
    this.#flags &= ~READABLE;
    const handler = this.#handler;
    if (handler !== undefined) {
      this.#deliverEnd(handler);
      return;
    }
    const seldom = this.#seldom;
    const reader = seldom?.reader;
    if (seldom !== undefined && reader !== undefined) {
      seldom.reader = undefined;
      reader.resolve(null);
    }
  }

  onWritable(): void {
    this.#writes?.writable();
  }

  onClose(closeError?: Error): void {
    if (this.isClosed) return;
    // A handler that threw closed it: that error is the reason, not what the reset caused.
    const error = this.#seldom?.failure ?? closeError;
    this.#flags = (this.#flags | CLOSED) & ~(READABLE | WRITABLE);
    this.#writes?.dispose();
    this.#giveReason(error === undefined ? "peer" : "error");
    let seldom = this.#seldom;
    if (error !== undefined) {
      seldom ??= this.#seldomState();
      seldom.error = error;
    }
    if (seldom !== undefined) {
      const reader = seldom.reader;
      if (reader !== undefined) {
        seldom.reader = undefined;
        if (error === undefined) reader.resolve(null);
        else reader.reject(error);
      }
      this.#flushDrainWaiters();
      seldom.resolveClosed?.(error);
    }
    this.#owner.released(this, error);
    const handler = this.#handler;
    if (handler !== undefined) this.#deliverClose(handler, error);
  }

  /**
   * Resets the connection because code handling it threw: a handler's callback, or the
   * listener's `onConnection`. Its close reason is `"error"`, and `error` is what `closed`
   * resolves with and the close callbacks get.
   */
  fail(error: unknown): void {
    if (this.isClosed) return;
    const seldom = this.#seldomState();
    seldom.failure ??= error instanceof Error ? error : new Error(String(error));
    this.reset("error");
  }

  #seldomState(): SeldomState<A> {
    this.#seldom ??= { queuedBytes: 0 };
    return this.#seldom;
  }

  #writeQueue(): WriteQueue {
    this.#writes = new WriteQueue(this.#socket, this.#owner.highWaterMark, this, this.#written);
    return this.#writes;
  }

  /** The write queue's unsent bytes fell below the high-water mark. */
  writesDrained(): void {
    const handler = this.#handler;
    if (handler?.onDrain !== undefined) {
      try {
        handler.onDrain(this);
      } catch (error) {
        this.fail(error);
      }
    }
    this.#flushDrainWaiters();
  }

  /** Hands `chunk` to the handler; false when the handler threw, which resets the connection. */
  #deliver(handler: ConnectionHandler<A>, chunk: Uint8Array): boolean {
    try {
      handler.onData(this, chunk);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  #deliverEnd(handler: ConnectionHandler<A>): void {
    if (handler.onEnd === undefined) {
      this.close();
      return;
    }
    try {
      handler.onEnd(this);
    } catch (error) {
      this.fail(error);
    }
  }

  #deliverClose(handler: ConnectionHandler<A>, error: Error | undefined): void {
    try {
      handler.onClose?.(this, error);
    } catch (thrown) {
      reportUncaught(thrown);
    }
  }

  #flushDrainWaiters(): void {
    const seldom = this.#seldom;
    const waiters = seldom?.drainWaiters;
    if (seldom === undefined || waiters === undefined) return;
    seldom.drainWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
