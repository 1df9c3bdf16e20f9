import type { Socket } from "node:net";
import type { TcpAddress } from "@tcp-echo/core";
import { type SocketEvents, type StreamSocket, tcpAddress } from "@tcp-echo/core/transport";

const EVENTS = Symbol("tcp-echo events");
const FAILURE = Symbol("tcp-echo failure");

/** A `net.Socket` carrying its core events, so one set of listener functions serves every socket. */
interface Wired extends Socket {
  [EVENTS]: SocketEvents;
  [FAILURE]?: Error;
}

// Node calls a listener with the socket as `this`: no closure per socket and event.
function onData(this: Wired, chunk: Buffer): void {
  this[EVENTS].onData(chunk);
}
function onEnd(this: Wired): void {
  this[EVENTS].onEnd();
}
function onError(this: Wired, error: Error): void {
  this[FAILURE] = error;
}
function onClose(this: Wired): void {
  this[EVENTS].onClose(this[FAILURE]);
}

// https://nodejs.org/api/net.html#class-netsocket
export class NodeSocket implements StreamSocket<TcpAddress> {
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  start(events: SocketEvents): void {
    const socket = this.#socket as Wired;
    socket[EVENTS] = events;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("close", onClose);
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
