/**
 * The datagram server: a UDP socket that answers each datagram (echo by default) behind the
 * guards that make it safe to expose, and reports what it dropped as a periodic summary, never
 * one line per datagram.
 *
 * @module
 */

import { formatAddress, type UdpAddress } from "./address.ts";
import { InvalidOptionError, TcpEchoError, UnknownOptionError } from "./errors.ts";
import type { AbortSignalLike } from "./server.ts";
import type { TimerHandle } from "./timers.ts";
import { timers } from "./timers.ts";
import type { RuntimeInfo } from "./transport/capability.ts";
import type { DatagramSocket, DatagramTransport } from "./transport/datagram.ts";
import { MAX_IPV4_PAYLOAD, maxPayload } from "./udp/max-payload.ts";
import { type RateLimit, type RateRefusal, SourceBuckets } from "./udp/rate-limit.ts";
import { refuseSource, type SourceRefusal } from "./udp/source-guard.ts";

/**
 * What a datagram server does with each datagram it lets through. `datagram` is lent: it is
 * valid during the call only, so copy it to keep it; `reply()` may be called during the call
 * with it (the echo) or any other bytes, as often as wanted, and the bytes given to `reply()`
 * must not change afterwards (they are sent later on some runtimes). `sender` may be kept:
 * nothing changes it, and datagrams in a run from one address may share one object. A handler
 * that throws costs only that datagram: the error is counted (`handlerErrors`) and reported in
 * the next `drops` event.
 *
 * @example Answer in upper case
 * ```ts
 * import type { DatagramHandler } from "@tcp-echo/core";
 *
 * const shout: DatagramHandler = (datagram, _sender, reply) => {
 *   reply(new TextEncoder().encode(new TextDecoder().decode(datagram).toUpperCase()));
 * };
 * let answer = "";
 * shout(new TextEncoder().encode("hi"), { transport: "udp", hostname: "::1", port: 9, family: "IPv6" }, (data) => {
 *   answer = new TextDecoder().decode(data);
 * });
 * if (answer !== "HI") throw new Error(answer);
 * ```
 */
export type DatagramHandler = (datagram: Uint8Array, sender: UdpAddress, reply: (data: Uint8Array) => void) => void;

/** Why a datagram got no answer: a source guard's refusal or a rate limit's. */
export type DropReason = SourceRefusal | RateRefusal;

/** Datagrams dropped, by reason. */
export type DropCounts = Record<DropReason, number>;

/**
 * The policy of a datagram server: everything `serveDatagrams()` takes besides where to bind.
 *
 * @example The guards, tightened
 * ```ts
 * import type { DatagramServerOptions } from "@tcp-echo/core";
 *
 * const options: DatagramServerOptions = { rateLimit: { datagramsPerSecond: 100 }, summaryInterval: 60_000 };
 * if (options.allowReservedPorts) throw new Error("the port guard stays on");
 * ```
 */
export interface DatagramServerOptions {
  /** What to answer; echoes by default. */
  readonly handler?: DatagramHandler;
  /**
   * Answer senders on ports 7, 13, 17, 19 and 37 (`RESERVED_SOURCE_PORTS`). Unsafe: two
   * servers that answer everything can then loop forever. Default false. Port 0 stays refused.
   */
  readonly allowReservedPorts?: boolean;
  /** The per-sender token bucket (`DEFAULT_RATE_LIMIT` unless told); `false` turns it off. */
  readonly rateLimit?: RateLimit | false;
  /** Bytes of replies the socket may hold unsent before reading pauses. Default 1 MiB. */
  readonly highWaterMark?: number;
  /**
   * Milliseconds between `drops` events, each reporting what was dropped since the last (sent
   * only when something was). Default 10,000; 0 for none.
   */
  readonly summaryInterval?: number;
  /** Called with each event of {@link DatagramServerEvent}. */
  readonly onEvent?: (event: DatagramServerEvent) => void;
  /** Only these event types reach `onEvent`. */
  readonly events?: readonly DatagramServerEvent["type"][];
  /** Close the server when this signal aborts. */
  readonly signal?: AbortSignalLike;
}

/** `serveDatagrams()`'s options: where to bind (`B`, the transport's) and the server's policy. */
export type ServeDatagramsOptions<B extends object = object> = B & DatagramServerOptions;

/** Totals since the server opened. */
export interface DatagramStats {
  /** Datagrams received, answered or not. */
  readonly received: number;
  /** Datagrams the handler let through (the echo answers each). */
  readonly answered: number;
  /** Bytes received. */
  readonly bytesIn: number;
  /** Bytes handed to the socket in replies. */
  readonly bytesOut: number;
  /** Datagrams not answered, by reason. */
  readonly dropped: Readonly<DropCounts>;
  /** Replies the runtime failed to send (`ECONNREFUSED` from an ICMP unreachable, `ENOBUFS`, ...). */
  readonly sendErrors: number;
  /** Datagrams the runtime failed to receive whole (truncated, a read error). */
  readonly receiveErrors: number;
  /** Datagrams whose handler threw. */
  readonly handlerErrors: number;
  /** Sender addresses the rate limiter tracks now. */
  readonly sources: number;
}

/** What a datagram server reports. */
export type DatagramServerEvent =
  | { readonly type: "listening"; readonly address: UdpAddress; readonly runtime: RuntimeInfo }
  | {
      readonly type: "drops";
      /** Milliseconds this report covers. */
      readonly periodMs: number;
      /** Dropped in this period, by reason. */
      readonly dropped: Readonly<DropCounts>;
      /** Failed sends in this period. */
      readonly sendErrors: number;
      /** Failed receives in this period. */
      readonly receiveErrors: number;
      /** Handler exceptions in this period. */
      readonly handlerErrors: number;
      /** The first error of the period, of any kind, for the log. */
      readonly error?: Error;
    }
  | ({ readonly type: "closed"; readonly address: UdpAddress; readonly error?: Error } & DatagramStats);

/**
 * A running datagram server.
 *
 * @example Close it when done
 * ```ts ignore
 * // ignore: binds a socket.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/node";
 *
 * const server = await serveDatagrams(udp(), { host: "127.0.0.1", port: 0 });
 * console.log(server.stats().received);
 * await server.close();
 * ```
 */
export interface DatagramServer extends AsyncDisposable {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly address: UdpAddress;
  /** The runtime the server runs on. */
  readonly runtime: RuntimeInfo;
  /** Totals since the server opened. */
  stats(): DatagramStats;
  /** Close the socket at once (a datagram server has nothing to drain); then a `closed` event. */
  close(): Promise<void>;
}

const OPTIONS: readonly (keyof DatagramServerOptions)[] = [
  "handler",
  "allowReservedPorts",
  "rateLimit",
  "highWaterMark",
  "summaryInterval",
  "onEvent",
  "events",
  "signal",
];

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
const DEFAULT_SUMMARY_INTERVAL = 10_000;

/** The echo: each datagram goes back whole to its sender. */
const echo: DatagramHandler = (datagram, _sender, reply) => reply(datagram);

/**
 * Binds a datagram transport and answers every datagram that passes the guards: the source
 * guard (no answer to ports 0, 7, 13, 17, 19, 37, nor to broadcast or multicast sources) and a
 * per-sender token bucket. Send errors are counted and never stop the socket.
 *
 * @param transport A datagram transport: an adapter's `udp()`.
 * @param options Where to bind (`host`, `port`, `family`) and the policy.
 * @returns The running server.
 * @throws {import("./errors.ts").TcpEchoError} the transport's bind errors (`EADDRINUSE`, ...),
 * `ERR_UNKNOWN_OPTION`; `ERR_INVALID_OPTION` ({@link InvalidOptionError}) for a bad limit.
 *
 * @example UDP echo on Node.js
 * ```ts ignore
 * // ignore: binds a socket.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/node";
 *
 * const server = await serveDatagrams(udp(), {
 *   host: "127.0.0.1",
 *   port: 7007,
 *   onEvent: (event) => console.log(event.type),
 * });
 * process.once("SIGINT", () => server.close());
 * ```
 */
export async function serveDatagrams<B extends object>(
  transport: DatagramTransport<B, UdpAddress>,
  options: ServeDatagramsOptions<B> = {} as ServeDatagramsOptions<B>,
): Promise<DatagramServer> {
  const bindOptions: Record<string, unknown> = {};
  const policy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((OPTIONS as readonly string[]).includes(key)) policy[key] = value;
    else bindOptions[key] = value;
  }
  const { handler = echo, allowReservedPorts = false, rateLimit, signal } = policy as DatagramServerOptions;
  const { highWaterMark = DEFAULT_HIGH_WATER_MARK, summaryInterval = DEFAULT_SUMMARY_INTERVAL } =
    policy as DatagramServerOptions;
  if (!(highWaterMark > 0))
    throw new InvalidOptionError(
      "highWaterMark",
      `Cannot serve datagrams: highWaterMark ${highWaterMark} must be more than 0`,
    );
  if (!(summaryInterval >= 0)) {
    throw new InvalidOptionError(
      "summaryInterval",
      `Cannot serve datagrams: summaryInterval ${summaryInterval} must be 0 or more`,
    );
  }
  const { onEvent, events } = policy as DatagramServerOptions;
  const wanted = (type: DatagramServerEvent["type"]) =>
    onEvent !== undefined && (events === undefined || events.includes(type)) ? onEvent : undefined;
  const buckets = rateLimit === false ? undefined : new SourceBuckets(rateLimit);

  let binding: ReturnType<DatagramTransport<B, UdpAddress>["bind"]>;
  try {
    binding = transport.bind(bindOptions as B);
  } catch (error) {
    if (!(error instanceof UnknownOptionError)) throw error;
    throw new UnknownOptionError("serve datagrams", error.option, [...error.known, ...OPTIONS]);
  }

  const total = {
    received: 0,
    answered: 0,
    bytesIn: 0,
    bytesOut: 0,
    sendErrors: 0,
    receiveErrors: 0,
    handlerErrors: 0,
  };
  const dropped: DropCounts = { "reserved-port": 0, broadcast: 0, "rate-limit": 0, "byte-limit": 0 };
  let paused = false;
  let socket: DatagramSocket<UdpAddress> | undefined;
  let firstError: Error | undefined;
  let closeError: Error | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  let wakeClosed: (() => void) | undefined;
  const socketClosed = new Promise<void>((resolve) => {
    wakeClosed = resolve;
  });

  /** Sends `data` to `to` while open; reading pauses while the socket holds more than it can send. */
  const answer = (data: Uint8Array, to: UdpAddress): void => {
    if (socket === undefined || closed) return;
    // Only a handler's own reply can be too large (an echo is the size of what arrived).
    if (data.length > MAX_IPV4_PAYLOAD) {
      const limit = maxPayload(to);
      if (data.length > limit) {
        total.sendErrors += 1;
        firstError ??= new TcpEchoError(
          "ERR_DATAGRAM_TOO_LARGE",
          `Cannot send a reply of ${data.length} bytes to ${formatAddress(to)}: one UDP datagram carries at most ${limit} bytes over ${limit === MAX_IPV4_PAYLOAD ? "IPv4" : "IPv6"}`,
        );
        return;
      }
    }
    total.bytesOut += data.length;
    if (!socket.send(data, to) && !paused) {
      paused = true;
      socket.pause();
    }
  };
  let sender: UdpAddress | undefined;
  const reply = (data: Uint8Array): void => {
    if (sender !== undefined) answer(data, sender);
  };

  socket = await binding.open(
    { highWaterMark },
    {
      onMessage(data, from) {
        total.received += 1;
        total.bytesIn += data.length;
        const refusal = refuseSource(from, allowReservedPorts) ?? buckets?.take(from.hostname, data.length);
        if (refusal !== undefined) {
          dropped[refusal] += 1;
          return false;
        }
        total.answered += 1;
        // The echo cannot throw and answers at once: no reply() to lend it.
        if (handler === echo) {
          answer(data, from);
          return false;
        }
        sender = from;
        try {
          handler(data, from, reply);
        } catch (error) {
          total.handlerErrors += 1;
          firstError ??= error instanceof Error ? error : new Error(String(error));
        } finally {
          sender = undefined;
        }
        return false;
      },
      onWritable() {
        if (paused && !closed) {
          paused = false;
          socket?.resume();
        }
      },
      onSendError(error) {
        total.sendErrors += 1;
        firstError ??= error;
      },
      onReceiveError(error) {
        total.receiveErrors += 1;
        firstError ??= error;
      },
      onClose(error) {
        closed = true;
        closeError = error;
        wakeClosed?.();
        // Closed by the runtime, not by close(): stop the summary and report it all the same.
        if (closing === undefined) void Promise.resolve().then(close);
      },
    },
  );
  const open = socket;
  const address = open.address;

  const stats = (): DatagramStats => ({ ...total, dropped: { ...dropped }, sources: buckets?.size ?? 0 });

  const emitDrops = wanted("drops");
  let summary: TimerHandle | undefined;
  if (emitDrops !== undefined && summaryInterval > 0) {
    let last = { dropped: { ...dropped }, ...total };
    summary = timers.setInterval(() => {
      const period = {} as DropCounts;
      const sendErrors = total.sendErrors - last.sendErrors;
      const receiveErrors = total.receiveErrors - last.receiveErrors;
      const handlerErrors = total.handlerErrors - last.handlerErrors;
      let any = sendErrors + receiveErrors + handlerErrors > 0;
      for (const reason of Object.keys(dropped) as DropReason[]) {
        period[reason] = dropped[reason] - last.dropped[reason];
        if (period[reason] !== 0) any = true;
      }
      if (!any) return;
      const error = firstError;
      last = { dropped: { ...dropped }, ...total };
      firstError = undefined;
      emitDrops({
        type: "drops",
        periodMs: summaryInterval,
        dropped: period,
        sendErrors,
        receiveErrors,
        handlerErrors,
        ...(error === undefined ? {} : { error }),
      });
    }, summaryInterval);
  }

  wanted("listening")?.({ type: "listening", address, runtime: transport.runtime });

  function close(): Promise<void> {
    closing ??= (async () => {
      if (summary !== undefined) timers.clearInterval(summary);
      if (!closed) await open.close();
      await socketClosed;
      wanted("closed")?.({
        type: "closed",
        address,
        ...stats(),
        ...(closeError === undefined ? {} : { error: closeError }),
      });
    })();
    return closing;
  }

  const server: DatagramServer = {
    address,
    runtime: transport.runtime,
    stats,
    close,
    async [Symbol.asyncDispose]() {
      await server.close();
    },
  };
  if (signal !== undefined) {
    if (signal.aborted) void server.close();
    else signal.addEventListener("abort", () => void server.close(), { once: true });
  }
  return server;
}
