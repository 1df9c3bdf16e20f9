import type { Socket } from "node:net";
import type { SocketAddress } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";

const EVENTS = Symbol("tcp-echo events");
const FAILURE = Symbol("tcp-echo failure");

/**
 * A `net.Socket` carrying its core events, so one set of listener functions serves every socket.
 * The events are set when the socket starts, and the failure only as it fails: a property added
 * while the socket streams would change its shape under code V8 compiled for the old one.
 */
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
function onDrain(this: Wired): void {
  this[EVENTS].onWritable();
}
function onClose(this: Wired): void {
  this[EVENTS].onClose(this[FAILURE]);
}

/** Reads a socket's two ends as the transport's address type. */
export interface AddressReader<A extends SocketAddress> {
  local(socket: Socket): A;
  remote(socket: Socket): A;
}

// https://nodejs.org/api/net.html#class-netsocket (a tls.TLSSocket is one too)
export class NodeSocket<A extends SocketAddress> implements StreamSocket<A> {
  readonly #socket: Socket;
  readonly #addresses: AddressReader<A>;
  /** The drain listener is added; on this object, not the socket, whose shape stays as it started. */
  #drainWired = false;

  constructor(socket: Socket, addresses: AddressReader<A>) {
    this.#socket = socket;
    this.#addresses = addresses;
  }

  start(events: SocketEvents): void {
    const socket = this.#socket as Wired;
    socket[EVENTS] = events;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("close", onClose);
  }

  get localAddress(): A {
    return this.#addresses.local(this.#socket);
  }

  get remoteAddress(): A {
    return this.#addresses.remote(this.#socket);
  }

  // Node takes every chunk into its own buffer; false from write() means that buffer is past
  // Node's mark, `buffered` reports it from then on, and Node's drain (the buffer emptied) tells
  // the core. Chunks written while it is full join Node's buffer, which Node flushes as soon as
  // the write in progress completes: holding them back until drain would leave the socket idle
  // between the two (TLS's tail latency doubled). The drain listener is added on the first
  // false, so a connection that never fills holds none.
  send(chunk: Uint8Array): number {
    const socket = this.#socket as Wired;
    if (socket.destroyed) return -1;
    if (!socket.write(chunk) && !this.#drainWired) {
      this.#drainWired = true;
      socket.on("drain", onDrain);
    }
    return chunk.length;
  }

  get buffered(): number {
    // Only while Node owes a drain: a TLS socket's mark is Node's own (16 KiB on Node 20) whatever the core's is,
    // and a core waiting on bytes below Node's mark would wait for a drain that never comes.
    const socket = this.#socket;
    return socket.writableNeedDrain ? socket.writableLength : 0;
  }

  sendSettled(): void {
    // Node reads on its own; its buffer being full is the core's business (pause()).
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  closeWrite(): void {
    const socket = this.#socket as Wired;
    // Node emits no drain on a stream that is ending: while one is owed, the buffer's flush
    // (finish, after which `buffered` is 0) tells the core instead.
    if (socket.writableNeedDrain) socket.once("finish", onDrain);
    socket.end();
  }

  close(): void {
    const socket = this.#socket;
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }

  // resetAndDestroy() sends an RST on TCP; a pipe, or a TLS socket whose handle is not TCP,
  // throws ERR_INVALID_HANDLE_TYPE instead, and is destroyed (for TLS, its TCP socket reset).
  reset(): void {
    const socket = this.#socket;
    try {
      socket.resetAndDestroy();
    } catch {
      const parent = (socket as { _parent?: Socket })._parent;
      if (parent !== undefined && parent !== null) {
        try {
          parent.resetAndDestroy();
        } catch {
          // Not TCP either.
        }
      }
      socket.destroy();
    }
  }
}
