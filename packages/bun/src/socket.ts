import type { SocketAddress } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";
import type { Socket, SocketHandler } from "bun";

// BunSocket#state
const CLOSED = 1;
/** This side shut down writing, and has not closed or reset: see `onClose()`. */
const WRITE_SHUT = 2;
const ENDED = 4;

/** Reads a Bun socket's two ends as the transport's address type. */
export interface AddressReader<A extends SocketAddress> {
  local(socket: Socket<BunSocket<A>>): A;
  remote(socket: Socket<BunSocket<A>>): A;
}

// https://bun.com/docs/api/tcp
// Bun's write() is unbuffered: it returns how many bytes the kernel (or, over TLS, the TLS layer)
// took, fewer when it is full, -1 once the socket is closed, and `drain` says when it can take
// more. end() closes both directions at once, so a half-close is shutdown() and a close is end().
// The same class serves TCP, unix and TLS sockets: only the address reader differs.
export class BunSocket<A extends SocketAddress> implements StreamSocket<A> {
  readonly #socket: Socket<BunSocket<A>>;
  readonly #addresses: AddressReader<A>;
  #events: SocketEvents | undefined;
  #failure: Error | undefined;
  /** CLOSED, WRITE_SHUT and ENDED: one field where three made the object 80 bytes, not 64. */
  #state = 0;

  constructor(socket: Socket<BunSocket<A>>, addresses: AddressReader<A>) {
    this.#socket = socket;
    this.#addresses = addresses;
  }

  /**
   * Wires the core's events; called once, from `open` (over TLS, once the handshake succeeded).
   * A close made while the core was being handed the socket (a connection over the limit) is
   * reported now.
   */
  start(events: SocketEvents): void {
    this.#events = events;
    if ((this.#state & CLOSED) !== 0) events.onClose(this.#failure);
  }

  get localAddress(): A {
    return this.#addresses.local(this.#socket);
  }

  get remoteAddress(): A {
    return this.#addresses.remote(this.#socket);
  }

  send(chunk: Uint8Array): number {
    if ((this.#state & CLOSED) !== 0) return -1;
    const taken = this.#socket.write(chunk);
    // Over TLS, write() returns -1 once the session has failed (the client reset or vanished
    // mid-echo) while the socket stays open, with no close to follow: close it, or the core
    // would wait for that close for ever.
    if (taken < 0) this.reset(new Error("the connection failed while writing: the client closed or reset it"));
    return taken;
  }

  get buffered(): number {
    // Bun takes only what the kernel takes; the core keeps the rest.
    return 0;
  }

  sendSettled(): void {
    // Bun's sends never complete later, so the core never calls this.
  }

  pause(): void {
    if ((this.#state & CLOSED) === 0) this.#socket.pause();
  }

  resume(): void {
    if ((this.#state & CLOSED) === 0) this.#socket.resume();
  }

  closeWrite(): void {
    if ((this.#state & CLOSED) !== 0) return;
    this.#state |= WRITE_SHUT;
    this.#socket.shutdown();
  }

  close(): void {
    if ((this.#state & CLOSED) !== 0) return;
    this.#state &= ~WRITE_SHUT;
    this.#socket.end();
  }

  reset(cause?: unknown): void {
    if ((this.#state & CLOSED) !== 0) return;
    this.#state &= ~WRITE_SHUT;
    if (cause instanceof Error) this.#failure ??= cause;
    this.#socket.terminate();
  }

  // Socket handlers, called by the listener's `socket` table.

  onData(chunk: Uint8Array): void {
    const events = this.#events;
    if (events === undefined) return;
    if (chunk.byteLength < RELEASE_MIN) {
      events.onData(chunk);
      return;
    }
    // Only borrowed, and every byte written from it already taken: nothing reads it any more.
    if (!events.onData(chunk) && events.bytesSent === events.bytesAccepted) release(chunk);
  }

  onEnd(): void {
    this.#state |= ENDED;
    this.#events?.onEnd();
  }

  onDrain(): void {
    this.#events?.onWritable();
  }

  onError(error: Error): void {
    this.#failure ??= error;
  }

  onClose(error: Error | undefined): void {
    const state = this.#state;
    if ((state & CLOSED) !== 0) return;
    this.#state = state | CLOSED;
    this.#failure ??= error;
    // Once this side has shut down writing, Bun reports the peer's FIN as a close with no `end`
    // before it (Bun 1.4): a clean close then is that end of stream, and the core hears it first.
    if ((state & (WRITE_SHUT | ENDED)) === WRITE_SHUT && this.#failure === undefined) this.#events?.onEnd();
    this.#events?.onClose(this.#failure);
  }
}

/**
 * Reads at least this large are released once borrowed (see `release()`). Below it the check
 * itself cost more than it saved: 1 KiB request-response traffic lost 8% of its throughput and
 * doubled its p99 when every read took it, where 64 KiB streams and 1 KiB with 16 in flight
 * (reads of many messages at once) gained.
 */
const RELEASE_MIN = 16 * 1024;

/**
 * Frees a read's memory now instead of at the next garbage collection. Bun hands every read over
 * in a buffer of its own (up to hundreds of KiB under stream load), so a busy socket would make
 * JavaScriptCore collect every few hundred microseconds and the allocator hand out cold memory
 * for the next read; detaching the buffer gives its memory straight back (64 KiB unix streams:
 * about a quarter of the page faults, about a fifth more throughput). Only a buffer that is wholly the
 * chunk's, as Bun's are.
 */
function release(chunk: Uint8Array): void {
  const buffer = chunk.buffer as ArrayBuffer & { transfer?(length: number): ArrayBuffer };
  if (chunk.byteOffset === 0 && buffer.byteLength === chunk.byteLength && buffer.transfer !== undefined) {
    buffer.transfer(0);
  }
}

/** The callbacks every listener shares: Bun calls them with the socket, whose `data` is our wrapper. */
export type Forwarding<A extends SocketAddress> = Required<
  Pick<SocketHandler<BunSocket<A>>, "data" | "end" | "drain" | "error" | "close">
>;

/** Builds the shared callbacks once per listener; one table serves every socket it accepts. */
export function forwarding<A extends SocketAddress>(): Forwarding<A> {
  return {
    data: (socket, chunk) => socket.data.onData(chunk),
    end: (socket) => socket.data.onEnd(),
    drain: (socket) => socket.data.onDrain(),
    error: (socket, error) => socket.data?.onError(error),
    close: (socket, error) => socket.data?.onClose(error),
  };
}
