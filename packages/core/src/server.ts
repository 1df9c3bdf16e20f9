/**
 * Server policy on top of a listener: the connection limit, the idle timeout, graceful shutdown
 * and the events a log is written from. Adapters hold none of this.
 *
 * @module
 */

import type { AddressFamily, BindOptions, TcpAddress } from "./address.ts";
import type { CloseReason, Connection, ConnectionHandler, SocketConnection } from "./connection.ts";
import { echoHandler } from "./echo.ts";
import { IdleSweeper } from "./idle.ts";
import { createListener, type ListenOptions, type ShutdownOptions, type ShutdownResult } from "./listener.ts";
import type { RuntimeInfo, Transport } from "./transport.ts";

/** Options of {@link serve}: where to listen, how to answer, and the limits. */
export interface ServeOptions extends BindOptions, Pick<ListenOptions, "backlog" | "highWaterMark" | "noDelay"> {
  /** The address family; see {@link AddressFamily}. */
  readonly family?: AddressFamily;
  /** What to do with each connection. Default: {@link echoHandler}. */
  readonly handler?: ConnectionHandler;
  /** Open connections allowed at once; beyond it new ones are closed at once. Default: no limit. */
  readonly maxConnections?: number;
  /** Milliseconds a connection may stay silent before it is closed; 0 (the default) never closes it. */
  readonly idleTimeout?: number;
  /** Receives every {@link ServerEvent}, for logs and metrics (only those in `events` when it is given). */
  readonly onEvent?: (event: ServerEvent) => void;
  /**
   * The event types `onEvent` receives. Default: all. A log that leaves out `open` and `close`
   * says so here, and the server then builds no event, and no address, per connection.
   */
  readonly events?: readonly ServerEvent["type"][];
}

/** Something that happened in a server, for its log. */
export type ServerEvent =
  | { readonly type: "listening"; readonly address: TcpAddress; readonly runtime: RuntimeInfo }
  | { readonly type: "open"; readonly id: number; readonly remote: TcpAddress; readonly open: number }
  | {
      readonly type: "close";
      readonly id: number;
      readonly remote: TcpAddress;
      readonly reason: CloseReason;
      readonly bytesIn: number;
      readonly bytesOut: number;
      readonly durationMs: number;
      readonly error?: Error;
    }
  | { readonly type: "reject"; readonly remote: TcpAddress; readonly reason: "max-connections"; readonly limit: number }
  | { readonly type: "accept-error"; readonly error: Error }
  | { readonly type: "shutdown"; readonly phase: "begin"; readonly open: number; readonly timeout: number }
  | { readonly type: "shutdown"; readonly phase: "end"; readonly finished: number; readonly reset: number };

/**
 * A running server. Stop it with `shutdown()` (graceful) or `close()` (stop accepting only).
 */
export interface Server extends AsyncDisposable {
  /** The bound address, with the real port. */
  readonly address: TcpAddress;
  /** The runtime serving. */
  readonly runtime: RuntimeInfo;
  /** Open connections now. */
  readonly connectionCount: number;
  /** Stop accepting; open connections go on. */
  close(): Promise<void>;
  /** Stop accepting, wait up to `timeout` ms for connections to finish, reset the rest. */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
}

/**
 * Bind, listen and serve every connection with a handler (echo by default), under the limits given.
 *
 * @param transport The adapter, e.g. `nodeTransport` from `@tcp-echo/node`.
 * @param options Address, handler and limits.
 * @returns The running server.
 * @throws {import("./errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
 * `ERR_INVALID_ADDRESS`.
 *
 * @example An echo server that closes silent connections after 30 s
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { denoTransport } from "@tcp-echo/deno";
 *
 * const server = await serve(denoTransport, { host: "127.0.0.1", port: 7007, idleTimeout: 30_000 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export async function serve(transport: Transport, options: ServeOptions = {}): Promise<Server> {
  const handler = options.handler ?? echoHandler;
  const limit = options.maxConnections ?? Number.POSITIVE_INFINITY;
  const emit = options.onEvent;
  const wanted = (type: ServerEvent["type"]) =>
    emit !== undefined && (options.events === undefined || options.events.includes(type)) ? emit : undefined;
  const emitOpen = wanted("open");
  const emitClose = wanted("close");
  const emitReject = wanted("reject");
  const emitAcceptError = wanted("accept-error");
  if (!(limit >= 1)) throw new RangeError(`Cannot serve: maxConnections ${limit} must be at least 1`);
  const idleTimeout = options.idleTimeout ?? 0;
  if (!(idleTimeout >= 0)) throw new RangeError(`Cannot serve: idleTimeout ${idleTimeout} must be 0 or more`);

  const listener = createListener(transport, { family: options.family ?? "auto" });
  listener.bind(options);
  const address = await listener.listen({
    backlog: options.backlog,
    highWaterMark: options.highWaterMark,
    noDelay: options.noDelay,
    onConnection(connection) {
      const open = listener.connectionCount;
      if (open > limit) {
        const remote = emitReject && connection.remoteAddress;
        (connection as SocketConnection).closeReason = "max-connections";
        connection.close();
        if (remote) emitReject?.({ type: "reject", remote, reason: "max-connections", limit });
        return;
      }
      emitOpen?.({ type: "open", id: connection.id, remote: connection.remoteAddress, open });
      connection.handle(handler);
    },
    onConnectionClose:
      emitClose && ((connection, error) => emitCloseEvent(emitClose, connection as SocketConnection, error)),
    onAcceptError: emitAcceptError && ((error) => emitAcceptError({ type: "accept-error", error })),
  });

  const sweeper =
    idleTimeout > 0
      ? new IdleSweeper(
          idleTimeout,
          () => listener.connections() as Iterable<SocketConnection>,
          (connection) => {
            connection.closeReason = "idle-timeout";
            connection.close();
          },
        )
      : undefined;

  wanted("listening")?.({ type: "listening", address, runtime: transport.runtime });

  let stopping: Promise<ShutdownResult> | undefined;
  const server: Server = {
    address,
    runtime: transport.runtime,
    get connectionCount() {
      return listener.connectionCount;
    },
    close() {
      return listener.close();
    },
    shutdown(shutdownOptions = {}) {
      if (stopping !== undefined) {
        if (shutdownOptions.timeout === 0) return listener.shutdown({ timeout: 0 });
        return stopping;
      }
      const timeout = shutdownOptions.timeout ?? Number.POSITIVE_INFINITY;
      const emitShutdown = wanted("shutdown");
      emitShutdown?.({ type: "shutdown", phase: "begin", open: listener.connectionCount, timeout });
      stopping = listener.shutdown({ timeout }).then((result) => {
        sweeper?.stop();
        emitShutdown?.({ type: "shutdown", phase: "end", ...result });
        return result;
      });
      return stopping;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown({ timeout: 0 });
    },
  };
  return server;
}

function emitCloseEvent(
  emit: (event: ServerEvent) => void,
  connection: SocketConnection,
  error: Error | undefined,
): void {
  const reason = connection.closeReason ?? (error === undefined ? "peer" : "error");
  if (reason === "max-connections") return;
  const event: Connection = connection;
  emit({
    type: "close",
    id: event.id,
    remote: event.remoteAddress,
    reason,
    bytesIn: event.bytesRead,
    bytesOut: event.bytesWritten,
    durationMs: Date.now() - event.openedAt,
    ...(error === undefined ? {} : { error }),
  });
}
