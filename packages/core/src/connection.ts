/**
 * A connection: one accepted socket with reading (pushed to a handler, or pulled with `read()`),
 * writing with backpressure through the one write queue, half-close and close.
 *
 * @module
 */

import type { SocketAddress } from "./address.ts";
import { TcpEchoError } from "./errors.ts";
import type { SocketEvents, StreamSocket } from "./transport/stream.ts";
import { WriteQueue, type WriteQueueOwner } from "./write-queue.ts";

/**
 * The push-style reader of a connection: one object serves every connection, so no closure is
 * made per connection or per chunk. This is the fast form: the adapter's callback reaches
 * `onData` directly.
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
   * passed to `write()`, which the connection holds until sent. The adapter may then read into
   * the same memory again (Deno does), so a handler that keeps a chunk, or a part of it, for
   * later must leave this unset and own its chunks.
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
  /** Bytes accepted by `write()` and not yet taken by the runtime. */
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
  /** Called once when the connection closes. */
  released(connection: SocketConnection<A>, error: Error | undefined): void;
}

function stateError(message: string): TcpEchoError {
  return new TcpEchoError("ERR_CONNECTION_STATE", message);
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
  readonly openedAt: number = Date.now();
  bytesRead = 0;
  readable = true;
  writable = true;
  isClosed = false;
  closeReason: CloseReason | undefined;

  readonly #socket: StreamSocket<A>;
  readonly #owner: ConnectionOwner<A>;
  readonly #highWaterMark: number;
  #handler: ConnectionHandler<A> | undefined;
  /** Whether chunks go to a handler that only borrows them. */
  #lends = false;
  #local: A | undefined;
  #remote: A | undefined;
  #error: Error | undefined;
  #userPaused = false;
  #queuePaused = false;
  #pulling = false;
  /** After close() or reset() nothing is read any more: late chunks are dropped, not handled. */
  #discarding = false;
  // Made on first use: an idle server holds one connection object per client, and most never
  // buffer a chunk, wait for a drain, or (until they echo) write.
  #writes: WriteQueue | undefined;
  #queue: Uint8Array[] | undefined;
  #queuedBytes = 0;
  #reader: { resolve(chunk: Uint8Array | null): void; reject(error: Error): void } | undefined;
  #drainWaiters: (() => void)[] | undefined;
  #closed: Promise<Error | undefined> | undefined;
  #resolveClosed: ((error: Error | undefined) => void) | undefined;

  constructor(socket: StreamSocket<A>, owner: ConnectionOwner<A>, highWaterMark: number) {
    this.#socket = socket;
    this.#owner = owner;
    this.#highWaterMark = highWaterMark;
  }

  get localAddress(): A {
    this.#local ??= this.#socket.localAddress;
    return this.#local;
  }

  get remoteAddress(): A {
    this.#remote ??= this.#socket.remoteAddress;
    return this.#remote;
  }

  get bytesWritten(): number {
    return this.#writes?.bytesAccepted ?? 0;
  }

  get unsentBytes(): number {
    return this.#writes?.unsent ?? 0;
  }

  get bytesAccepted(): number {
    return this.bytesWritten;
  }

  get bytesSent(): number {
    return this.#writes?.bytesSent ?? 0;
  }

  get closed(): Promise<Error | undefined> {
    if (this.#closed === undefined) {
      this.#closed = this.isClosed
        ? Promise.resolve(this.#error)
        : new Promise((resolve) => {
            this.#resolveClosed = resolve;
          });
    }
    return this.#closed;
  }

  handle(handler: ConnectionHandler<A>): void {
    if (this.#handler !== undefined || this.#pulling) {
      throw stateError(`Cannot handle connection ${this.id}: it already has a reader`);
    }
    this.#handler = handler;
    this.#lends = handler.borrowsChunks === true;
    const queued = this.#queue;
    if (queued !== undefined) {
      this.#queue = undefined;
      this.#queuedBytes = 0;
      for (const chunk of queued) handler.onData(this, chunk);
    }
    if (this.#queuePaused) {
      this.#queuePaused = false;
      if (!this.#userPaused) this.#socket.resume();
    }
    if (!this.readable && !this.isClosed) this.#deliverEnd(handler);
    if (this.isClosed) handler.onClose?.(this, this.#error);
  }

  read(): Promise<Uint8Array | null> {
    if (this.#handler !== undefined) {
      return Promise.reject(stateError(`Cannot read connection ${this.id}: it has a handler`));
    }
    if (this.#reader !== undefined) {
      return Promise.reject(stateError(`Cannot read connection ${this.id}: a read is already pending`));
    }
    this.#pulling = true;
    const chunk = this.#queue?.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.byteLength;
      if (this.#queuePaused && this.#queuedBytes < this.#highWaterMark) {
        this.#queuePaused = false;
        if (!this.#userPaused) this.#socket.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (!this.readable) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#reader = { resolve, reject };
    });
  }

  write(chunk: Uint8Array): boolean {
    if (this.isClosed) return false;
    if (!this.writable) throw stateError(`Cannot write to connection ${this.id}: its write side is closed`);
    return (this.#writes ?? this.#writeQueue()).write(chunk);
  }

  drained(): Promise<void> {
    if (this.isClosed || (this.#writes?.unsent ?? 0) < this.#highWaterMark) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.#drainWaiters === undefined) this.#drainWaiters = [resolve];
      else this.#drainWaiters.push(resolve);
    });
  }

  pause(): void {
    if (this.#userPaused || this.isClosed) return;
    this.#userPaused = true;
    if (!this.#queuePaused) this.#socket.pause();
  }

  resume(): void {
    if (!this.#userPaused || this.isClosed) return;
    this.#userPaused = false;
    if (!this.#queuePaused) this.#socket.resume();
  }

  closeWrite(): void {
    if (!this.writable || this.isClosed) return;
    this.writable = false;
    (this.#writes ?? this.#writeQueue()).closeWrite();
  }

  close(reason?: CloseReason): void {
    if (this.isClosed) return;
    this.closeReason ??= reason ?? (this.readable ? "local" : "peer");
    this.#discarding = true;
    this.writable = false;
    (this.#writes ?? this.#writeQueue()).close();
  }

  reset(reason?: CloseReason): void {
    if (this.isClosed) return;
    this.closeReason ??= reason ?? "local";
    this.#discarding = true;
    this.writable = false;
    this.#writes?.dispose();
    this.#socket.reset();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.closed;
  }

  // SocketEvents: called by the adapter.

  onData(chunk: Uint8Array): boolean {
    if (this.#discarding) return false;
    this.bytesRead += chunk.byteLength;
    const handler = this.#handler;
    if (handler !== undefined) {
      handler.onData(this, chunk);
      return !this.#lends;
    }
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return true;
    }
    if (this.#queue === undefined) this.#queue = [chunk];
    else this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (!this.#queuePaused && this.#queuedBytes >= this.#highWaterMark) {
      this.#queuePaused = true;
      if (!this.#userPaused) this.#socket.pause();
    }
    return true;
  }

  onEnd(): void {
    if (!this.readable) return;
    this.readable = false;
    const handler = this.#handler;
    if (handler !== undefined) {
      this.#deliverEnd(handler);
      return;
    }
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(null);
    }
  }

  onWritable(): void {
    this.#writes?.writable();
  }

  onClose(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.readable = false;
    this.writable = false;
    this.#error = error;
    this.#writes?.dispose();
    this.closeReason ??= error === undefined ? "peer" : "error";
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      if (error === undefined) reader.resolve(null);
      else reader.reject(error);
    }
    this.#flushDrainWaiters();
    this.#resolveClosed?.(error);
    this.#owner.released(this, error);
    this.#handler?.onClose?.(this, error);
  }

  #writeQueue(): WriteQueue {
    this.#writes = new WriteQueue(this.#socket, this.#highWaterMark, this);
    return this.#writes;
  }

  /** The write queue's unsent bytes fell below the high-water mark. */
  writesDrained(): void {
    this.#handler?.onDrain?.(this);
    this.#flushDrainWaiters();
  }

  #deliverEnd(handler: ConnectionHandler<A>): void {
    if (handler.onEnd === undefined) this.close();
    else handler.onEnd(this);
  }

  #flushDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    this.#drainWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
