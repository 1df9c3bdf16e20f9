import { createSocket, type Socket } from "node:dgram";
import { withDeadline } from "./deadline.ts";

/** A UDP client for the tests: sends datagrams and waits for the answers, with deadlines. */
export class DatagramClient {
  readonly #socket: Socket;
  readonly #received: Buffer[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("message", (message) => {
      this.#received.push(message);
      for (const wake of this.#waiters) wake();
    });
  }

  /** A client bound to an ephemeral port on `host`'s family. */
  static async open(host = "127.0.0.1"): Promise<DatagramClient> {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    return new DatagramClient(socket);
  }

  /** Sends one datagram to `port` on `host`. */
  send(data: Uint8Array | string, port: number, host = "127.0.0.1"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.send(data, port, host, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The `count`th datagram received (1-based), waiting for it up to `ms`. */
  nth(count: number, ms = 5000): Promise<Buffer> {
    const arrived = new Promise<Buffer>((resolve) => {
      const check = () => {
        const message = this.#received[count - 1];
        if (message === undefined) return;
        this.#waiters.delete(check);
        resolve(message);
      };
      this.#waiters.add(check);
      check();
    });
    return withDeadline(arrived, ms, () => `datagram ${count} (${this.#received.length} received)`);
  }

  /** The port the client is bound to. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Datagrams received so far. */
  get received(): readonly Buffer[] {
    return this.#received;
  }

  close(): void {
    this.#socket.close();
  }
}
