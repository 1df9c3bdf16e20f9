import { type SocketEvents, type TcpAddress, type TransportSocket, tcpAddress } from "@tcp-echo/core";
import type { Socket } from "bun";

/** What follows once the write queue is empty. */
type After = "open" | "shutdown" | "close";

// https://bun.com/docs/api/tcp
// Bun's write() is unbuffered: it returns how many bytes the kernel took (fewer when its buffer
// is full, -1 once the socket is closed). The rest waits here, in order, until `drain`.
// end() closes both directions at once, so a half-close is shutdown() and a close is end(),
// each issued only after the queue is empty.
export class BunSocket implements TransportSocket {
  readonly #socket: Socket<BunSocket>;
  readonly #highWaterMark: number;
  #events: SocketEvents | undefined;
  #local: TcpAddress | undefined;
  #remote: TcpAddress | undefined;
  #queue: Uint8Array[] | undefined;
  #queuedBytes = 0;
  #needDrain = false;
  #after: After = "open";
  #failure: Error | undefined;
  #closed = false;

  constructor(socket: Socket<BunSocket>, highWaterMark: number) {
    this.#socket = socket;
    this.#highWaterMark = highWaterMark;
  }

  /**
   * Wires the core's events; called once, from `open`. A close made while the core was being
   * handed the socket (a connection over the limit) is reported now.
   */
  start(events: SocketEvents): void {
    this.#events = events;
    if (this.#closed) events.onClose(this.#failure);
  }

  get localAddress(): TcpAddress {
    const socket = this.#socket;
    this.#local ??= tcpAddress(socket.localAddress, socket.localPort);
    return this.#local;
  }

  get remoteAddress(): TcpAddress {
    const socket = this.#socket;
    this.#remote ??= tcpAddress(socket.remoteAddress, socket.remotePort);
    return this.#remote;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#after !== "open") return false;
    if (this.#queuedBytes === 0) {
      const written = this.#socket.write(chunk);
      if (written < 0) return false;
      if (written === chunk.byteLength) return true;
      chunk = chunk.subarray(written);
    }
    if (this.#queue === undefined) this.#queue = [chunk];
    else this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.#queuedBytes < this.#highWaterMark) return true;
    this.#needDrain = true;
    return false;
  }

  pause(): void {
    if (!this.#closed) this.#socket.pause();
  }

  resume(): void {
    if (!this.#closed) this.#socket.resume();
  }

  shutdown(): void {
    if (this.#after !== "open") return;
    this.#after = "shutdown";
    if (this.#queuedBytes === 0) this.#finish();
  }

  close(): void {
    if (this.#after === "close") return;
    this.#after = "close";
    if (this.#queuedBytes === 0) this.#finish();
  }

  reset(): void {
    if (this.#closed) return;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    this.#socket.terminate();
  }

  // Socket handlers, called by the listener's `socket` table.

  onData(chunk: Uint8Array): void {
    this.#events?.onData(chunk);
  }

  onEnd(): void {
    this.#events?.onEnd();
  }

  onDrain(): void {
    const queue = this.#queue;
    while (queue !== undefined && queue.length > 0) {
      const chunk = queue[0] as Uint8Array;
      const written = this.#socket.write(chunk);
      if (written < 0) return;
      this.#queuedBytes -= Math.max(written, 0);
      if (written < chunk.byteLength) {
        queue[0] = chunk.subarray(written);
        return;
      }
      queue.shift();
    }
    if (this.#after !== "open") this.#finish();
    else if (this.#needDrain) {
      this.#needDrain = false;
      this.#events?.onDrain();
    }
  }

  onError(error: Error): void {
    this.#failure ??= error;
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    this.#failure ??= error;
    this.#events?.onClose(this.#failure);
  }

  #finish(): void {
    if (this.#closed) return;
    if (this.#after === "shutdown") this.#socket.shutdown();
    else this.#socket.end();
  }
}
