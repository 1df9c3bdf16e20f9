/**
 * The PROXY protocol as a stream-transport decorator: `proxyProtocol(tcp())` is a transport
 * whose connections start with a PROXY header (v1 or v2) from a proxy such as HAProxy. The
 * header is read, checked and removed before the core sees the connection, whose addresses are
 * then the client's, so limits and logs are about the client and not the proxy. `Listener`,
 * `Connection` and `serve()` are unchanged: they see one more transport.
 *
 * @module
 */

import { formatAddress, type TcpAddress, tcpAddress, type UnixAddress } from "../address.ts";
import { TcpEchoError } from "../errors.ts";
import { type TimerHandle, timers } from "../timers.ts";
import { rejectUnknownOptions } from "../transport/options.ts";
import type { AcceptSink, SocketEvents, StreamListener, StreamSocket, StreamTransport } from "../transport/stream.ts";
import { type ProxyEndpoint, type ProxyHeaderOptions, ProxyHeaderParser } from "./header.ts";

/** Options of {@link proxyProtocol}. */
export interface ProxyProtocolOptions extends ProxyHeaderOptions {
  /**
   * Milliseconds a connection has to send its whole header; then it is closed and reported.
   * Default 5000 (the specification asks for at least 3 s, to cover a TCP retransmit).
   */
  readonly timeout?: number;
}

/** The default {@link ProxyProtocolOptions.timeout}: 5 s. */
export const DEFAULT_PROXY_TIMEOUT = 5_000;
const OPTIONS: readonly (keyof ProxyProtocolOptions)[] = ["timeout", "maxHeaderBytes"];

/**
 * Wraps a TCP or unix socket transport so that every connection must start with a PROXY
 * header, v1 or v2, as HAProxy's `send-proxy` and `send-proxy-v2` send it.
 *
 * Each accepted connection is held until its header is complete: then the inner sink gets a
 * socket whose `remoteAddress` and `localAddress` are the header's (the real ones for `LOCAL`,
 * `UNKNOWN` and families without an IP address), and the bytes after the header as its first
 * data. The header is never passed on, so never echoed. A malformed header, one longer than
 * `maxHeaderBytes`, or one not complete within `timeout`, closes that connection only, and is
 * reported as an accept error (`ERR_PROXY_HEADER`); so is a connection that ends partway
 * through its header. One that closes before sending a byte (a port check) is closed quietly.
 *
 * Only trusted proxies should reach such a listener: the header is believed. TLS cannot be
 * wrapped: a proxy sends the header before the TLS handshake, which the runtimes' TLS
 * listeners read themselves.
 *
 * @param transport A TCP or unix socket transport: `tcp()` or `unix()` of an adapter.
 * @param options The header timeout and size limit.
 * @returns The transport, whose connections report the header's addresses.
 * @throws {TcpEchoError} `ERR_INVALID_OPTION` for a TLS transport or a bad timeout,
 * `ERR_UNKNOWN_OPTION` for an option it does not read.
 * @throws {InvalidOptionError} `ERR_INVALID_OPTION` for a `maxHeaderBytes` outside 232 to 65,551.
 *
 * @example A transport over an in-memory one, fed a v1 header and data
 * ```ts
 * import { proxyProtocol, type StreamTransport, type TcpAddress } from "@tcp-echo/core";
 * import type { AcceptSink, SocketEvents, StreamSocket } from "@tcp-echo/core/transport";
 *
 * const real: TcpAddress = { transport: "tcp", hostname: "127.0.0.1", port: 40000, family: "IPv4" };
 * const socket: StreamSocket<TcpAddress> = {
 *   localAddress: real, remoteAddress: real,
 *   send: (chunk) => chunk.length, buffered: 0, sendSettled() {}, pause() {}, resume() {}, closeWrite() {}, close() {}, reset() {},
 * };
 * let accept: AcceptSink<TcpAddress> | undefined;
 * const inner: StreamTransport<object, TcpAddress> = {
 *   kind: "stream", name: "tcp", runtime: { name: "example", version: "0" }, unsupported: {},
 *   bind: () => ({
 *     description: "127.0.0.1:7007",
 *     listen: async (_settings, sink) => {
 *       accept = sink;
 *       return { address: real, close: async () => {} };
 *     },
 *   }),
 * };
 * let client = "";
 * let data = "";
 * const events: SocketEvents = {
 *   onData: (chunk) => ((data += String.fromCharCode(...chunk)), true),
 *   onEnd() {}, onWritable() {}, onClose() {}, bytesAccepted: 0, bytesSent: 0,
 * };
 * await proxyProtocol(inner).bind({}).listen({ backlog: 1, highWaterMark: 1024 }, {
 *   connection(proxied) {
 *     client = `${proxied.remoteAddress.hostname}:${proxied.remoteAddress.port}`;
 *     return events;
 *   },
 *   acceptError(error) { throw error; },
 * });
 * const wire = accept?.connection(socket);
 * wire?.onData(Uint8Array.from("PROXY TCP4 192.0.2.1 127.0.0.1 51000 7007\r\nhi", (c) => c.charCodeAt(0)));
 * wire?.onClose();
 * if (client !== "192.0.2.1:51000" || data !== "hi") throw new Error(`${client} ${data}`);
 * ```
 */
export function proxyProtocol<B extends object, A extends TcpAddress | UnixAddress>(
  transport: StreamTransport<B, A>,
  options: ProxyProtocolOptions = {},
): StreamTransport<B, A | TcpAddress> {
  rejectUnknownOptions("use the PROXY protocol", options, OPTIONS);
  if ((transport.name as string) === "tls") {
    throw new TcpEchoError(
      "ERR_INVALID_OPTION",
      "Cannot use the PROXY protocol over tls: a proxy sends the header before the TLS handshake, which the runtime's TLS listener reads itself; wrap a tcp or unix transport",
    );
  }
  const timeout = options.timeout ?? DEFAULT_PROXY_TIMEOUT;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new TcpEchoError(
      "ERR_INVALID_OPTION",
      `Cannot use the PROXY protocol: timeout ${String(timeout)} is not a positive number of milliseconds`,
    );
  }
  const header: ProxyHeaderOptions =
    options.maxHeaderBytes === undefined ? {} : { maxHeaderBytes: options.maxHeaderBytes };
  new ProxyHeaderParser(header); // Checks maxHeaderBytes now rather than at the first connection.
  return {
    kind: "stream",
    name: transport.name,
    runtime: transport.runtime,
    unsupported: transport.unsupported,
    descriptors: () => transport.descriptors?.(),
    bind(bindOptions) {
      const binding = transport.bind(bindOptions);
      return {
        description: binding.description,
        async listen(settings, sink) {
          const pending = new Set<ProxiedSocket<A>>();
          const listener = await binding.listen(settings, {
            connection: (socket) => new ProxiedSocket(socket, sink, pending, timeout, header),
            acceptError: (error) => sink.acceptError(error),
          });
          return closingPending(listener, pending);
        },
      };
    },
  };
}

/** The listener, whose close also resets the connections still sending their header. */
function closingPending<A extends TcpAddress | UnixAddress>(
  listener: StreamListener<A>,
  pending: Set<ProxiedSocket<A>>,
): StreamListener<A | TcpAddress> {
  return {
    address: listener.address,
    close() {
      for (const socket of [...pending]) socket.abandon();
      return listener.close();
    },
  };
}

/**
 * One connection: to the adapter, the events that read its header; once the header is in, to
 * the core, the socket with the header's addresses, whose events it forwards.
 */
class ProxiedSocket<A extends TcpAddress | UnixAddress> implements SocketEvents, StreamSocket<A | TcpAddress> {
  readonly #socket: StreamSocket<A>;
  readonly #sink: AcceptSink<A | TcpAddress>;
  readonly #pending: Set<ProxiedSocket<A>>;
  #parser: ProxyHeaderParser | undefined;
  #timer: TimerHandle | undefined;
  #inner: SocketEvents | undefined;
  #source: TcpAddress | undefined;
  #destination: TcpAddress | undefined;
  /** True while the core is being handed the connection; `#early` holds a close made meanwhile. */
  #handing = false;
  #early: { error: Error | undefined } | undefined;

  constructor(
    socket: StreamSocket<A>,
    sink: AcceptSink<A | TcpAddress>,
    pending: Set<ProxiedSocket<A>>,
    timeout: number,
    options: ProxyHeaderOptions,
  ) {
    this.#socket = socket;
    this.#sink = sink;
    this.#pending = pending;
    this.#parser = new ProxyHeaderParser(options);
    pending.add(this);
    this.#timer = timers.setTimeout(() => this.#refuse(`no complete header within ${timeout} ms`), timeout);
  }

  // SocketEvents, called by the adapter.

  onData(chunk: Uint8Array): boolean {
    const inner = this.#inner;
    if (inner !== undefined) return inner.onData(chunk);
    const parser = this.#parser;
    if (parser === undefined) return false;
    // Until the header is complete the parser copies what it keeps: the chunk is only borrowed.
    const step = parser.push(chunk);
    if (step.status === "more") return false;
    if (step.status === "error") {
      this.#refuse(step.reason);
      return false;
    }
    this.#settle();
    const { source, destination } = step.header;
    if (source !== undefined && destination !== undefined) {
      this.#source = address(source);
      this.#destination = address(destination);
    }
    // The core may close the connection while taking it (one over the connection limit), and
    // some runtimes report that close at once: it is passed on once the core has its events.
    this.#handing = true;
    const events = this.#sink.connection(this);
    this.#handing = false;
    this.#inner = events;
    const early = this.#early;
    if (early !== undefined) {
      events.onClose(early.error);
      return false;
    }
    // The rest is a view of this chunk: whether the core keeps it is whether the chunk is kept.
    return step.rest.byteLength === 0 ? false : events.onData(step.rest);
  }

  onEnd(): void {
    if (this.#inner !== undefined) {
      this.#inner.onEnd();
      return;
    }
    const received = this.#parser?.buffered;
    if (received === undefined) return; // Refused already, and closing.
    if (received === 0) this.#quietly();
    else this.#refuse(`the client ended the connection after ${received} bytes, before the header was complete`);
  }

  onWritable(): void {
    this.#inner?.onWritable();
  }

  onClose(error?: Error): void {
    if (this.#inner !== undefined) {
      this.#inner.onClose(error);
      return;
    }
    if (this.#handing) {
      this.#early = { error };
      return;
    }
    const received = this.#parser?.buffered ?? 0;
    if (this.#parser !== undefined && received > 0) {
      this.#report(`the connection closed after ${received} bytes, before the header was complete`);
    }
    this.#settle();
  }

  get bytesAccepted(): number {
    return this.#inner?.bytesAccepted ?? 0;
  }

  get bytesSent(): number {
    return this.#inner?.bytesSent ?? 0;
  }

  // StreamSocket, called by the core once the header is in.

  get localAddress(): A | TcpAddress {
    return this.#destination ?? this.#socket.localAddress;
  }

  get remoteAddress(): A | TcpAddress {
    return this.#source ?? this.#socket.remoteAddress;
  }

  send(chunk: Uint8Array): number | Promise<number> {
    return this.#socket.send(chunk);
  }

  get buffered(): number {
    return this.#socket.buffered;
  }

  sendSettled(): void {
    this.#socket.sendSettled();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  closeWrite(): void {
    this.#socket.closeWrite();
  }

  close(): void {
    this.#socket.close();
  }

  reset(cause?: unknown): void {
    this.#socket.reset(cause);
  }

  /** The listener closed while the header was incomplete: reset, nothing to report. */
  abandon(): void {
    if (this.#parser === undefined) return;
    this.#settle();
    this.#socket.reset();
  }

  /** Closes the connection and reports why its header was refused. */
  #refuse(reason: string): void {
    if (this.#parser === undefined) return;
    this.#report(`${reason}; closed`);
    this.#settle();
    this.#socket.close();
  }

  /** Closes a connection that sent nothing, without a report. */
  #quietly(): void {
    this.#settle();
    this.#socket.close();
  }

  #report(reason: string): void {
    const remote = this.#socket.remoteAddress;
    // A unix socket's client is usually unnamed: say which socket it came to instead.
    const unnamed = "path" in remote && remote.path === "";
    const client = unnamed ? `a client of ${formatAddress(this.#socket.localAddress)}` : formatAddress(remote);
    this.#sink.acceptError(new TcpEchoError("ERR_PROXY_HEADER", `PROXY header from ${client} rejected: ${reason}`));
  }

  /** The header is read or refused: stop the clock and forget the parser. */
  #settle(): void {
    this.#parser = undefined;
    this.#pending.delete(this);
    if (this.#timer !== undefined) timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function address(endpoint: ProxyEndpoint): TcpAddress {
  return tcpAddress(endpoint.hostname, endpoint.port);
}
