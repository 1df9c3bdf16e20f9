import type { Socket } from "node:net";
import { type SocketEvents, type TcpAddress, type TransportSocket, tcpAddress } from "@tcp-echo/core";

// https://nodejs.org/api/net.html#class-netsocket
export class NodeSocket implements TransportSocket {
  readonly #socket: Socket;
  #local: TcpAddress | undefined;
  #remote: TcpAddress | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  bind(events: SocketEvents): void {
    const socket = this.#socket;
    let failure: Error | undefined;
    socket.on("data", (chunk: Buffer) => events.onData(chunk));
    socket.on("end", () => events.onEnd());
    socket.on("drain", () => events.onDrain());
    socket.on("error", (error) => {
      failure = error;
    });
    socket.on("close", () => events.onClose(failure));
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
    return this.#socket.write(chunk);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  shutdown(): void {
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
