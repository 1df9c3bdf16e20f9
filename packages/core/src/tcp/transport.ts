/**
 * The TCP transport's shape, shared by every adapter: the factory type each adapter's `tcp()`
 * is checked against, its options, and {@link tcpTransport}, which does the bind resolution so
 * that an adapter only listens.
 *
 * @module
 */

import { formatAddress, type TcpAddress } from "../address.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import type { Descriptors } from "../transport/descriptors.ts";
import { rejectUnknownOptions } from "../transport/options.ts";
import type { AcceptSink, ListenSettings, StreamListener, StreamTransport } from "../transport/stream.ts";
import { resolveTcpBind, type TcpBindOptions, type TcpBindTarget } from "./bind.ts";

/**
 * Options of a TCP transport, given to an adapter's `tcp()`.
 *
 * @example Keep Nagle's algorithm on
 * ```ts
 * import type { TcpOptions } from "@tcp-echo/core";
 *
 * const options: TcpOptions = { noDelay: false };
 * if (options.noDelay !== false) throw new Error("noDelay");
 * ```
 */
export interface TcpOptions {
  /** Disable Nagle's algorithm on accepted connections. Default true: an echo answers at once. */
  readonly noDelay?: boolean;
}

/** A stream transport for TCP: what `tcp()` returns on every runtime. */
export type TcpTransport = StreamTransport<TcpBindOptions, TcpAddress>;

/**
 * The type of every adapter's `tcp()`: the compiler checks each adapter against it.
 *
 * @example Serve echo over TCP with the Node.js adapter
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 *
 * const server = await serve(tcp({ noDelay: true }), { host: "127.0.0.1", port: 0 });
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export type TcpFactory = (options?: TcpOptions) => TcpTransport;

/** What a TCP listener is asked to bind: the resolved address plus the transport's socket options. */
export interface TcpListenTarget extends TcpBindTarget {
  /** Set `TCP_NODELAY` on each accepted socket. */
  readonly noDelay: boolean;
}

/** The part of a TCP transport that is the runtime's: listening. */
export interface TcpAdapter {
  /** The runtime the adapter runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability the runtime lacks, with the reason. */
  readonly unsupported: Unsupported;
  /** The process's descriptor budget, where the runtime can read it. */
  descriptors?(): Descriptors | undefined;
  /** Bind and listen on a validated target; reject with the core's listen errors. */
  listen(
    target: TcpListenTarget,
    settings: ListenSettings,
    sink: AcceptSink<TcpAddress>,
  ): Promise<StreamListener<TcpAddress>>;
}

const TCP_OPTIONS: readonly (keyof TcpOptions)[] = ["noDelay"];

/**
 * Builds a TCP transport from an adapter's listen function: the bind resolution, option checks
 * and address formatting are the same on every runtime, so they live here.
 *
 * @param adapter The runtime's listen function, runtime and capabilities.
 * @param options The options given to `tcp()`.
 * @returns The transport.
 * @throws {import("../errors.ts").UnknownOptionError} for a key of `options` it does not read.
 *
 * @example An adapter whose listen always fails, to show the shape
 * ```ts
 * import { tcpTransport } from "@tcp-echo/core/transport";
 *
 * const transport = tcpTransport({
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: {},
 *   listen: () => Promise.reject(new Error("no sockets here")),
 * });
 * if (transport.bind({ host: "::1", port: 7 }).description !== "[::1]:7") throw new Error("bind");
 * ```
 */
export function tcpTransport(adapter: TcpAdapter, options: TcpOptions = {}): TcpTransport {
  rejectUnknownOptions("create a tcp transport", options, TCP_OPTIONS);
  const noDelay = options.noDelay ?? true;
  return {
    kind: "stream",
    name: "tcp",
    runtime: adapter.runtime,
    unsupported: adapter.unsupported,
    descriptors: () => adapter.descriptors?.(),
    bind(bindOptions) {
      const target: TcpListenTarget = { ...resolveTcpBind(bindOptions, adapter), noDelay };
      return {
        description: formatAddress(target),
        listen: (settings, sink) => adapter.listen(target, settings, sink),
      };
    },
  };
}
