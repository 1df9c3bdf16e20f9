/**
 * The listener lifecycle, after the Berkeley sockets calls:
 *
 * | sockets API                  | tcp-echo                          | state after |
 * | ---------------------------- | --------------------------------- | ----------- |
 * | `socket(domain)`             | `createListener(transport, { family })` | created |
 * | `bind(addr)` + `SO_REUSEADDR`| `bind({ host, port, reuseAddress })` | bound |
 * | `listen(backlog)`            | `await listen({ backlog })`       | listening   |
 * | `accept()`                   | `await accept()` / `for await`    | listening   |
 * | `close()`                    | `await close()` / `shutdown()`    | closed      |
 *
 * The runtimes bind and listen in one call, so `bind()` validates the address and records it,
 * and `listen()` performs both: an address in use is reported by `listen()`, not `bind()`.
 *
 * @module
 */

import {
  type AddressFamily,
  type BindOptions,
  formatAddress,
  type ResolvedBind,
  resolveBind,
  type TcpAddress,
} from "./address.ts";
import { type Connection, type ConnectionOwner, SocketConnection } from "./connection.ts";
import { ListenerClosedError, ListenerStateError } from "./errors.ts";
import { timers } from "./timers.ts";
import type { RuntimeInfo, SocketEvents, Transport, TransportListener, TransportSocket } from "./transport.ts";

/** Where a listener is in its lifecycle. */
export type ListenerState = "created" | "bound" | "listening" | "closed";

/** Options of {@link createListener}: the arguments of `socket(2)`. */
export interface ListenerOptions {
  /** Which addresses to accept; `"auto"` (the default) derives it from the bound host. */
  readonly family?: AddressFamily;
}

/** Options of {@link Listener.listen}. */
export interface ListenOptions {
  /** The `listen(2)` backlog: connections the kernel queues before `accept()`. Default 511. */
  readonly backlog?: number;
  /** Unsent bytes per connection before `write()` returns false. Default 64 KiB. */
  readonly highWaterMark?: number;
  /** Disable Nagle's algorithm on accepted connections. Default true: an echo answers at once. */
  readonly noDelay?: boolean;
  /**
   * Receive each connection here, synchronously, instead of through `accept()`: the fast path
   * for servers. Attach a handler inside it so no byte is buffered.
   */
  readonly onConnection?: (connection: Connection) => void;
  /** Called once per connection when it closes. */
  readonly onConnectionClose?: (connection: Connection, error: Error | undefined) => void;
  /** Called when accepting failed (for example `EMFILE`); the listener keeps accepting. */
  readonly onAcceptError?: (error: Error) => void;
}

/** Options of {@link Listener.shutdown}. */
export interface ShutdownOptions {
  /** Milliseconds to wait for open connections to close before resetting them. Default: no limit. */
  readonly timeout?: number;
}

/** What a shutdown did. */
export interface ShutdownResult {
  /** Connections that closed by themselves within the timeout. */
  readonly finished: number;
  /** Connections still open at the timeout, which were reset. */
  readonly reset: number;
}

const DEFAULT_BACKLOG = 511;
const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

/**
 * A TCP listener. Make one with {@link createListener}.
 *
 * Who owns what: the listener owns its listening socket and tracks each connection it accepted
 * until that connection closes. `close()` only stops accepting (like closing a listening socket
 * in C: accepted connections go on); `shutdown()` also waits for them, then resets the rest.
 */
export class Listener implements AsyncIterable<Connection>, AsyncDisposable {
  readonly #transport: Transport;
  readonly #family: AddressFamily;
  readonly #connections = new Set<SocketConnection>();
  readonly #backlog: SocketConnection[] = [];
  readonly #waiters: { resolve(connection: Connection): void; reject(error: Error): void }[] = [];
  #state: ListenerState = "created";
  #bind: ResolvedBind | undefined;
  #listening: TransportListener | undefined;
  #closing: Promise<void> | undefined;
  #idleWaiter: (() => void) | undefined;
  #options: ListenOptions = {};

  /**
   * Creates a listener in the `created` state; {@link createListener} is the usual way.
   *
   * @param transport The adapter to listen through.
   * @param options The address family.
   */
  constructor(transport: Transport, options: ListenerOptions = {}) {
    this.#transport = transport;
    this.#family = options.family ?? "auto";
  }

  /** The lifecycle state. */
  get state(): ListenerState {
    return this.#state;
  }

  /** The runtime this listener runs on. */
  get runtime(): RuntimeInfo {
    return this.#transport.runtime;
  }

  /** The bound address, with the real port when 0 was asked for; undefined until listening. */
  get address(): TcpAddress | undefined {
    return this.#listening?.address;
  }

  /** How many accepted connections are open. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** The open connections, in the order they were accepted. */
  connections(): IterableIterator<Connection> {
    return this.#connections.values();
  }

  /**
   * Validate and record the address to listen on.
   * @throws {ListenerStateError} when not in the `created` state.
   * @throws {import("./errors.ts").TcpEchoError} `ERR_INVALID_ADDRESS` for a bad host or port.
   */
  bind(options: BindOptions = {}): void {
    if (this.#state !== "created") {
      const where = this.#bind ? ` to ${formatAddress(this.#bind)}` : "";
      throw new ListenerStateError(`Cannot bind: the listener is already ${this.#state}${where}`);
    }
    this.#bind = resolveBind(options, this.#family);
    this.#state = "bound";
  }

  /**
   * Bind and listen. On failure the listener returns to `created`, so `bind()` may be called again.
   * @returns The bound address.
   * @throws {ListenerStateError} when not `bound`.
   * @throws {import("./errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`.
   */
  async listen(options: ListenOptions = {}): Promise<TcpAddress> {
    const bind = this.#bind;
    if (this.#state !== "bound" || bind === undefined) {
      throw new ListenerStateError(
        this.#state === "created"
          ? "Cannot listen: call bind() first"
          : `Cannot listen: the listener is already ${this.#state}`,
      );
    }
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 1)
      throw new RangeError(`Cannot listen: backlog ${backlog} is not a whole number above 0`);
    this.#options = options;
    this.#state = "listening";
    try {
      this.#listening = await this.#transport.listen(
        {
          ...bind,
          backlog,
          highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
          noDelay: options.noDelay ?? true,
        },
        {
          connection: (socket) => this.#accepted(socket),
          acceptError: (error) => this.#options.onAcceptError?.(error),
        },
      );
    } catch (error) {
      this.#state = "created";
      this.#bind = undefined;
      throw error;
    }
    if (this.#closing !== undefined) await this.#listening.close();
    return this.#listening.address;
  }

  /**
   * The next connection.
   * @throws {ListenerStateError} before `listen()`.
   * @throws {ListenerClosedError} once closed, including for an accept pending at the close.
   */
  accept(): Promise<Connection> {
    if (this.#state === "closed")
      return Promise.reject(new ListenerClosedError("Cannot accept: the listener is closed"));
    if (this.#state !== "listening") {
      return Promise.reject(
        new ListenerStateError(`Cannot accept: call listen() first (the listener is ${this.#state})`),
      );
    }
    const next = this.#backlog.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /** Accepts connections until the listener closes; the loop then ends without error. */
  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof ListenerClosedError) return;
        throw error;
      }
    }
  }

  /**
   * Stop accepting at once and release the port. Pending `accept()` calls reject with
   * {@link ListenerClosedError}. Accepted connections are left running. Safe to call twice.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#state = "closed";
    const closed = new ListenerClosedError("Cannot accept: the listener is closed");
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closed);
    for (const queued of this.#backlog.splice(0)) queued.reset();
    this.#closing = this.#listening?.close() ?? Promise.resolve();
    return this.#closing;
  }

  /**
   * Graceful shutdown: `close()`, then wait up to `timeout` ms for open connections to finish,
   * then reset the rest. `timeout: 0` resets them at once.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
    await this.close();
    const open = this.#connections.size;
    const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
    if (open > 0 && timeout > 0) await this.#drained(timeout);
    const reset = this.#connections.size;
    for (const connection of [...this.#connections]) {
      connection.closeReason ??= "shutdown";
      connection.reset();
    }
    return { finished: open - reset, reset };
  }

  /** `shutdown({ timeout: 0 })`: what `await using` calls at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ timeout: 0 });
  }

  #accepted(socket: TransportSocket): SocketEvents {
    const connection = new SocketConnection(
      socket,
      this.#owner,
      this.#options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    );
    this.#connections.add(connection);
    if (this.#state !== "listening") {
      connection.closeReason = "shutdown";
      void Promise.resolve().then(() => connection.reset());
      return connection;
    }
    const onConnection = this.#options.onConnection;
    if (onConnection !== undefined) {
      onConnection(connection);
      return connection;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(connection);
    else this.#backlog.push(connection);
    return connection;
  }

  readonly #owner: ConnectionOwner = {
    released: (connection, error) => {
      this.#connections.delete(connection);
      const queued = this.#backlog.indexOf(connection);
      if (queued !== -1) this.#backlog.splice(queued, 1);
      this.#options.onConnectionClose?.(connection, error);
      if (this.#connections.size === 0) this.#idleWaiter?.();
    },
  };

  #drained(timeout: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeout) ? timers.setTimeout(done, timeout) : undefined;
      const self = this;
      function done(): void {
        if (timer !== undefined) timers.clearTimeout(timer);
        self.#idleWaiter = undefined;
        resolve();
      }
      this.#idleWaiter = done;
    });
  }
}

/**
 * Create a listener over a transport: the `socket(2)` step.
 *
 * @param transport The adapter, e.g. `nodeTransport` from `@tcp-echo/node`.
 * @param options The address family.
 * @returns A listener in the `created` state.
 *
 * @example Accept one connection and echo it with the pull API
 * ```ts ignore
 * import { createListener } from "@tcp-echo/core";
 * import { nodeTransport } from "@tcp-echo/node";
 *
 * await using listener = createListener(nodeTransport);
 * listener.bind({ host: "127.0.0.1", port: 0 });
 * const address = await listener.listen();
 * console.log(`listening on port ${address.port}`);
 * for await (const connection of listener) {
 *   for (let chunk = await connection.read(); chunk; chunk = await connection.read()) {
 *     if (!connection.write(chunk)) await connection.drained();
 *   }
 *   connection.close();
 * }
 * ```
 */
export function createListener(transport: Transport, options?: ListenerOptions): Listener {
  return new Listener(transport, options);
}
