import type { TcpAddress, TcpBindOptions, TcpTransport } from "../src/index.ts";
import {
  type AcceptSink,
  type ListenSettings,
  type SocketEvents,
  type StreamSocket,
  type TcpListenTarget,
  tcpTransport,
} from "../src/transport.ts";

/** An in-memory socket: the test plays the peer and the kernel. */
export class FakeSocket implements StreamSocket<TcpAddress> {
  readonly localAddress: TcpAddress = { transport: "tcp", hostname: "127.0.0.1", port: 7007, family: "IPv4" };
  readonly remoteAddress: TcpAddress;
  events!: SocketEvents;
  readonly sent: Uint8Array[] = [];
  /** Bytes the kernel takes before the test makes room again; Infinity takes everything, 0 nothing (full). */
  room = Number.POSITIVE_INFINITY;
  /** Bytes the runtime holds in a buffer of its own after taking them (Node's shape); the test sets it. */
  buffered = 0;
  /** Sends complete later, when the test calls `settle()` (Deno's shape). */
  async = false;
  readonly #pending: { chunk: Uint8Array; resolve(n: number): void; reject(error: unknown): void }[] = [];
  paused = false;
  state: "open" | "write-closed" | "closing" | "closed" | "reset" = "open";
  calls: string[] = [];
  resetCause: unknown;

  constructor(port: number) {
    this.remoteAddress = { transport: "tcp", hostname: "127.0.0.1", port, family: "IPv4" };
  }

  /** Whether the next send is refused whole (the kernel's buffer is full). */
  set full(full: boolean) {
    this.room = full ? 0 : Number.POSITIVE_INFINITY;
  }

  send(chunk: Uint8Array): number | Promise<number> {
    if (this.state === "closed" || this.state === "reset") return -1;
    if (this.async) {
      return new Promise((resolve, reject) => this.#pending.push({ chunk, resolve, reject }));
    }
    const taken = Math.min(this.room, chunk.byteLength);
    this.room -= taken;
    if (taken > 0) this.sent.push(chunk.slice(0, taken));
    return taken;
  }
  /** Completes the oldest pending async send, taking `count` bytes of it (all by default). */
  settle(count?: number): void {
    const next = this.#pending.shift();
    if (next === undefined) throw new Error("no send is pending");
    const taken = count ?? next.chunk.byteLength;
    this.sent.push(next.chunk.slice(0, taken));
    next.resolve(taken);
  }
  /** Fails the oldest pending async send. */
  fail(error: unknown): void {
    this.#pending.shift()?.reject(error);
  }
  sendSettled(): void {
    this.calls.push("sendSettled");
  }
  get pendingSends(): number {
    return this.#pending.length;
  }
  pause(): void {
    this.paused = true;
    this.calls.push("pause");
  }
  resume(): void {
    this.paused = false;
    this.calls.push("resume");
  }
  closeWrite(): void {
    this.state = "write-closed";
    this.calls.push("closeWrite");
  }
  /** close() is reported closed at once, inside the call, as Bun and Deno may report it. */
  closesAtOnce = false;
  close(): void {
    this.state = "closing";
    this.calls.push("close");
    if (this.closesAtOnce) this.finishClose();
  }
  /** A reset is reported closed when the test calls `finishClose()`, as Node.js reports it a turn later. */
  lateReset = false;
  reset(cause?: unknown): void {
    this.state = "reset";
    this.resetCause = cause;
    this.calls.push("reset");
    if (this.lateReset) return;
    // Reset while the core was being handed the socket: reported once it has the events, as
    // every adapter does.
    if (this.events === undefined) this.closedEarly = true;
    else this.events.onClose(cause instanceof Error ? cause : undefined);
  }
  closedEarly = false;

  /** The peer sends bytes; returns what onData said (true: kept). */
  receive(text: string | Uint8Array): boolean {
    return this.events.onData(typeof text === "string" ? new TextEncoder().encode(text) : text);
  }
  /** Everything the kernel took so far, as text. */
  text(): string {
    return new TextDecoder().decode(Buffer.concat(this.sent));
  }
  /** The kernel finished a close started by `close()` (or the peer went away). */
  finishClose(error?: Error): void {
    this.state = "closed";
    this.events.onClose(error);
  }
}

/** A TCP transport, built as every adapter builds its own, whose listener accepts what the test `connect()`s. */
export class FakeTransport implements TcpTransport {
  readonly kind = "stream";
  readonly name = "tcp";
  readonly runtime = { name: "fake", version: "1.0.0" };
  unsupported: TcpTransport["unsupported"] = {};
  /** The descriptor budget the fake reports; none by default, as on a runtime that cannot tell. */
  budget: { limit: number; open: number } | undefined;

  descriptors() {
    return this.budget;
  }
  requests: { target: TcpListenTarget; settings: ListenSettings }[] = [];
  #sink: AcceptSink<TcpAddress> | undefined;
  #nextPort = 50_000;
  closed = false;
  failWith: Error | undefined;

  bind(options: TcpBindOptions) {
    return tcpTransport({
      runtime: this.runtime,
      unsupported: this.unsupported,
      listen: (target, settings, sink) => {
        if (this.failWith) return Promise.reject(this.failWith);
        this.requests.push({ target, settings });
        this.#sink = sink;
        const address: TcpAddress = {
          transport: "tcp",
          hostname: target.hostname,
          port: target.port || 40_000,
          family: target.family,
        };
        return Promise.resolve({
          address,
          close: () => {
            this.closed = true;
            return Promise.resolve();
          },
        });
      },
    }).bind(options);
  }

  /** A client connects; returns the server-side socket. */
  connect(): FakeSocket {
    if (this.#sink === undefined || this.closed) throw new Error("not listening");
    const socket = new FakeSocket(this.#nextPort++);
    socket.events = this.#sink.connection(socket);
    if (socket.closedEarly) socket.events.onClose();
    return socket;
  }

  acceptError(error: Error): void {
    this.#sink?.acceptError(error);
  }
}
