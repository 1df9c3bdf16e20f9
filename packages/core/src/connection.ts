/**
 * A connection: one accepted socket with reading (pushed to a handler, or pulled with `read()`),
 * writing with backpressure, half-close and close.
 *
 * @module
 */

import type { TcpAddress } from "./address.ts";
import { TcpEchoError } from "./errors.ts";
import type { SocketEvents, TransportSocket } from "./transport.ts";

/**
 * The push-style reader of a connection: one object serves every connection, so no closure is
 * made per connection or per chunk. This is the fast form: the adapter's callback reaches
 * `data` directly.
 *
 * @example Count bytes and discard them
 * ```ts
 * import type { ConnectionHandler } from "@tcp-echo/core";
 *
 * let total = 0;
 * export const discard: ConnectionHandler = {
 *   data(_connection, chunk) { total += chunk.byteLength; },
 *   end(connection) { connection.close(); },
 * };
 * ```
 */
export interface ConnectionHandler {
  /** Bytes arrived. The chunk is yours to keep or write back. */
  data(connection: Connection, chunk: Uint8Array): void;
  /** The peer half-closed: nothing more will arrive. Without this hook the connection closes. */
  end?(connection: Connection): void;
  /** `write()` returned false earlier and the unsent bytes are now below the high-water mark. */
  drain?(connection: Connection): void;
  /** The connection is closed; `error` when it failed (for example reset by the peer). */
  close?(connection: Connection, error?: Error): void;
}

/** Why a connection closed, as the server's events report it. */
export type CloseReason = "peer" | "error" | "idle-timeout" | "max-connections" | "shutdown" | "local";

/**
 * One accepted TCP connection. The listener tracks it until it closes; who accepted it decides
 * when it closes, except that a listener's `shutdown()` resets what is still open at its deadline.
 *
 * Read it in one of two ways, not both: `handle(handler)` (push, the fast path) or `read()` (pull).
 * Data that arrives before either is buffered, up to the high-water mark, then reading pauses.
 *
 * @example Echo one message with the pull API
 * ```ts
 * import type { Connection } from "@tcp-echo/core";
 *
 * async function echoOnce(connection: Connection): Promise<void> {
 *   const chunk = await connection.read();
 *   if (chunk && !connection.write(chunk)) await connection.drained();
 *   connection.close();
 * }
 * ```
 */
export interface Connection extends AsyncDisposable {
  /** A number unique within the process, for logs. */
  readonly id: number;
  /** The listener's side. */
  readonly localAddress: TcpAddress;
  /** The client's side. */
  readonly remoteAddress: TcpAddress;
  /** Bytes received so far. */
  readonly bytesRead: number;
  /** Bytes accepted by `write()` so far. */
  readonly bytesWritten: number;
  /** When the connection was accepted, in milliseconds since the epoch. */
  readonly openedAt: number;
  /** False once the peer has half-closed (sent FIN) or the connection closed. */
  readonly readable: boolean;
  /** False once `closeWrite()`, `close()` or `reset()` was called, or the connection closed. */
  readonly writable: boolean;
  /** True once the socket is closed in both directions. */
  readonly isClosed: boolean;
  /** Resolves once the socket is closed, with the error it failed with, if any. Never rejects. */
  readonly closed: Promise<Error | undefined>;
  /**
   * Deliver data to `handler` from now on (replaying what was buffered before this call).
   * @throws {TcpEchoError} `ERR_CONNECTION_STATE` when a handler is already set or `read()` is in use.
   */
  handle(handler: ConnectionHandler): void;
  /**
   * The next chunk, or `null` once the peer half-closed.
   * @throws {TcpEchoError} `ERR_CONNECTION_STATE` when a handler is set; rejects with the
   * connection's error when it failed.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Queue bytes for sending. Everything is accepted; the return value is the backpressure signal.
   * @returns false when the unsent bytes reached the high-water mark: stop writing until
   * `drain` (or `drained()`). Also false when the connection is already closed.
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
  /** Send every queued byte, then close both directions. */
  close(): void;
  /** Close at once, dropping unsent bytes; a TCP RST where the runtime can. */
  reset(): void;
}

/** Hooks the listener gives each connection it creates. */
export interface ConnectionOwner {
  /** Called once when the connection closes. */
  released(connection: SocketConnection, error: Error | undefined): void;
}

function stateError(message: string): TcpEchoError {
  return new TcpEchoError("ERR_CONNECTION_STATE", message);
}

let nextId = 1;

/**
 * The core's connection: the {@link Connection} users see, and the {@link SocketEvents} the
 * adapter calls. Exported for the listener only: users see the interfaces.
 */
export class SocketConnection implements Connection, SocketEvents {
  readonly id: number = nextId++;
  readonly openedAt: number = Date.now();
  bytesRead = 0;
  bytesWritten = 0;
  readable = true;
  writable = true;
  isClosed = false;
  /** Sweeps of the idle timer since the last received byte; the server's idle policy reads it. */
  idleTicks = 0;
  /** Set by whoever closes on purpose, for the close event. */
  closeReason: CloseReason | undefined;

  readonly #socket: TransportSocket;
  readonly #owner: ConnectionOwner;
  readonly #highWaterMark: number;
  #handler: ConnectionHandler | undefined;
  #error: Error | undefined;
  #userPaused = false;
  #queuePaused = false;
  #needDrain = false;
  #pulling = false;
  /** After close() or reset() nothing is read any more: late chunks are dropped, not handled. */
  #discarding = false;
  // The two arrays are made on first use: most connections never buffer a chunk or wait for a
  // drain, and an idle server holds one of these objects per connection.
  #queue: Uint8Array[] | undefined;
  #queuedBytes = 0;
  #reader: { resolve(chunk: Uint8Array | null): void; reject(error: Error): void } | undefined;
  #drainWaiters: (() => void)[] | undefined;
  #closed: Promise<Error | undefined> | undefined;
  #resolveClosed: ((error: Error | undefined) => void) | undefined;

  constructor(socket: TransportSocket, owner: ConnectionOwner, highWaterMark: number) {
    this.#socket = socket;
    this.#owner = owner;
    this.#highWaterMark = highWaterMark;
  }

  get localAddress(): TcpAddress {
    return this.#socket.localAddress;
  }

  get remoteAddress(): TcpAddress {
    return this.#socket.remoteAddress;
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

  handle(handler: ConnectionHandler): void {
    if (this.#handler !== undefined || this.#pulling) {
      throw stateError(`Cannot handle connection ${this.id}: it already has a reader`);
    }
    this.#handler = handler;
    const queued = this.#queue;
    if (queued !== undefined) {
      this.#queue = undefined;
      this.#queuedBytes = 0;
      for (const chunk of queued) handler.data(this, chunk);
    }
    if (this.#queuePaused) {
      this.#queuePaused = false;
      if (!this.#userPaused) this.#socket.resume();
    }
    if (!this.readable && !this.isClosed) this.#deliverEnd(handler);
    if (this.isClosed) handler.close?.(this, this.#error);
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
    this.bytesWritten += chunk.byteLength;
    if (this.#socket.write(chunk)) return true;
    this.#needDrain = true;
    return false;
  }

  drained(): Promise<void> {
    if (!this.#needDrain || this.isClosed) return Promise.resolve();
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
    this.#socket.shutdown();
  }

  close(): void {
    if (this.isClosed) return;
    this.closeReason ??= this.readable ? "local" : "peer";
    this.#discarding = true;
    this.writable = false;
    this.#socket.close();
  }

  reset(): void {
    if (this.isClosed) return;
    this.closeReason ??= "local";
    this.#discarding = true;
    this.writable = false;
    this.#socket.reset();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.closed;
  }

  // SocketEvents: called by the adapter.

  onData(chunk: Uint8Array): void {
    if (this.#discarding) return;
    this.bytesRead += chunk.byteLength;
    this.idleTicks = 0;
    const handler = this.#handler;
    if (handler !== undefined) {
      handler.data(this, chunk);
      return;
    }
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return;
    }
    if (this.#queue === undefined) this.#queue = [chunk];
    else this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (!this.#queuePaused && this.#queuedBytes >= this.#highWaterMark) {
      this.#queuePaused = true;
      if (!this.#userPaused) this.#socket.pause();
    }
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

  onDrain(): void {
    if (!this.#needDrain) return;
    this.#needDrain = false;
    this.#handler?.drain?.(this);
    this.#flushDrainWaiters();
  }

  onClose(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.readable = false;
    this.writable = false;
    this.#error = error;
    if (this.closeReason === undefined) this.closeReason = error === undefined ? "peer" : "error";
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      if (error === undefined) reader.resolve(null);
      else reader.reject(error);
    }
    this.#flushDrainWaiters();
    this.#resolveClosed?.(error);
    this.#owner.released(this, error);
    this.#handler?.close?.(this, error);
  }

  #deliverEnd(handler: ConnectionHandler): void {
    if (handler.end === undefined) this.close();
    else handler.end(this);
  }

  #flushDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    this.#drainWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
