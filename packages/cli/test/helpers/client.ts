import { connect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { withDeadline } from "./deadline.ts";

/**
 * A TCP client that keeps every byte it receives and knows when the server ended its side.
 */
export class Client {
  readonly socket: Socket;
  readonly #chunks: Buffer[] = [];
  #received = 0;
  readonly #waiters = new Set<() => void>();
  /** Resolves when the server sent FIN (`end`) or the socket closed, reset included. */
  readonly ended: Promise<void>;
  /** Resolves when the socket is closed. */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#received += chunk.length;
      for (const wake of this.#waiters) wake();
    });
    // A reset by the server is an outcome some tests expect, not a failure of the test.
    socket.on("error", () => {});
    this.ended = new Promise((resolve) => {
      socket.once("end", resolve);
      socket.once("close", resolve);
    });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** Connects to `host:port`, rejecting with the socket error (e.g. `ECONNREFUSED`). */
  static open(port: number, host = "127.0.0.1", ms = 5000): Promise<Client> {
    const connected = new Promise<Client>((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new Client(socket));
      });
    });
    return withDeadline(connected, ms, `a connection to ${host}:${port}`);
  }

  /** Connects to a unix socket at `path`. */
  static openUnix(path: string, ms = 5000): Promise<Client> {
    const connected = new Promise<Client>((resolve, reject) => {
      const socket = connect({ path, allowHalfOpen: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new Client(socket));
      });
    });
    return withDeadline(connected, ms, `a connection to unix:${path}`);
  }

  /** Connects over TLS to `127.0.0.1:port`, trusting `ca`, and waits for the handshake. */
  static openTls(port: number, ca: string, ms = 5000): Promise<Client> {
    const connected = new Promise<Client>((resolve, reject) => {
      // node:tls hands allowHalfOpen to its TLSSocket, though @types/node does not list it.
      const options: ConnectionOptions & { allowHalfOpen: boolean } = {
        host: "127.0.0.1",
        port,
        ca,
        allowHalfOpen: true,
      };
      const socket = tlsConnect(options);
      socket.once("error", reject);
      socket.once("secureConnect", () => {
        socket.off("error", reject);
        resolve(new Client(socket));
      });
    });
    return withDeadline(connected, ms, `a TLS connection to 127.0.0.1:${port}`);
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Sends bytes. */
  send(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Waits until at least `count` bytes have arrived in total, and returns them all. */
  async waitForBytes(count: number, ms = 5000): Promise<Buffer> {
    await this.waitForCount(count, ms);
    return this.received;
  }

  /** Waits until at least `count` bytes have arrived in total, without joining them (cheap in a loop). */
  waitForCount(count: number, ms = 5000): Promise<void> {
    const enough = new Promise<void>((resolve) => {
      const check = () => {
        if (this.#received < count) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
    return withDeadline(enough, ms, () => `${count} bytes (have ${this.#received})`);
  }

  /** Half-closes (sends FIN), then waits for the server's FIN and returns every byte received. */
  async finish(ms = 10_000): Promise<Buffer> {
    this.socket.end();
    await withDeadline(this.ended, ms, "the server to end the connection");
    return this.received;
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Resolves with the error code of a connection attempt expected to fail (e.g. `ECONNREFUSED`). */
export async function connectError(port: number, host = "127.0.0.1"): Promise<string> {
  try {
    const client = await Client.open(port, host);
    client.destroy();
    return "connected";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
