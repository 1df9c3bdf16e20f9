/**
 * Server policy on top of a listener: the connection limit, the idle timeout, graceful shutdown
 * and the events a log is written from. It uses only the public API of `Listener` and
 * `Connection`, so a policy of your own can be written the same way. Adapters hold none of this.
 *
 * @module
 */

import type { SocketAddress } from "./address.ts";
import type { CloseReason, Connection, ConnectionHandler } from "./connection.ts";
import { connectionBudget } from "./descriptor-budget.ts";
import { echoHandler } from "./echo.ts";
import { InvalidOptionError, UnknownOptionError } from "./errors.ts";
import { createListener, type ListenOptions, type ShutdownOptions, type ShutdownResult } from "./listener.ts";
import { closeIdleConnections } from "./silence.ts";
import type { RuntimeInfo } from "./transport/capability.ts";
import type { StreamTransport } from "./transport/stream.ts";

/** The server's own options, beside the transport's bind options. */
export interface ServerOptions<A extends SocketAddress = SocketAddress>
  extends Pick<ListenOptions<A>, "backlog" | "highWaterMark"> {
  /** What to do with each connection. Default: {@link echoHandler}. */
  readonly handler?: ConnectionHandler<A>;
  /**
   * Open connections allowed at once; beyond it new ones are closed at once. Default: what the
   * process's open-file limit leaves room for, where the transport can read it (each connection
   * holds a descriptor), else no limit. A larger value is kept, with a `descriptor-limit` event.
   */
  readonly maxConnections?: number;
  /** Milliseconds a connection may stay silent before it is closed; 0 (the default) never closes it. */
  readonly idleTimeout?: number;
  /**
   * Receives every {@link ServerEvent}, for logs and metrics (only those in `events` when it is
   * given). If it throws for an `open` event, that connection is reset with the error; for a
   * `close` or `accept-error` event, the error is thrown again from a timer, as an uncaught exception.
   */
  readonly onEvent?: (event: ServerEvent<A>) => void;
  /**
   * The event types `onEvent` receives. Default: all. A log that leaves out `open` and `close`
   * says so here, and the server then builds no event, and no address, per connection.
   */
  readonly events?: readonly ServerEvent["type"][];
  /**
   * Bytes sent once to each connection when it opens, before anything is echoed: a banner that
   * says which server answered, for load-balancer tests. Leaves strict RFC 862. Default: none.
   */
  readonly greeting?: Uint8Array;
  /** Shuts the server down (no deadline) when aborted: an `AbortSignal`. */
  readonly signal?: AbortSignalLike;
}

/** The part of an `AbortSignal` the server uses (the core compiles without the web's types). */
export interface AbortSignalLike {
  /** Whether it has been aborted. */
  readonly aborted: boolean;
  /** Listens for the abort. */
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
}

/**
 * Options of {@link serve}: the transport's bind options (`host`, `port`, ... for TCP) and the
 * server's own.
 */
export type ServeOptions<B extends object = object, A extends SocketAddress = SocketAddress> = B & ServerOptions<A>;

const SERVER_OPTIONS: readonly (keyof ServerOptions)[] = [
  "backlog",
  "highWaterMark",
  "handler",
  "maxConnections",
  "idleTimeout",
  "onEvent",
  "events",
  "greeting",
  "signal",
];

/** Something that happened in a server, for its log. */
export type ServerEvent<A extends SocketAddress = SocketAddress> =
  | { readonly type: "listening"; readonly address: A; readonly runtime: RuntimeInfo }
  | { readonly type: "open"; readonly id: number; readonly remote: A; readonly open: number }
  | {
      readonly type: "close";
      readonly id: number;
      readonly remote: A;
      readonly reason: CloseReason;
      readonly bytesIn: number;
      readonly bytesOut: number;
      readonly durationMs: number;
      readonly error?: Error;
    }
  | { readonly type: "reject"; readonly remote: A; readonly reason: "max-connections"; readonly limit: number }
  | { readonly type: "accept-error"; readonly error: Error }
  | {
      /** `maxConnections` was set above what the open-file limit leaves room for. */
      readonly type: "descriptor-limit";
      readonly maxConnections: number;
      /** The connections the open-file limit leaves room for. */
      readonly allowed: number;
      /** The open-file limit. */
      readonly limit: number;
    }
  | { readonly type: "shutdown"; readonly phase: "begin"; readonly open: number; readonly timeout: number }
  | ({ readonly type: "shutdown"; readonly phase: "end" } & ShutdownResult);

/**
 * A running server. Stop it with `shutdown()` (graceful) or `close()` (stop accepting only).
 *
 * @typeParam A The transport's address type.
 */
export interface Server<A extends SocketAddress = SocketAddress> extends AsyncDisposable {
  /** The bound address, with the real port. */
  readonly address: A;
  /** The runtime serving. */
  readonly runtime: RuntimeInfo;
  /** Open connections now. */
  readonly connectionCount: number;
  /** Open connections allowed at once (`Infinity` for no limit): given, or derived from the open-file limit. */
  readonly maxConnections: number;
  /** Stop accepting; open connections go on. */
  close(): Promise<void>;
  /**
   * Stop accepting; close idle connections at once and busy ones as each goes idle; reset what
   * is still open after `timeout` ms, as `Listener.shutdown()` does. A call while a shutdown is
   * under way joins it (the same result); a `timeout` that ends sooner brings its deadline forward.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
}

/**
 * Bind, listen and serve every connection with a handler (echo by default), under the limits
 * given, over any stream transport.
 *
 * @param transport The transport, e.g. `tcp()` from `@tcp-echo/node`.
 * @param options The transport's bind options, the handler and the limits.
 * @returns The running server.
 * @throws {import("./errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`,
 * `ERR_INVALID_ADDRESS`, `ERR_UNKNOWN_OPTION` (naming the key) or `ERR_UNSUPPORTED_OPTION`
 * (naming the option, the runtime and why).
 *
 * @example An echo server that closes silent connections after 30 s
 * ```ts ignore
 * // ignore: needs the Deno runtime and a network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/deno";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 7007, idleTimeout: 30_000 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export async function serve<B extends object, A extends SocketAddress>(
  transport: StreamTransport<B, A>,
  options: ServeOptions<B, A> = {} as ServeOptions<B, A>,
): Promise<Server<A>> {
  const { bind, server: policy } = splitOptions<B, A>(options);
  const handler = policy.handler ?? (echoHandler as ConnectionHandler<A>);
  const greeting = policy.greeting;
  const descriptors = transport.descriptors?.();
  const allowed = descriptors === undefined ? undefined : connectionBudget(descriptors);
  const limit = policy.maxConnections ?? allowed ?? Number.POSITIVE_INFINITY;
  const emit = policy.onEvent;
  const wanted = (type: ServerEvent["type"]) =>
    emit !== undefined && (policy.events === undefined || policy.events.includes(type)) ? emit : undefined;
  const emitOpen = wanted("open");
  const emitClose = wanted("close");
  const emitReject = wanted("reject");
  const emitAcceptError = wanted("accept-error");
  if (!(limit >= 1))
    throw new InvalidOptionError("maxConnections", `Cannot serve: maxConnections ${limit} must be at least 1`);
  const idleTimeout = policy.idleTimeout ?? 0;
  if (!(idleTimeout >= 0))
    throw new InvalidOptionError("idleTimeout", `Cannot serve: idleTimeout ${idleTimeout} must be 0 or more`);

  const listener = createListener(transport);
  try {
    listener.bind(bind);
  } catch (error) {
    // The transport knows only its own keys: name serve()'s as well.
    if (!(error instanceof UnknownOptionError)) throw error;
    throw new UnknownOptionError("serve", error.option, [...error.known, ...SERVER_OPTIONS]);
  }
  const address = await listener.listen({
    ...(policy.backlog === undefined ? {} : { backlog: policy.backlog }),
    ...(policy.highWaterMark === undefined ? {} : { highWaterMark: policy.highWaterMark }),
    onConnection(connection) {
      const open = listener.connectionCount;
      if (open > limit) {
        const remote = emitReject && connection.remoteAddress;
        connection.close("max-connections");
        if (remote) emitReject?.({ type: "reject", remote, reason: "max-connections", limit });
        return;
      }
      emitOpen?.({ type: "open", id: connection.id, remote: connection.remoteAddress, open });
      if (greeting !== undefined) connection.write(greeting);
      connection.handle(handler);
    },
    ...(emitClose === undefined
      ? {}
      : { onConnectionClose: (connection, error) => emitCloseEvent(emitClose, connection, error) }),
    ...(emitAcceptError === undefined
      ? {}
      : { onAcceptError: (error) => emitAcceptError({ type: "accept-error", error }) }),
  });

  const connections = () => listener.connections();
  const idleSweeper = idleTimeout > 0 ? closeIdleConnections(idleTimeout, connections) : undefined;

  wanted("listening")?.({ type: "listening", address, runtime: transport.runtime });
  if (descriptors !== undefined && allowed !== undefined && limit > allowed) {
    wanted("descriptor-limit")?.({
      type: "descriptor-limit",
      maxConnections: limit,
      allowed,
      limit: descriptors.limit,
    });
  }

  let stopping: Promise<ShutdownResult> | undefined;
  const server: Server<A> = {
    address,
    runtime: transport.runtime,
    maxConnections: limit,
    get connectionCount() {
      return listener.connectionCount;
    },
    close() {
      return listener.close();
    },
    shutdown(shutdownOptions = {}) {
      if (stopping !== undefined) {
        // Joins the shutdown under way; a sooner deadline brings it forward.
        const under = stopping;
        return listener.shutdown(shutdownOptions).then(() => under);
      }
      const timeout = shutdownOptions.timeout ?? Number.POSITIVE_INFINITY;
      const emitShutdown = wanted("shutdown");
      emitShutdown?.({ type: "shutdown", phase: "begin", open: listener.connectionCount, timeout });
      const started = listener.shutdown(shutdownOptions).then(
        (result) => {
          idleSweeper?.stop();
          emitShutdown?.({ type: "shutdown", phase: "end", ...result });
          return result;
        },
        (error: unknown) => {
          // Bad options: no shutdown started, so a later call may start one.
          stopping = undefined;
          throw error;
        },
      );
      stopping = started;
      return started;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown({ timeout: 0 });
    },
  };
  const signal = policy.signal;
  if (signal !== undefined) {
    if (signal.aborted) void server.shutdown();
    else signal.addEventListener("abort", () => void server.shutdown(), { once: true });
  }
  return server;
}

/** Splits `serve()`'s options into the transport's bind options and the server's own. */
function splitOptions<B extends object, A extends SocketAddress>(
  options: ServeOptions<B, A>,
): { bind: B; server: ServerOptions<A> } {
  const bind: Record<string, unknown> = {};
  const server: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((SERVER_OPTIONS as readonly string[]).includes(key)) server[key] = value;
    else bind[key] = value;
  }
  return { bind: bind as B, server: server as ServerOptions<A> };
}

function emitCloseEvent<A extends SocketAddress>(
  emit: (event: ServerEvent<A>) => void,
  connection: Connection<A>,
  error: Error | undefined,
): void {
  const reason = connection.closeReason ?? (error === undefined ? "peer" : "error");
  if (reason === "max-connections") return;
  emit({
    type: "close",
    id: connection.id,
    remote: connection.remoteAddress,
    reason,
    bytesIn: connection.bytesRead,
    bytesOut: connection.bytesWritten,
    durationMs: Date.now() - connection.openedAt,
    ...(error === undefined ? {} : { error }),
  });
}
