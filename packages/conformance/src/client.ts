import type { Socket } from "node:net";
import { withDeadline } from "./deadline.ts";
import { connectSocket } from "./dial.ts";
import type { Target } from "./target.ts";

/** Options of {@link EchoClient.connect}. */
export interface ConnectOptions {
  /** Milliseconds to wait for the connection. Default 5000. */
  readonly timeout?: number;
  /** Keep received chunks for {@link EchoClient.bytes} (default true); false only counts them. */
  readonly keep?: boolean;
  /** Sees every received chunk as it arrives, e.g. to hash a stream too long to keep. */
  readonly onData?: (chunk: Uint8Array) => void;
}

/**
 * A test client over `node:net` and `node:tls` (which Node, Deno and Bun all ship), half-open
 * capable: it can shut down its writing side (over TLS: close_notify, then FIN) and keep
 * reading the echo. The same over TCP, a unix domain socket and TLS.
 *
 * @example Send, half-close, read the echo to EOF
 * ```ts ignore
 * // ignore: needs an echo server on 127.0.0.1:7007.
 * import assert from "node:assert/strict";
 * import { EchoClient } from "@tcp-echo/conformance";
 *
 * const client = await EchoClient.connect({ host: "127.0.0.1", port: 7007 });
 * await client.write(new TextEncoder().encode("hello"));
 * client.end();
 * assert.equal(new TextDecoder().decode(await client.untilEnd(5000)), "hello");
 * ```
 */
export class EchoClient {
  /** The underlying socket, for cases that misbehave on purpose. */
  readonly socket: Socket;
  readonly #keep: boolean;
  readonly #chunks: Buffer[] = [];
  #received = 0;
  #ended = false;
  #error: Error | undefined;
  readonly #endWaiters: Array<() => void> = [];
  readonly #dataWaiters: Array<() => void> = [];
  /** Resolves when the socket has closed, with the error that closed it, if any. */
  readonly closed: Promise<Error | undefined>;

  private constructor(socket: Socket, options: ConnectOptions) {
    this.socket = socket;
    this.#keep = options.keep ?? true;
    const onData = options.onData;
    socket.on("data", (chunk: Buffer) => {
      this.#received += chunk.byteLength;
      if (this.#keep) this.#chunks.push(chunk);
      onData?.(chunk);
      for (const wake of this.#dataWaiters.splice(0)) wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      for (const wake of this.#endWaiters.splice(0)) wake();
    });
    socket.on("error", (error) => {
      this.#error = error;
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#ended = true;
        for (const wake of [...this.#endWaiters.splice(0), ...this.#dataWaiters.splice(0)]) wake();
        resolve(this.#error);
      });
    });
  }

  /**
   * Opens a connection to `target`: over TCP, a unix domain socket, or TLS (resolving once the
   * handshake is done; a failed handshake rejects with a message naming the target).
   */
  static async connect(target: Target, options: ConnectOptions = {}): Promise<EchoClient> {
    return new EchoClient(await connectSocket(target, options.timeout ?? 5000), options);
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** Whether the server's FIN (or a close) has arrived. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Everything received so far, as one buffer (needs `keep`). */
  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Writes `bytes`; resolves once the socket has taken them (waits for `drain` when full). */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Writes every chunk in order, waiting for `drain` whenever the socket is full, so a stream of
   * any length costs no more memory than the socket's buffer.
   * @returns the number of bytes written.
   */
  async writeAll(chunks: Iterable<Uint8Array>): Promise<number> {
    const socket = this.socket;
    let written = 0;
    for (const chunk of chunks) {
      if (this.#error !== undefined) throw this.#error;
      if (socket.destroyed) throw new Error(`the connection closed after ${written} bytes written`);
      written += chunk.byteLength;
      if (socket.write(chunk)) continue;
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          socket.off("drain", done);
          socket.off("close", closed);
          if (error) reject(error);
          else resolve();
        };
        const closed = () => done(this.#error ?? new Error(`the connection closed after ${written} bytes written`));
        socket.on("drain", done);
        socket.on("close", closed);
      });
    }
    return written;
  }

  /** Stops reading: the echo piles up in the kernel until the server's writes block. */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Reads again after {@link EchoClient.pauseReading}. */
  resumeReading(): void {
    this.socket.resume();
  }

  /** Half-closes: sends FIN (after `bytes`, when given), keeps reading. */
  end(bytes?: Uint8Array): void {
    if (bytes === undefined) this.socket.end();
    else this.socket.end(bytes);
  }

  /** Resolves with everything received once the server's FIN arrives; rejects after `ms`. */
  async untilEnd(ms: number): Promise<Buffer> {
    if (!this.#ended) {
      await withDeadline(
        new Promise<void>((resolve) => this.#endWaiters.push(resolve)),
        ms,
        `EOF from the server (received ${this.#received} bytes so far)`,
      );
    }
    return this.bytes();
  }

  /** Resolves once at least `count` bytes have arrived; rejects after `ms` or at EOF short of it. */
  async until(count: number, ms: number): Promise<void> {
    const reached = async () => {
      while (this.#received < count) {
        if (this.#ended) throw new Error(`EOF after ${this.#received} of ${count} bytes`);
        await new Promise<void>((resolve) => this.#dataWaiters.push(resolve));
      }
    };
    await withDeadline(reached(), ms, `${count} bytes of echo (received ${this.#received})`);
  }

  /**
   * Closes at once with a RST (`SO_LINGER` 0) where the runtime's `node:net` can
   * (`resetAndDestroy()`, on plain TCP), else with `destroy()`: a unix domain socket has no RST,
   * and `node:tls` refuses to reset the TCP beneath it.
   */
  reset(): void {
    const socket = this.socket as Partial<Pick<Socket, "resetAndDestroy">> & Socket;
    try {
      if (typeof socket.resetAndDestroy === "function") {
        socket.resetAndDestroy();
        return;
      }
    } catch {
      // ERR_INVALID_HANDLE_TYPE: not a TCP handle.
    }
    socket.destroy();
  }

  /** Closes at once (FIN, no wait). */
  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * One echo exchange: connect, send `payload`, half-close, read until EOF.
 * @returns the bytes the server sent back.
 *
 * @example Send every byte value over TLS and read the echo
 * ```ts ignore
 * // ignore: needs an echo server on tls://127.0.0.1:7443 with a certificate the test CA signed.
 * import { readFileSync } from "node:fs";
 * import { allByteValues, assertSameBytes, roundTrip } from "@tcp-echo/conformance";
 *
 * const target = { host: "127.0.0.1", port: 7443, tls: { ca: readFileSync("ca.crt", "utf8") } };
 * assertSameBytes(await roundTrip(target, allByteValues(), 5000), allByteValues(), "echo");
 * ```
 */
export async function roundTrip(target: Target, payload: Uint8Array, ms: number): Promise<Buffer> {
  const client = await EchoClient.connect(target, { timeout: ms });
  try {
    await client.write(payload);
    client.end();
    return await client.untilEnd(ms);
  } finally {
    client.destroy();
  }
}
