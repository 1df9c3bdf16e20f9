import {
  type DatagramServerEvent,
  type DropCounts,
  formatAddress,
  type RuntimeInfo,
  type ServerEvent,
  type SocketAddress,
} from "@tcp-echo/core";
import type { LogFormat } from "./args.ts";
import { formatDuration } from "./duration.ts";
import type { Signal } from "./platform.ts";
import type { WorkerSharing } from "./workers/worker-process.ts";

/** What the command logs: the server's events plus its own. */
export type LogEvent =
  | ServerEvent
  /** The UDP server's: its `listening` line, the periodic `drops` summary and `closed`. */
  | DatagramServerEvent
  /** The server cannot run; `code` is the core's error code when there is one. */
  | { readonly type: "error"; readonly message: string; readonly code?: string }
  /** Something the operator should know that stops nothing. */
  | { readonly type: "note"; readonly message: string }
  /** A second signal arrived during a shutdown: the process exits now with `code`. */
  | { readonly type: "exit"; readonly signal: Signal; readonly code: number }
  /** `--workers`: the supervisor starts `count` workers on `address`, sharing it as `sharing` says. */
  | {
      readonly type: "workers";
      readonly count: number;
      readonly address: string;
      readonly runtime: RuntimeInfo;
      readonly sharing: WorkerSharing;
    }
  /** `--workers`: a worker exited without being asked, and starts again in `delayMs`. */
  | {
      readonly type: "restart";
      readonly worker: number;
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
      readonly delayMs: number;
    };

/** Which worker of `--workers` writes the log: its id (1 to N) and process id. */
export interface WorkerTag {
  /** 1 to N. */
  readonly id: number;
  /** The worker's process id, which its JSON `listening` event carries. */
  readonly pid: number;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The line format. */
  readonly format: LogFormat;
  /** Leave out `open`, `close` and `reject`. The `listening` line is always written. */
  readonly quiet: boolean;
  /** Writes text, one or more whole lines, to the log (stderr). */
  readonly write: (text: string) => void;
  /** The clock for the json `time` field. Default: `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * In a worker of `--workers`: pretty lines start with `[worker 2] `, JSON events carry
   * `"worker": 2`, and the `listening` event the worker's `pid`.
   */
  readonly worker?: WorkerTag;
}

const PER_CONNECTION: ReadonlySet<LogEvent["type"]> = new Set(["open", "close", "reject"]);

/** Every server event type, checked against {@link ServerEvent} by the compiler. */
const SERVER_EVENTS = {
  listening: true,
  open: true,
  close: true,
  reject: true,
  "accept-error": true,
  "descriptor-limit": true,
  shutdown: true,
} as const satisfies Record<ServerEvent["type"], true>;

/**
 * The server events a logger with these options writes, for `serve()`'s `events` option: a quiet
 * log leaves out the per-connection events, so the server does not build them.
 *
 * @param options The logger's options; only `quiet` matters.
 * @returns The event types, or undefined for all of them.
 */
export function loggedEvents(options: Pick<LoggerOptions, "quiet">): readonly ServerEvent["type"][] | undefined {
  if (!options.quiet) return undefined;
  return (Object.keys(SERVER_EVENTS) as ServerEvent["type"][]).filter((type) => !PER_CONNECTION.has(type));
}

/**
 * Makes the function that writes each {@link LogEvent} as one line.
 *
 * @param options Format, verbosity and where to write.
 * @returns The function to hand to `serve()` as `onEvent`.
 *
 * @example Log a server's events as JSON lines on stderr
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 * import { createLogger } from "@tcp-echo/cli";
 *
 * const log = createLogger({ format: "json", quiet: false, write: (text) => process.stderr.write(text) });
 * await serve(tcp(), { port: 0, onEvent: log });
 * ```
 */
export function createLogger(options: LoggerOptions): (event: LogEvent) => void {
  const now = options.now ?? (() => new Date());
  const worker = options.worker;
  const prefix = worker === undefined ? "" : `[worker ${worker.id}] `;
  const fields = (event: LogEvent) =>
    worker === undefined
      ? {}
      : event.type === "listening"
        ? { worker: worker.id, pid: worker.pid }
        : { worker: worker.id };
  return (event) => {
    if (options.quiet && PER_CONNECTION.has(event.type)) return;
    const line = options.format === "json" ? formatJson(event, now(), fields(event)) : prefix + formatPretty(event);
    options.write(`${line}\n`);
  };
}

/**
 * A client's address as the log shows it. Node.js no longer knows the address of a client that
 * reset before its connection was taken (it reads as `:0`): that reads "(client gone)".
 */
function client(address: SocketAddress): string {
  if ("hostname" in address && address.hostname === "" && address.port === 0) return "(client gone)";
  return formatAddress(address);
}

/**
 * Formats an event as one line for people: `tcp-echo listening on [::1]:7007 (deno 2.9.6)`.
 *
 * @param event The event.
 * @returns The line, without its newline.
 *
 * @example The startup line
 * ```ts
 * import { formatPretty } from "@tcp-echo/cli";
 *
 * const address = { transport: "tcp", hostname: "::1", port: 7007, family: "IPv6" } as const;
 * console.log(formatPretty({ type: "listening", address, runtime: { name: "deno", version: "2.9.6" } }));
 * // "tcp-echo listening on [::1]:7007 (deno 2.9.6)"
 * ```
 */
export function formatPretty(event: LogEvent): string {
  switch (event.type) {
    case "listening":
      return `tcp-echo listening on ${formatAddress(event.address)} (${event.runtime.name} ${event.runtime.version})`;
    case "open":
      return `open #${event.id} ${client(event.remote)} (${event.open} open)`;
    case "close": {
      const error = event.error === undefined ? "" : `: ${event.error.message}`;
      return `close #${event.id} ${client(event.remote)} ${event.reason}${error}, ${event.bytesIn} bytes in, ${event.bytesOut} bytes out, ${event.durationMs} ms`;
    }
    case "reject":
      return `reject ${client(event.remote)} ${event.reason}: ${event.limit} open already`;
    case "accept-error":
      return `tcp-echo: cannot accept a connection: ${event.error.message}; still listening`;
    case "descriptor-limit":
      return (
        `tcp-echo: warning: --max-connections ${event.maxConnections} is more than the ${event.allowed} connections ` +
        `the open-file limit of ${event.limit} leaves room for; past ${event.allowed}, accepting may fail until connections close`
      );
    case "shutdown":
      if (event.phase === "end") {
        return `tcp-echo stopped: ${event.idleClosed} idle closed, ${event.finished} finished, ${event.reset} reset`;
      }
      return `tcp-echo shutting down: ${plural(event.open, "connection")} open, ${
        event.timeout === 0 ? "resetting them now" : `waiting up to ${formatDuration(event.timeout)}`
      }`;
    case "drops":
      return `tcp-echo: udp ${formatDrops(event)} in the last ${formatDuration(event.periodMs)}`;
    case "closed":
      return `tcp-echo closed ${formatAddress(event.address)}: ${plural(event.received, "datagram")} received, ${event.answered} answered, ${formatDrops(event)}`;
    case "error":
      return `tcp-echo: ${event.message}`;
    case "note":
      return `tcp-echo: note: ${event.message}`;
    case "exit":
      return `tcp-echo: second ${event.signal}, exiting now with code ${event.code}`;
    case "workers": {
      const sharing = event.sharing === "reusePort" ? "SO_REUSEPORT" : "node:cluster";
      return `tcp-echo: starting ${plural(event.count, "worker")} on ${event.address} (${event.runtime.name} ${event.runtime.version}, ${sharing})`;
    }
    case "restart": {
      const how = event.signal === null ? `exited with code ${event.code}` : `killed by ${event.signal}`;
      return `tcp-echo: worker ${event.worker} (pid ${event.pid}) ${how}; restarting in ${formatDuration(event.delayMs)}`;
    }
  }
}

/**
 * Formats an event as one JSON object: `type` and `time` first, addresses as `host:port` strings,
 * errors as their message, durations in milliseconds.
 *
 * @param event The event.
 * @param time When it happened.
 * @param fields Fields written after `time`, before the event's own: a worker's `worker` and `pid`.
 * @returns The JSON text, without its newline.
 *
 * @example A close event
 * ```ts
 * import { formatJson } from "@tcp-echo/cli";
 *
 * const remote = { transport: "tcp", hostname: "127.0.0.1", port: 50000, family: "IPv4" } as const;
 * const event = { type: "close", id: 1, remote, reason: "peer", bytesIn: 5, bytesOut: 5, durationMs: 3 } as const;
 * console.log(formatJson(event, new Date(0)));
 * // {"type":"close","time":"1970-01-01T00:00:00.000Z","id":1,"remote":"127.0.0.1:50000","reason":"peer",...}
 * ```
 */
export function formatJson(event: LogEvent, time: Date, fields: Readonly<Record<string, unknown>> = {}): string {
  const head = { type: event.type, time: time.toISOString(), ...fields };
  switch (event.type) {
    case "listening": {
      // The address's own fields follow its text: hostname, port and family for TCP, path for unix.
      const { transport, ...fields } = event.address;
      const address = formatAddress(event.address);
      return JSON.stringify({ ...head, address, transport, ...fields, runtime: event.runtime });
    }
    case "open":
      return JSON.stringify({ ...head, id: event.id, remote: client(event.remote), open: event.open });
    case "close": {
      const { id, reason, bytesIn, bytesOut, durationMs } = event;
      const error = event.error === undefined ? {} : { error: event.error.message };
      return JSON.stringify({
        ...head,
        id,
        remote: client(event.remote),
        reason,
        bytesIn,
        bytesOut,
        durationMs,
        ...error,
      });
    }
    case "reject":
      return JSON.stringify({ ...head, remote: client(event.remote), reason: event.reason, limit: event.limit });
    case "accept-error":
      return JSON.stringify({ ...head, error: event.error.message });
    case "descriptor-limit":
    case "shutdown": {
      const { type: _, ...rest } = event;
      return JSON.stringify({ ...head, ...rest });
    }
    case "drops": {
      const { type: _, error, ...rest } = event;
      return JSON.stringify({ ...head, ...rest, ...(error === undefined ? {} : { error: error.message }) });
    }
    case "closed": {
      const { type: _, address, error, ...rest } = event;
      const failed = error === undefined ? {} : { error: error.message };
      return JSON.stringify({ ...head, address: formatAddress(address), ...rest, ...failed });
    }
    case "error":
    case "note":
    case "exit":
    case "workers":
    case "restart": {
      const { type: _, ...rest } = event;
      return JSON.stringify({ ...head, ...rest });
    }
  }
}

/**
 * `250 dropped (200 rate-limit, 50 reserved-port), 3 send errors (first: ...)`: the reasons that
 * count; receive and handler errors only when there were any.
 */
function formatDrops(event: {
  readonly dropped: Readonly<DropCounts>;
  readonly sendErrors: number;
  readonly receiveErrors: number;
  readonly handlerErrors: number;
  readonly error?: Error;
}): string {
  const reasons = Object.entries(event.dropped).filter(([, count]) => count > 0);
  const total = reasons.reduce((sum, [, count]) => sum + count, 0);
  const detail = reasons.length === 0 ? "" : ` (${reasons.map(([reason, count]) => `${count} ${reason}`).join(", ")})`;
  const errors = [
    plural(event.sendErrors, "send error"),
    ...(event.receiveErrors === 0 ? [] : [plural(event.receiveErrors, "receive error")]),
    ...(event.handlerErrors === 0 ? [] : [plural(event.handlerErrors, "handler error")]),
  ].join(", ");
  const first = event.error === undefined ? "" : ` (first: ${event.error.message})`;
  return `${total} dropped${detail}, ${errors}${first}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
