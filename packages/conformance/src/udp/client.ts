import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { assertSameBytes } from "../assert-bytes.ts";
import type { UdpTarget } from "./target.ts";

/** The address family of a UDP socket. */
export type UdpFamily = "IPv4" | "IPv6";

/** A UDP target resolved to one address: where a client sends. */
export interface UdpPeer {
  /** An IP literal. */
  readonly address: string;
  /** The port. */
  readonly port: number;
  /** The literal's family, which the client socket must share. */
  readonly family: UdpFamily;
}

/**
 * Resolves a target's host once (an IP literal is used as it is, a name is looked up), so that
 * thousands of sends cost no lookup each.
 *
 * @param target The echo server.
 * @returns Its address, port and family.
 * @example An IPv6 literal needs no lookup
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveUdpTarget } from "@tcp-echo/conformance";
 *
 * const peer = await resolveUdpTarget({ udp: true, host: "::1", port: 7007 });
 * assert.deepEqual(peer, { address: "::1", port: 7007, family: "IPv6" });
 * ```
 */
export async function resolveUdpTarget(target: UdpTarget): Promise<UdpPeer> {
  const version = isIP(target.host);
  if (version !== 0) return { address: target.host, port: target.port, family: version === 6 ? "IPv6" : "IPv4" };
  const found = await lookup(target.host);
  return { address: found.address, port: target.port, family: found.family === 6 ? "IPv6" : "IPv4" };
}

/** Options of {@link UdpClient.open}. */
export interface UdpClientOptions {
  /** The socket's family: the family of the peers it sends to. */
  readonly family: UdpFamily;
  /** The local address to bind; default the family's wildcard (`0.0.0.0`, or `::`, dual-stack). */
  readonly address?: string;
  /** The local port; default 0, a free one. */
  readonly port?: number;
  /** Sees each datagram instead of the queue {@link UdpClient.receive} reads. */
  readonly onMessage?: (datagram: Buffer, from: RemoteInfo) => void;
}

/** Whether `error` is a bind failure the environment causes: a privileged port, or a taken one. */
export function bindRefusal(error: unknown): "EACCES" | "EADDRINUSE" | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EADDRINUSE" ? code : undefined;
}

/**
 * A UDP test client over `node:dgram` (which Node, Deno and Bun all ship): one socket, bound
 * to a port of its own, that sends datagrams to a peer and queues what comes back whole, one
 * datagram per entry.
 *
 * @example One round trip
 * ```ts ignore
 * // ignore: needs a UDP echo server on 127.0.0.1:7007.
 * import { resolveUdpTarget, UdpClient } from "@tcp-echo/conformance";
 *
 * const peer = await resolveUdpTarget({ udp: true, host: "127.0.0.1", port: 7007 });
 * const client = await UdpClient.open({ family: peer.family });
 * await client.roundTrip(peer, new TextEncoder().encode("hello"), "hello");
 * await client.close();
 * ```
 */
export class UdpClient {
  /** The underlying socket. */
  readonly socket: Socket;
  readonly #queue: Buffer[] = [];
  readonly #waiters = new Set<() => boolean>();
  #received = 0;
  #error: Error | undefined;
  #closed = false;

  private constructor(socket: Socket, onMessage: UdpClientOptions["onMessage"]) {
    this.socket = socket;
    socket.on("message", (datagram: Buffer, from: RemoteInfo) => {
      this.#received += 1;
      if (onMessage !== undefined) {
        onMessage(datagram, from);
        return;
      }
      this.#queue.push(datagram);
      this.#wake();
    });
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wake();
    });
  }

  /**
   * Opens a socket and binds it.
   * @throws {Error} the bind error, with its `code` (`EACCES`, `EADDRINUSE`, ...).
   */
  static open(options: UdpClientOptions): Promise<UdpClient> {
    const socket = createSocket({ type: options.family === "IPv6" ? "udp6" : "udp4" });
    const address = options.address ?? (options.family === "IPv6" ? "::" : "0.0.0.0");
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        try {
          socket.close();
        } catch {
          // Already closed by the failed bind.
        }
        reject(error);
      };
      socket.once("error", failed);
      socket.bind({ port: options.port ?? 0, address }, () => {
        socket.off("error", failed);
        resolve(new UdpClient(socket, options.onMessage));
      });
    });
  }

  /** The local port the socket is bound to. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Datagrams received so far, taken or not. */
  get received(): number {
    return this.#received;
  }

  /** Datagrams received and not yet taken by {@link UdpClient.receive} or {@link UdpClient.take}. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Sends one datagram; resolves once the runtime has handed it to the kernel. */
  send(data: Uint8Array, peer: UdpPeer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, peer.port, peer.address, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The next datagram, whole; rejects after `ms` naming `what`, or on a socket error. */
  receive(ms: number, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // Settles when it can; stays registered otherwise, and leaves at its deadline without
      // taking a datagram that arrives later.
      const check = (): boolean => {
        const datagram = this.#queue.shift();
        if (datagram !== undefined) resolve(datagram);
        else if (this.#error !== undefined) reject(this.#error);
        else if (this.#closed) reject(new Error(`the socket closed while waiting for ${what}`));
        else return false;
        clearTimeout(timer);
        this.#waiters.delete(check);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      if (!check()) this.#waiters.add(check);
    });
  }

  /**
   * Waits up to `ms` for a datagram that should not come: resolves with it if one arrives (or
   * was already queued), with undefined when the window passes in silence.
   */
  async silence(ms: number): Promise<Buffer | undefined> {
    try {
      return await this.receive(ms, "silence");
    } catch (error) {
      if (this.#error !== undefined || this.#closed) throw error;
      return undefined;
    }
  }

  /** Every queued datagram, emptying the queue. */
  take(): Buffer[] {
    return this.#queue.splice(0);
  }

  /**
   * Sends `payload` and waits for a datagram equal to it byte for byte. A datagram that differs
   * fails at once (truncated, merged, someone else's); no datagram in time sends it again, as
   * UDP may lose one: `attempts` times in all, the last waiting `ms`, each earlier one half as
   * long as the next (250, 500, 1000 ms by default). Copies of an earlier attempt's echo are
   * equal, so they pass.
   * @throws {Error} naming `what` and the first difference, or the number of attempts.
   */
  async roundTrip(peer: UdpPeer, payload: Uint8Array, what: string, ms = 1000, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.send(payload, peer);
      let echoed: Buffer;
      try {
        echoed = await this.receive(ms / 2 ** (attempts - attempt), `the echo of ${what}`);
      } catch (error) {
        if (attempt < attempts && this.#error === undefined && !this.#closed) continue;
        throw new Error(`${(error as Error).message}, sent ${attempt} times`, { cause: error });
      }
      assertSameBytes(echoed, payload, `the echo of ${what}`);
      return;
    }
  }

  /** Closes the socket; what is still queued stays readable with {@link UdpClient.take}. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#wake();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  #wake(): void {
    for (const check of [...this.#waiters]) check();
  }
}
