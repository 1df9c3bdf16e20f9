import type { Socket } from "node:net";
import type { TcpAddress } from "@tcp-echo/core";
import { type SocketEvents, type StreamSocket, tcpAddress } from "@tcp-echo/core/transport";

// https://nodejs.org/api/net.html#class-netsocket
export class NodeSocket implements StreamSocket<TcpAddress> {
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  start(events: SocketEvents): void {
    const socket = this.#socket;
    let failure: Error | undefined;
    socket.on("data", (chunk: Buffer) => events.onData(chunk));
    socket.on("end", () => events.onEnd());
    socket.on("error", (error) => {
      failure = error;
    });
    socket.on("close", () => events.onClose(failure));
  }

  get localAddress(): TcpAddress {
    return tcpAddress(this.#socket.localAddress, this.#socket.localPort);
  }

  get remoteAddress(): TcpAddress {
    return tcpAddress(this.#socket.remoteAddress, this.#socket.remotePort);
  }

  // Node takes every chunk into its own buffer; false from write() means that buffer is full,
  // so the core waits for Node's drain before offering the next one.
  send(chunk: Uint8Array): number | Promise<number> {
    const socket = this.#socket;
    if (socket.destroyed) return -1;
    if (socket.write(chunk)) return chunk.byteLength;
    return new Promise((resolve) => socket.once("drain", () => resolve(chunk.byteLength)));
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  closeWrite(): void {
    this.#socket.end();
  }

  close(): void {
    const socket = this.#socket;
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }

  reset(): void {
    this.#socket.resetAndDestroy();
  }
}
