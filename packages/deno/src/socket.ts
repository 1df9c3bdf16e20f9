import type { SocketEvents, TcpAddress, TransportSocket } from "@tcp-echo/core";
import { denoAddress } from "./address.ts";
import { isClosedResource } from "./errors.ts";

const MIN_READ = 4 * 1024;
const MAX_READ = 64 * 1024;

// https://docs.deno.com/api/deno/~/Deno.TcpConn
// Reads and writes go through conn.read()/conn.write() loops: conn.readable would close the
// whole connection at the peer's EOF, which breaks half-close.
export class DenoSocket implements TransportSocket {
  readonly #conn: Deno.TcpConn;
  readonly #highWaterMark: number;
  #events: SocketEvents | undefined;
  #local: TcpAddress | undefined;
  #remote: TcpAddress | undefined;
  #paused = false;
  #wake: (() => void) | undefined;
  #readEnded = false;
  /** Chunks written while a write is in flight; made on first use, as most never wait. */
  #queue: Uint8Array[] | undefined;
  #queuedBytes = 0;
  #writing = false;
  #needDrain = false;
  #after: "open" | "shutdown" | "close" = "open";
  #writeShut = false;
  #closed = false;
  #failure: Error | undefined;

  constructor(conn: Deno.TcpConn, highWaterMark: number) {
    this.#conn = conn;
    this.#highWaterMark = highWaterMark;
  }

  /** Wires the core's events; a close made while the core was being handed the socket is reported now. */
  start(events: SocketEvents): void {
    this.#events = events;
    if (this.#closed) events.onClose(this.#failure);
    else void this.#readLoop();
  }

  get localAddress(): TcpAddress {
    this.#local ??= denoAddress(this.#conn.localAddr);
    return this.#local;
  }

  get remoteAddress(): TcpAddress {
    this.#remote ??= denoAddress(this.#conn.remoteAddr);
    return this.#remote;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#after !== "open") return false;
    this.#queuedBytes += chunk.byteLength;
    if (!this.#writing) void this.#writeLoop(chunk);
    else if (this.#queue === undefined) this.#queue = [chunk];
    else this.#queue.push(chunk);
    if (this.#queuedBytes < this.#highWaterMark) return true;
    this.#needDrain = true;
    return false;
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

  shutdown(): void {
    if (this.#after !== "open") return;
    this.#after = "shutdown";
    if (!this.#writing) void this.#finishWrites();
  }

  close(): void {
    if (this.#after === "close") return;
    this.#after = "close";
    if (!this.#writing) void this.#finishWrites();
  }

  reset(): void {
    this.#destroy(undefined);
  }

  async #readLoop(): Promise<void> {
    const conn = this.#conn;
    let capacity = MIN_READ;
    let buffer = new Uint8Array(capacity);
    try {
      while (!this.#closed) {
        if (this.#paused) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        const n = await conn.read(buffer);
        if (this.#closed) return;
        if (n === null) {
          this.#readEnded = true;
          this.#events?.onEnd();
          if (this.#writeShut) this.#destroy(undefined);
          return;
        }
        if (n === buffer.byteLength) {
          // A full read hands the buffer over; one that filled a whole allocation grows the next.
          this.#events?.onData(buffer);
          if (n === capacity) capacity = Math.min(capacity * 2, MAX_READ);
          buffer = new Uint8Array(capacity);
        } else if (capacity === MIN_READ) {
          // Small messages hand over the part they filled and the next read goes into the rest:
          // many share one allocation and none is copied. Nothing handed over is written again.
          this.#events?.onData(buffer.subarray(0, n));
          buffer = buffer.byteLength - n < MIN_READ / 4 ? new Uint8Array(capacity) : buffer.subarray(n);
        } else {
          // A short read into a large buffer copies out and keeps the buffer, which stays warm for
          // a stream; small reads shrink it, so idle connections stay small.
          this.#events?.onData(buffer.slice(0, n));
          if (n < capacity / 4) {
            capacity /= 2;
            buffer = new Uint8Array(capacity);
          }
        }
      }
    } catch (error) {
      this.#destroy(this.#closed || isClosedResource(error) ? undefined : (error as Error));
    }
  }

  async #writeLoop(first: Uint8Array): Promise<void> {
    this.#writing = true;
    const conn = this.#conn;
    let chunk: Uint8Array | undefined = first;
    try {
      while (chunk !== undefined && !this.#closed) {
        const written = await conn.write(chunk);
        this.#queuedBytes -= written;
        chunk = written < chunk.byteLength ? chunk.subarray(written) : this.#queue?.shift();
        if (this.#needDrain && this.#queuedBytes < this.#highWaterMark) {
          this.#needDrain = false;
          this.#events?.onDrain();
        }
      }
    } catch (error) {
      this.#destroy(this.#closed || isClosedResource(error) ? undefined : (error as Error));
      return;
    } finally {
      this.#writing = false;
    }
    if (this.#after !== "open") await this.#finishWrites();
  }

  async #finishWrites(): Promise<void> {
    if (this.#closed || this.#writing) return;
    if (this.#after === "close") {
      this.#destroy(undefined);
      return;
    }
    if (this.#writeShut) return;
    this.#writeShut = true;
    try {
      await this.#conn.closeWrite();
    } catch (error) {
      this.#destroy(isClosedResource(error) ? undefined : (error as Error));
      return;
    }
    if (this.#readEnded) this.#destroy(undefined);
  }

  #destroy(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.resume();
    this.#events?.onClose(error);
  }
}
