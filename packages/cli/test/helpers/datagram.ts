import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
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

  /** A client bound to `port` (default: an ephemeral one) on `host`'s family. */
  static async open(host = "127.0.0.1", port = 0): Promise<DatagramClient> {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => resolve());
    });
    return new DatagramClient(socket);
  }

  /**
   * A client bound to a port below the system's ephemeral range whose TCP twin was free when it
   * was bound: no port-0 bind or outgoing connection of a concurrent test can then take that
   * TCP port, as one could take an ephemeral one.
   */
  static async openWhereTcpIsFree(host = "127.0.0.1"): Promise<DatagramClient> {
    const below = ephemeralLow();
    const lowest = Math.max(1024, below - 12_000);
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = lowest + Math.floor(Math.random() * (below - lowest));
      if (!(await tcpFree(port, host))) continue;
      try {
        return await DatagramClient.open(host, port);
      } catch {
        // UDP had it: try another.
      }
    }
    throw new Error(`no port in ${lowest}-${below - 1} on ${host} free for both TCP and UDP after 50 tries`);
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

/** Whether a TCP listener can bind `port` on `host` now (it is closed again at once). */
function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The low end of the ephemeral port range: Linux's setting, or its default 32768 elsewhere. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048) return low;
  } catch {
    // Not Linux: its default.
  }
  return 32_768;
}
