import type { SocketAddress } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";
import type { AddressOf } from "./address.ts";
import { isClosedResource, isEndOfStream } from "./errors.ts";
import { ReadBuffers } from "./read-buffers.ts";

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
  #buffers: ReadBuffers | undefined;
  #paused = false;
  /** A read is pending. */
  #reading = false;
  #readEnded = false;
  #writeShut = false;
  #closed = false;
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
    if (this.#closed) {
      events.onClose(this.#failure);
      return;
    }
    this.#buffers = new ReadBuffers(events);
    this.#read();
  }

  get localAddress(): A {
    return this.#address(this.#conn.localAddr);
  }

  get remoteAddress(): A {
    return this.#address(this.#conn.remoteAddr);
  }

  send(chunk: Uint8Array): number | Promise<number> {
    if (this.#closed) return -1;
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
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#read();
  }

  closeWrite(): void {
    if (this.#closed || this.#writeShut) return;
    this.#writeShut = true;
    this.#conn.closeWrite().then(
      () => {
        if (this.#readEnded) this.#destroy(undefined);
      },
      (error: unknown) => this.reset(error),
    );
  }

  close(): void {
    this.#destroy(undefined);
  }

  reset(cause?: unknown): void {
    this.#destroy(cause === undefined || this.#closed || isClosedResource(cause) ? undefined : (cause as Error));
  }

  /**
   * Reads when nothing stops it: not paused, no read pending, and everything written sent, so
   * the read buffer is free again (the chunks were lent) and what arrived meanwhile comes in one
   * read, as the raw Deno.listen control does.
   */
  #read(): void {
    const events = this.#events;
    if (this.#reading || this.#paused || this.#closed || this.#readEnded || events === undefined) return;
    if (events.bytesSent < events.bytesAccepted) return;
    this.#reading = true;
    this.#conn.read((this.#buffers as ReadBuffers).next()).then(this.#onRead, this.#onReadFailed);
  }

  #delivered(n: number | null): void {
    this.#reading = false;
    if (this.#closed) return;
    if (n === null) this.#ended();
    else {
      (this.#buffers as ReadBuffers).delivered(n);
      this.#read();
    }
  }

  #readFailed(error: unknown): void {
    this.#reading = false;
    if (isEndOfStream(error) && !this.#closed) this.#ended();
    else this.reset(error);
  }

  #ended(): void {
    this.#readEnded = true;
    this.#events?.onEnd();
    if (this.#writeShut) this.#destroy(undefined);
  }

  #destroy(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#events?.onClose(error);
  }
}
