import type { SocketAddress } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";
import type { AddressOf } from "./address.ts";
import { isClosedResource, isEndOfStream } from "./errors.ts";
import { FIRST_READ_SIZE, giveBackReadBuffer, nextReadSize, takeReadBuffer } from "./read-buffers.ts";

// The socket's state is one small integer (an idle server holds one socket per client).
const PAUSED = 1;
/** A read is pending. */
const READING = 2;
const READ_ENDED = 4;
const WRITE_SHUT = 8;
const CLOSED = 16;

// https://docs.deno.com/api/deno/~/Deno.Conn (a TcpConn, TlsConn or UnixConn)
// Reads go through conn.read(): conn.readable would close the whole connection at the peer's
// EOF, which breaks half-close. Reading is driven by callbacks, not an async loop: a read starts
// when the last one is delivered and every byte written is sent, which the core reports through
// sendSettled() from the one reaction it already has on each write. An async loop awaiting the same
// write again costs a second reaction per chunk.
export class DenoSocket<A extends SocketAddress> implements StreamSocket<A> {
  readonly #conn: Deno.Conn;
  readonly #address: AddressOf<A>;
  #events: SocketEvents | undefined;
  /** What the last read went into; a chunk the core kept is never read into again. */
  #buffer: Uint8Array | undefined;
  /** The size the next read asks for (see nextReadSize()). */
  #readSize = FIRST_READ_SIZE;
  #flags = 0;
  #failure: Error | undefined;
  readonly #onRead = (n: number | null): void => this.#delivered(n);
  readonly #onReadFailed = (error: unknown): void => this.#readFailed(error);

  constructor(conn: Deno.Conn, address: AddressOf<A>) {
    this.#conn = conn;
    this.#address = address;
  }

  /** Wires the core's events; a close made while the core was being handed the socket is reported now. */
  start(events: SocketEvents): void {
    this.#events = events;
    if ((this.#flags & CLOSED) !== 0) {
      events.onClose(this.#failure);
      return;
    }
    this.#read();
  }

  get localAddress(): A {
    return this.#address(this.#conn.localAddr);
  }

  get remoteAddress(): A {
    return this.#address(this.#conn.remoteAddr);
  }

  send(chunk: Uint8Array): number | Promise<number> {
    if ((this.#flags & CLOSED) !== 0) return -1;
    return this.#conn.write(chunk);
  }

  get buffered(): number {
    // A write completes later and counts as unsent until then; Deno holds no buffer beyond it.
    return 0;
  }

  sendSettled(): void {
    this.#read();
  }

  pause(): void {
    this.#flags |= PAUSED;
  }

  resume(): void {
    this.#flags &= ~PAUSED;
    this.#read();
  }

  closeWrite(): void {
    if ((this.#flags & (CLOSED | WRITE_SHUT)) !== 0) return;
    this.#flags |= WRITE_SHUT;
    this.#conn.closeWrite().then(
      () => {
        if ((this.#flags & READ_ENDED) !== 0) this.#destroy(undefined);
      },
      (error: unknown) => this.reset(error),
    );
  }

  close(): void {
    this.#destroy(undefined);
  }

  reset(cause?: unknown): void {
    const quiet = cause === undefined || (this.#flags & CLOSED) !== 0 || isClosedResource(cause);
    this.#destroy(quiet ? undefined : (cause as Error));
  }

  /**
   * Reads when nothing stops it: not paused, no read pending, and everything written sent, so
   * the read buffer is free again (the chunks were lent) and what arrived meanwhile comes in one
   * read, as the raw Deno.listen control does.
   */
  #read(): void {
    const events = this.#events;
    if ((this.#flags & (READING | PAUSED | CLOSED | READ_ENDED)) !== 0 || events === undefined) return;
    if (events.bytesSent < events.bytesAccepted) return;
    this.#flags |= READING;
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length !== this.#readSize) {
      // Everything written from the old buffer is sent: another connection may read into it.
      if (buffer !== undefined) giveBackReadBuffer(buffer);
      buffer = this.#buffer = takeReadBuffer(this.#readSize);
    }
    this.#conn.read(buffer).then(this.#onRead, this.#onReadFailed);
  }

  /** Hands the first `n` bytes of the buffer to the core, sizes the next read, and reads again. */
  #delivered(n: number | null): void {
    this.#flags &= ~READING;
    if ((this.#flags & CLOSED) !== 0) return;
    if (n === null) {
      this.#ended();
      return;
    }
    const buffer = this.#buffer as Uint8Array;
    const size = buffer.length;
    const kept = (this.#events as SocketEvents).onData(n === size ? buffer : buffer.subarray(0, n));
    this.#readSize = nextReadSize(n, size);
    if (kept) this.#buffer = undefined;
    this.#read();
  }

  #readFailed(error: unknown): void {
    this.#flags &= ~READING;
    if (isEndOfStream(error) && (this.#flags & CLOSED) === 0) this.#ended();
    else this.reset(error);
  }

  #ended(): void {
    this.#flags |= READ_ENDED;
    this.#events?.onEnd();
    if ((this.#flags & WRITE_SHUT) !== 0) this.#destroy(undefined);
  }

  #destroy(error: Error | undefined): void {
    if ((this.#flags & CLOSED) !== 0) return;
    this.#flags |= CLOSED;
    this.#failure = error;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#events?.onClose(error);
  }
}
