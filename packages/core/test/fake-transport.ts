import type {
  AcceptSink,
  ListenRequest,
  SocketEvents,
  TcpAddress,
  Transport,
  TransportListener,
  TransportSocket,
} from "../src/index.ts";

/** An in-memory socket: the test plays the peer and the kernel. */
export class FakeSocket implements TransportSocket {
  readonly localAddress: TcpAddress = { transport: "tcp", hostname: "127.0.0.1", port: 7007, family: "IPv4" };
  readonly remoteAddress: TcpAddress;
  events!: SocketEvents;
  readonly sent: Uint8Array[] = [];
  /** Whether the next write fills the send buffer (write returns false). */
  full = false;
  paused = false;
  state: "open" | "shutdown" | "closing" | "closed" | "reset" = "open";
  calls: string[] = [];

  constructor(port: number) {
    this.remoteAddress = { transport: "tcp", hostname: "127.0.0.1", port, family: "IPv4" };
  }

  write(chunk: Uint8Array): boolean {
    this.sent.push(chunk);
    return !this.full;
  }
  pause(): void {
    this.paused = true;
    this.calls.push("pause");
  }
  resume(): void {
    this.paused = false;
    this.calls.push("resume");
  }
  shutdown(): void {
    this.state = "shutdown";
    this.calls.push("shutdown");
  }
  close(): void {
    this.state = "closing";
    this.calls.push("close");
  }
  reset(): void {
    this.state = "reset";
    this.calls.push("reset");
    this.events.onClose();
  }

  /** The peer sends bytes. */
  receive(text: string): void {
    this.events.onData(new TextEncoder().encode(text));
  }
  /** Everything written so far, as text. */
  text(): string {
    return new TextDecoder().decode(Buffer.concat(this.sent));
  }
  /** The kernel finished a close started by `close()` (or the peer went away). */
  finishClose(error?: Error): void {
    this.state = "closed";
    this.events.onClose(error);
  }
}

/** A transport whose listener accepts what the test `connect()`s. */
export class FakeTransport implements Transport {
  readonly runtime = { name: "fake", version: "1.0.0" };
  readonly unsupported = {};
  requests: ListenRequest[] = [];
  #sink: AcceptSink | undefined;
  #nextPort = 50_000;
  closed = false;
  failWith: Error | undefined;

  listen(request: ListenRequest, sink: AcceptSink): Promise<TransportListener> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.requests.push(request);
    this.#sink = sink;
    const address = {
      transport: "tcp",
      hostname: request.hostname,
      port: request.port || 40_000,
      family: request.family,
    } as const;
    return Promise.resolve({
      address,
      close: () => {
        this.closed = true;
        return Promise.resolve();
      },
    });
  }

  /** A client connects; returns the server-side socket. */
  connect(): FakeSocket {
    if (this.#sink === undefined || this.closed) throw new Error("not listening");
    const socket = new FakeSocket(this.#nextPort++);
    socket.events = this.#sink.connection(socket);
    return socket;
  }

  acceptError(error: Error): void {
    this.#sink?.acceptError(error);
  }
}
