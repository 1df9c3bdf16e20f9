/**
 * The transport contract: what an adapter implements to put a runtime's sockets under the core.
 *
 * An adapter translates and holds no policy. It turns the runtime's listener into a
 * {@link TransportListener}, each accepted socket into a {@link TransportSocket}, and calls the
 * {@link SocketEvents} the core hands back. Limits, timeouts, state checks and shutdown live in
 * the core, once. Later transports (TLS, unix sockets) implement this same contract with their
 * own address type.
 *
 * Ownership: the adapter owns the runtime socket; the core decides when to pause, resume,
 * shut down, close or reset it; the adapter reports `close` exactly once, whoever started it.
 *
 * @module
 */

import type { ResolvedBind, SocketAddress, TcpAddress } from "./address.ts";

/** A runtime's name and version, as the startup line prints them: `bun 1.4.5`. */
export interface RuntimeInfo {
  /** `"node"`, `"deno"`, `"bun"`, or another runtime's name. */
  readonly name: string;
  /** The runtime's own version string. */
  readonly version: string;
}

/**
 * The optional abilities a runtime may lack. Each one a transport cannot provide is listed in
 * {@link Transport.unsupported} with the reason, and the conformance suite skips its cases with
 * that reason.
 */
export type Capability =
  /** `listen(backlog)` reaches the kernel. */
  | "backlog"
  /** `reuseAddress: false` leaves `SO_REUSEADDR` off. */
  | "reuseAddressOff"
  /** A dual-stack socket can be made IPv6-only. */
  | "ipv6Only"
  /** `reset()` sends a TCP RST (`SO_LINGER` 0) rather than a FIN. */
  | "reset"
  /** A failed accept (`EMFILE`) is retried after a pause, not in a busy loop. */
  | "acceptBackoff";

/**
 * What the core asks a transport to listen with: a resolved bind plus the listen-time knobs.
 *
 * @example A request as the core builds it
 * ```ts
 * import type { ListenRequest } from "@tcp-echo/core";
 *
 * const request: ListenRequest = {
 *   hostname: "127.0.0.1", port: 0, family: "IPv4", ipv6Only: false, reuseAddress: true,
 *   backlog: 511, highWaterMark: 65536, noDelay: true,
 * };
 * ```
 */
export interface ListenRequest extends ResolvedBind {
  /** The `listen(2)` backlog. Transports without the capability ignore it. */
  readonly backlog: number;
  /** Bytes a socket may hold unsent before `write()` returns false. */
  readonly highWaterMark: number;
  /** Disable Nagle's algorithm on accepted sockets. */
  readonly noDelay: boolean;
}

/**
 * The callbacks the core implements for one socket; the adapter calls them. Chunks handed to
 * `data` belong to the receiver: the adapter never reuses their memory.
 */
export interface SocketEvents {
  /** Bytes arrived. */
  onData(chunk: Uint8Array): void;
  /** The peer sent FIN: no more data will arrive. Writing is still allowed. */
  onEnd(): void;
  /** The unsent bytes fell below the high-water mark after `write()` returned false. */
  onDrain(): void;
  /** The socket is closed in both directions; called once. `error` when it failed. */
  onClose(error?: Error): void;
}

/**
 * One accepted socket, as the adapter exposes it to the core.
 */
export interface TransportSocket {
  /** The listener's side of the connection. */
  readonly localAddress: TcpAddress;
  /** The client's side of the connection. */
  readonly remoteAddress: TcpAddress;
  /**
   * Queues `chunk` for sending; it is always accepted unless the socket is closed.
   * @returns false when the unsent bytes reach the high-water mark: `drain` follows.
   */
  write(chunk: Uint8Array): boolean;
  /** Stop reading from the socket, so the kernel's window closes on the peer. */
  pause(): void;
  /** Start reading again. */
  resume(): void;
  /** Send FIN once every queued byte is sent; keep reading (`shutdown(SHUT_WR)`). */
  shutdown(): void;
  /** Close both directions once every queued byte is sent. */
  close(): void;
  /** Close at once, discarding unsent bytes; a RST where the runtime can. */
  reset(): void;
}

/** What the core gives a transport to deliver accepted sockets and accept failures to. */
export interface AcceptSink {
  /** A socket was accepted. Returns the events the adapter must call for it. */
  connection(socket: TransportSocket): SocketEvents;
  /**
   * Accepting failed (for example `EMFILE`), and the listener keeps going: the adapter retries.
   * Reported so it can be logged.
   */
  acceptError(error: Error): void;
}

/** A listening socket, as the adapter exposes it to the core. */
export interface TransportListener {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly address: SocketAddress;
  /** Stop accepting and release the port. Accepted sockets are left alone. */
  close(): Promise<void>;
}

/**
 * A stream transport: the one object an adapter exports.
 *
 * @example A transport that accepts nothing, to show the shape
 * ```ts
 * import type { Transport } from "@tcp-echo/core";
 *
 * const inert: Transport = {
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: { backlog: "the example transport has no kernel socket" },
 *   listen(request) {
 *     const address = { transport: "tcp", hostname: request.hostname, port: request.port, family: request.family } as const;
 *     return Promise.resolve({ address, close: () => Promise.resolve() });
 *   },
 * };
 * ```
 */
export interface Transport {
  /** The runtime the transport runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability this transport lacks, with the reason a person reads in a skipped test. */
  readonly unsupported: Readonly<Partial<Record<Capability, string>>>;
  /**
   * Bind and listen in one step (the runtimes have no separate bind).
   * @throws {import("./errors.ts").TcpEchoError} `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL` or
   * `ERR_LISTEN_FAILED`, mapped from the runtime's error. Rejects rather than throws.
   */
  listen(request: ListenRequest, sink: AcceptSink): Promise<TransportListener>;
}
