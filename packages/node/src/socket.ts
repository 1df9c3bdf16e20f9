import type { Socket } from "node:net";
import type { IpFamily, SocketEvents, TcpAddress, TransportSocket } from "@tcp-echo/core";

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
    this.#local ??= tcpAddress(socket.localAddress, socket.localPort, socket.localFamily);
    return this.#local;
  }

  get remoteAddress(): TcpAddress {
    const socket = this.#socket;
    this.#remote ??= tcpAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
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

function tcpAddress(hostname: string | undefined, port: number | undefined, family: string | undefined): TcpAddress {
  const ipFamily: IpFamily = family === "IPv6" ? "IPv6" : "IPv4";
  return { transport: "tcp", hostname: hostname ?? "", port: port ?? 0, family: ipFamily };
}
