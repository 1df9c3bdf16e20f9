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
  #queue: Uint8Array[] = [];
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
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (!this.#writing) void this.#writeLoop();
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
    let buffer = new Uint8Array(MIN_READ);
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
          // A full read hands the buffer over and grows the next one.
          this.#events?.onData(buffer);
          buffer = new Uint8Array(Math.min(buffer.byteLength * 2, MAX_READ));
        } else {
          // A short read copies out and keeps the buffer: idle connections stay small.
          this.#events?.onData(buffer.slice(0, n));
          if (n < buffer.byteLength / 4 && buffer.byteLength > MIN_READ) buffer = new Uint8Array(buffer.byteLength / 2);
        }
      }
    } catch (error) {
      this.#destroy(this.#closed || isClosedResource(error) ? undefined : (error as Error));
    }
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    const conn = this.#conn;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const head = this.#queue[0] as Uint8Array;
        const written = await conn.write(head);
        this.#queuedBytes -= written;
        if (written < head.byteLength) this.#queue[0] = head.subarray(written);
        else this.#queue.shift();
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
    if (this.#closed || this.#queue.length > 0) return;
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
    this.#queue = [];
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
