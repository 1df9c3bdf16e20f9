import type { SocketAddress } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";
import type { AddressOf } from "./address.ts";
import { isClosedResource, isEndOfStream } from "./errors.ts";
import { ReadBuffers } from "./read-buffers.ts";

// https://docs.deno.com/api/deno/~/Deno.Conn (a TcpConn, TlsConn or UnixConn)
// Reads go through a conn.read() loop: conn.readable would close the whole connection at the
// peer's EOF, which breaks half-close.
export class DenoSocket<A extends SocketAddress> implements StreamSocket<A> {
  readonly #conn: Deno.Conn;
  readonly #address: AddressOf<A>;
  #events: SocketEvents | undefined;
  #paused = false;
  #wake: (() => void) | undefined;
  #readEnded = false;
  #writeShut = false;
  #closed = false;
  #failure: Error | undefined;
  /** The last write's promise, to wait on before reading again. */
  #lastWrite: Promise<number> | undefined;

  constructor(conn: Deno.Conn, address: AddressOf<A>) {
    this.#conn = conn;
    this.#address = address;
  }

  /** Wires the core's events; a close made while the core was being handed the socket is reported now. */
  start(events: SocketEvents): void {
    this.#events = events;
    if (this.#closed) events.onClose(this.#failure);
    else void this.#readLoop(events);
  }

  get localAddress(): A {
    return this.#address(this.#conn.localAddr);
  }

  get remoteAddress(): A {
    return this.#address(this.#conn.remoteAddr);
  }

  send(chunk: Uint8Array): number | Promise<number> {
    if (this.#closed) return -1;
    const written = this.#conn.write(chunk);
    this.#lastWrite = written;
    return written;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
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

  async #readLoop(events: SocketEvents): Promise<void> {
    const conn = this.#conn;
    const buffers = new ReadBuffers(events);
    try {
      while (!this.#closed) {
        if (this.#paused) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        // Read again only once everything written is sent: the read buffer is free then (the
        // chunks were lent), and what arrived meanwhile comes in one read.
        while (events.bytesSent < events.bytesAccepted && !this.#closed) {
          try {
            await this.#lastWrite;
          } catch {
            // The write queue resets the socket with this error.
          }
        }
        if (this.#closed) return;
        const buffer = buffers.next();
        const n = await conn.read(buffer);
        if (this.#closed) return;
        if (n === null) return this.#ended(events);
        buffers.delivered(buffer, n);
      }
    } catch (error) {
      if (isEndOfStream(error) && !this.#closed) this.#ended(events);
      else this.reset(error);
    }
  }

  #ended(events: SocketEvents): void {
    this.#readEnded = true;
    events.onEnd();
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
    this.resume();
    this.#events?.onClose(error);
  }
}
