import type { TcpAddress } from "@tcp-echo/core";
import { type SocketEvents, type StreamSocket, tcpAddress } from "@tcp-echo/core/transport";
import type { Socket } from "bun";

// https://bun.com/docs/api/tcp
// Bun's write() is unbuffered: it returns how many bytes the kernel took (fewer when its buffer
// is full, -1 once the socket is closed), and `drain` says when it can take more. end() closes
// both directions at once, so a half-close is shutdown() and a close is end().
export class BunSocket implements StreamSocket<TcpAddress> {
  readonly #socket: Socket<BunSocket>;
  #events: SocketEvents | undefined;
  #failure: Error | undefined;
  #closed = false;

  constructor(socket: Socket<BunSocket>) {
    this.#socket = socket;
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
    return tcpAddress(this.#socket.localAddress, this.#socket.localPort);
  }

  get remoteAddress(): TcpAddress {
    return tcpAddress(this.#socket.remoteAddress, this.#socket.remotePort);
  }

  send(chunk: Uint8Array): number {
    return this.#closed ? -1 : this.#socket.write(chunk);
  }

  pause(): void {
    if (!this.#closed) this.#socket.pause();
  }

  resume(): void {
    if (!this.#closed) this.#socket.resume();
  }

  closeWrite(): void {
    if (!this.#closed) this.#socket.shutdown();
  }

  close(): void {
    if (!this.#closed) this.#socket.end();
  }

  reset(cause?: unknown): void {
    if (this.#closed) return;
    if (cause instanceof Error) this.#failure ??= cause;
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
    this.#events?.onWritable();
  }

  onError(error: Error): void {
    this.#failure ??= error;
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure ??= error;
    this.#events?.onClose(this.#failure);
  }
}
