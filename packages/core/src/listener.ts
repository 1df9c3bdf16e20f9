/**
 * The listener lifecycle, after the Berkeley sockets calls:
 *
 * | sockets API                  | tcp-echo                          | state after |
 * | ---------------------------- | --------------------------------- | ----------- |
 * | `socket(domain, type)`       | `createListener(tcp())`           | created     |
 * | `bind(addr)` + `SO_REUSEADDR`| `bind({ host, port, reuseAddress, family })` | bound |
 * | `listen(backlog)`            | `await listen({ backlog })`       | listening   |
 * | `accept()`                   | `await accept()` / `for await`    | listening   |
 * | `close()`                    | `await close()` / `shutdown()`    | closed      |
 *
 * The runtimes bind and listen in one call, so `bind()` validates the address and records it,
 * and `listen()` performs both: an address in use is reported by `listen()`, not `bind()`.
 * The listener works the same over every stream transport; only the bind options and the
 * address type differ, and they are the transport's.
 *
 * @module
 */

import type { SocketAddress } from "./address.ts";
import { type CloseReason, type Connection, type ConnectionOwner, SocketConnection } from "./connection.ts";
import { Deadline } from "./deadline.ts";
import { InvalidOptionError, ListenerClosedError, ListenerStateError } from "./errors.ts";
import { type Links, OpenConnections } from "./open-connections.ts";
import { reportUncaught } from "./report-error.ts";
import { closeIdleOnShutdown } from "./silence.ts";
import type { RuntimeInfo } from "./transport/capability.ts";
import { rejectUnknownOptions, requireCapability } from "./transport/options.ts";
import type { SocketEvents, StreamBinding, StreamListener, StreamSocket, StreamTransport } from "./transport/stream.ts";

/** Where a listener is in its lifecycle. */
export type ListenerState = "created" | "bound" | "listening" | "closed";

/** Options of {@link Listener.listen}. */
export interface ListenOptions<A extends SocketAddress = SocketAddress> {
  /**
   * The `listen(2)` backlog: connections the kernel queues before the process accepts them.
   * Default 511. A transport that cannot pass it on fails with `ERR_UNSUPPORTED_OPTION` when
   * it is given.
   */
  readonly backlog?: number;
  /**
   * Unsent bytes per connection before `write()` returns false. Default 64 KiB. Where the
   * runtime keeps a larger write buffer of its own (Node.js's TLS sockets: 16 KiB on Node 20),
   * backpressure starts at that one.
   */
  readonly highWaterMark?: number;
  /**
   * Receive each connection here, synchronously, instead of through `accept()`: the fast path
   * for servers. Attach a handler inside it so no byte is buffered. If it throws, that
   * connection is reset with the error (close reason `"error"`) and the listener goes on.
   */
  readonly onConnection?: (connection: Connection<A>) => void;
  /**
   * Called once per connection when it closes. An error it throws is thrown again from a timer,
   * as an uncaught exception (there is no connection left to reset).
   */
  readonly onConnectionClose?: (connection: Connection<A>, error: Error | undefined) => void;
  /**
   * Called when accepting failed (for example `EMFILE`); the listener keeps accepting. An error
   * it throws is thrown again from a timer, as an uncaught exception.
   */
  readonly onAcceptError?: (error: Error) => void;
}

const LISTEN_OPTIONS: readonly (keyof ListenOptions)[] = [
  "backlog",
  "highWaterMark",
  "onConnection",
  "onConnectionClose",
  "onAcceptError",
];

/** Options of {@link Listener.shutdown}. */
export interface ShutdownOptions {
  /** Milliseconds to wait for open connections to close before resetting them. Default: no limit. */
  readonly timeout?: number;
  /**
   * Close each connection with nothing in flight (nothing unsent, nothing received for this
   * many milliseconds) with a FIN, rather than wait for it: an idle echo connection loses
   * nothing. One that was busy during the shutdown is closed once silent for eight such periods
   * (2 s by default) with nothing unsent. Default 250; 0 waits for every connection to end by itself.
   */
  readonly quietPeriod?: number;
  /** The close reason given to the connections reset at the deadline. Default `"shutdown"`. */
  readonly reason?: CloseReason;
}

/** What a shutdown did. */
export interface ShutdownResult {
  /** Connections closed because they had nothing in flight (see `quietPeriod`). */
  readonly idleClosed: number;
  /** Connections that closed by themselves within the timeout. */
  readonly finished: number;
  /** Connections still open at the timeout, which were reset. */
  readonly reset: number;
}

const DEFAULT_BACKLOG = 511;
const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
/** Long enough for a reply already on its way across a LAN to arrive; short enough for Ctrl-C. */
const DEFAULT_QUIET_PERIOD = 250;

/** A shutdown under way: its result, and how a later call brings its deadline forward. */
interface Stopping {
  readonly result: Promise<ShutdownResult>;
  hurry(timeout: number): void;
}

/** The listener's side of its connections: the high-water mark of the current listen, and the release hook. */
interface ListenerOwner<A extends SocketAddress> extends ConnectionOwner<A> {
  highWaterMark: number;
}

/**
 * A listener over any stream transport. Make one with {@link createListener}.
 *
 * Who owns what: the listener owns its listening socket and tracks each connection it accepted
 * until that connection closes. `close()` only stops accepting (like closing a listening socket
 * in C: accepted connections go on); `shutdown()` also waits for them, then resets the rest.
 *
 * @typeParam B The transport's bind options.
 * @typeParam A The transport's address type.
 */
export class Listener<B extends object = object, A extends SocketAddress = SocketAddress>
  implements AsyncIterable<Connection<A>>, AsyncDisposable
{
  readonly #transport: StreamTransport<B, A>;
  readonly #connections = new OpenConnections<SocketConnection<A>>(
    SocketConnection.links as Links<SocketConnection<A>>,
  );
  /** Accepted connections no `accept()` has taken yet. */
  readonly #unclaimed: SocketConnection<A>[] = [];
  readonly #waiters: { resolve(connection: Connection<A>): void; reject(error: Error): void }[] = [];
  #state: ListenerState = "created";
  #binding: StreamBinding<A> | undefined;
  #listening: StreamListener<A> | undefined;
  #closing: Promise<void> | undefined;
  #stopping: Stopping | undefined;
  #emptyWaiter: (() => void) | undefined;
  #options: ListenOptions<A> = {};

  /**
   * Creates a listener in the `created` state; {@link createListener} is the usual way.
   *
   * @param transport The transport to listen through, e.g. `tcp()` from an adapter.
   */
  constructor(transport: StreamTransport<B, A>) {
    this.#transport = transport;
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
  get address(): A | undefined {
    return this.#listening?.address;
  }

  /** How many accepted connections are open. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * The open connections, in the order they were accepted: those open at the call, so closing
   * them while iterating is safe.
   */
  connections(): IterableIterator<Connection<A>> {
    return this.#connections.snapshot().values();
  }

  /**
   * Validate and record the address to listen on; the options are the transport's.
   * @throws {ListenerStateError} when not in the `created` state.
   * @throws {import("./errors.ts").TcpEchoError} `ERR_INVALID_ADDRESS` for a bad address,
   * `ERR_UNKNOWN_OPTION`, or `ERR_UNSUPPORTED_OPTION` for an option the runtime cannot honour.
   */
  bind(options: B = {} as B): void {
    if (this.#state !== "created") {
      const where = this.#binding ? ` to ${this.#binding.description}` : "";
      throw new ListenerStateError(`Cannot bind: the listener is already ${this.#state}${where}`);
    }
    this.#binding = this.#transport.bind(options);
    this.#state = "bound";
  }

  /**
   * Bind and listen. On failure the listener returns to `created`, so `bind()` may be called again.
   * @returns The bound address.
   * @throws {ListenerStateError} when not `bound`.
   * @throws {import("./errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`.
   */
  async listen(options: ListenOptions<A> = {}): Promise<A> {
    const binding = this.#binding;
    if (this.#state !== "bound" || binding === undefined) {
      throw new ListenerStateError(
        this.#state === "created"
          ? "Cannot listen: call bind() first"
          : `Cannot listen: the listener is already ${this.#state}`,
      );
    }
    rejectUnknownOptions("listen", options, LISTEN_OPTIONS);
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 1)
      throw new InvalidOptionError("backlog", `Cannot listen: backlog ${backlog} is not a whole number above 0`);
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1)
      throw new InvalidOptionError(
        "highWaterMark",
        `Cannot listen: highWaterMark ${highWaterMark} is not a whole number above 0`,
      );
    if (options.backlog !== undefined) requireCapability(this.#transport, "backlog", "backlog");
    this.#options = options;
    this.#owner.highWaterMark = highWaterMark;
    this.#state = "listening";
    try {
      this.#listening = await binding.listen(
        { backlog, highWaterMark },
        {
          connection: (socket) => this.#accepted(socket),
          acceptError: (error) => {
            try {
              this.#options.onAcceptError?.(error);
            } catch (thrown) {
              reportUncaught(thrown);
            }
          },
        },
      );
    } catch (error) {
      this.#state = "created";
      this.#binding = undefined;
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
  accept(): Promise<Connection<A>> {
    if (this.#state === "closed")
      return Promise.reject(new ListenerClosedError("Cannot accept: the listener is closed"));
    if (this.#state !== "listening") {
      return Promise.reject(
        new ListenerStateError(`Cannot accept: call listen() first (the listener is ${this.#state})`),
      );
    }
    const next = this.#unclaimed.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /** Accepts connections until the listener closes; the loop then ends without error. */
  async *[Symbol.asyncIterator](): AsyncIterator<Connection<A>> {
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
    for (const unclaimed of this.#unclaimed.splice(0)) unclaimed.reset("shutdown");
    this.#closing = this.#listening?.close() ?? Promise.resolve();
    return this.#closing;
  }

  /**
   * Graceful shutdown: `close()`; then close each idle connection (nothing in flight for
   * `quietPeriod` ms) with a FIN, and each busy one as soon as it goes idle; wait up to `timeout`
   * ms for the rest, then reset them, and resolve once every connection has closed. `timeout: 0`
   * resets them at once. A call while a shutdown is under way joins it and gets the same result;
   * a `timeout` that ends sooner brings its deadline forward (its other options are not used).
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
    const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
    if (!(timeout >= 0))
      return Promise.reject(
        new InvalidOptionError("timeout", `Cannot shut down: timeout ${timeout} must be 0 or more`),
      );
    if (this.#stopping !== undefined) {
      this.#stopping.hurry(timeout);
      return this.#stopping.result;
    }
    const quietPeriod = options.quietPeriod ?? DEFAULT_QUIET_PERIOD;
    if (!(quietPeriod >= 0)) {
      return Promise.reject(
        new InvalidOptionError("quietPeriod", `Cannot shut down: quietPeriod ${quietPeriod} must be 0 or more`),
      );
    }
    const deadline = new Deadline(timeout);
    const result = this.#shutDown(deadline, quietPeriod, options.reason ?? "shutdown");
    this.#stopping = { result, hurry: (sooner) => deadline.hurry(sooner) };
    return result;
  }

  async #shutDown(deadline: Deadline, quietPeriod: number, reason: CloseReason): Promise<ShutdownResult> {
    const idle = new Set<Connection>();
    const idleCloser =
      quietPeriod > 0 && !deadline.passed
        ? closeIdleOnShutdown(
            quietPeriod,
            () => this.#connections.snapshot(),
            (connection) => idle.add(connection),
          )
        : undefined;
    await this.close();
    const open = this.#connections.size;
    if (open > 0) await Promise.race([this.#emptied(), deadline.reached]);
    deadline.cancel();
    idleCloser?.stop();
    const reset = this.#connections.size;
    let idleClosed = idle.size;
    for (const connection of this.#connections.snapshot()) {
      if (idle.has(connection)) idleClosed--;
      connection.reset(reason);
    }
    // A reset connection is released when its runtime reports the close, which may come later
    // (Node.js reports it on the next turn): the result waits for it, so that it is final.
    if (this.#connections.size > 0) await this.#emptied();
    return { idleClosed, finished: open - reset - idleClosed, reset };
  }

  /** `shutdown({ timeout: 0 })`: what `await using` calls at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ timeout: 0 });
  }

  #accepted(socket: StreamSocket<A>): SocketEvents {
    const connection = new SocketConnection(socket, this.#owner);
    this.#connections.add(connection);
    if (this.#state !== "listening") {
      void Promise.resolve().then(() => connection.reset("shutdown"));
      return connection;
    }
    const onConnection = this.#options.onConnection;
    if (onConnection !== undefined) {
      try {
        onConnection(connection);
      } catch (error) {
        connection.fail(error);
      }
      return connection;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(connection);
    else this.#unclaimed.push(connection);
    return connection;
  }

  readonly #owner: ListenerOwner<A> = {
    highWaterMark: DEFAULT_HIGH_WATER_MARK,
    released: (connection, error) => {
      this.#connections.delete(connection);
      const unclaimed = this.#unclaimed.indexOf(connection);
      if (unclaimed !== -1) this.#unclaimed.splice(unclaimed, 1);
      try {
        this.#options.onConnectionClose?.(connection, error);
      } catch (thrown) {
        reportUncaught(thrown);
      }
      if (this.#connections.size === 0) this.#emptyWaiter?.();
    },
  };

  /** Resolves once no connection is open. */
  #emptied(): Promise<void> {
    return new Promise((resolve) => {
      this.#emptyWaiter = () => {
        this.#emptyWaiter = undefined;
        resolve();
      };
    });
  }
}

/**
 * Create a listener over a stream transport: the `socket(2)` step.
 *
 * @param transport The transport, e.g. `tcp()` from `@tcp-echo/node`.
 * @returns A listener in the `created` state.
 *
 * @example Accept one connection and echo it with the pull API
 * ```ts ignore
 * // ignore: needs a runtime adapter and a network; the conformance suite runs the same steps.
 * import { createListener } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 *
 * const listener = createListener(tcp());
 * listener.bind({ host: "127.0.0.1", port: 0 });
 * const address = await listener.listen();
 * console.log(`listening on port ${address.port}`);
 * const connection = await listener.accept();
 * for (let chunk = await connection.read(); chunk; chunk = await connection.read()) {
 *   if (!connection.write(chunk)) await connection.drained();
 * }
 * connection.close();
 * await listener.shutdown({ timeout: 1000 });
 * ```
 */
export function createListener<B extends object, A extends SocketAddress>(
  transport: StreamTransport<B, A>,
): Listener<B, A> {
  return new Listener(transport);
}
