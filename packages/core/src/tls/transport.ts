/**
 * The TLS transport, shared by every adapter: the factory type each adapter's `tls()` is
 * checked against, and {@link tlsTransport}, which validates the options, resolves the bind
 * like TCP's and runs every connection's handshake timeout, so that an adapter only translates.
 * Nothing cryptographic is done here: each runtime's own TLS does it.
 *
 * @module
 */

import { formatAddress, type TlsAddress } from "../address.ts";
import { resolveTcpBind, type TcpBindOptions, type TcpBindTarget } from "../tcp/bind.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import type { Descriptors } from "../transport/descriptors.ts";
import type { AcceptSink, ListenSettings, StreamListener, StreamTransport } from "../transport/stream.ts";
import { guardHandshake, type Handshake } from "./handshake.ts";
import { resolveTlsOptions, type TlsOptions, type TlsSettings } from "./options.ts";

/** A stream transport for TLS over TCP: what `tls()` returns on every runtime. */
export type TlsTransport = StreamTransport<TcpBindOptions, TlsAddress>;

/**
 * The type of every adapter's `tls()`.
 *
 * @example Serve echo over TLS with the Node.js adapter
 * ```ts ignore
 * import { readFileSync } from "node:fs";
 * import { serve } from "@tcp-echo/core";
 * import { tls } from "@tcp-echo/node";
 *
 * const transport = tls({ cert: readFileSync("cert.pem", "utf8"), key: readFileSync("key.pem", "utf8") });
 * const server = await serve(transport, { host: "127.0.0.1", port: 7443 });
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export type TlsFactory = (options: TlsOptions) => TlsTransport;

/** What a TLS listener is asked to bind: the resolved address plus the validated TLS settings. */
export interface TlsListenTarget extends TcpBindTarget {
  /** Certificate, key, client authentication, minimum version, handshake timeout, `noDelay`. */
  readonly tls: TlsSettings;
}

/** What the core gives a listening TLS transport: the accept sink, plus each handshake's guard. */
export interface TlsAcceptSink extends AcceptSink<TlsAddress> {
  /**
   * A TCP connection arrived and its handshake begins: arms the handshake timeout, which calls
   * `abort` (close that connection) when it fires. Hand the socket to `connection()` only after
   * `succeeded()` returned true.
   */
  handshake(remote: TlsAddress, abort: () => void): Handshake;
}

/** The part of a TLS transport that is the runtime's: listening with its TLS. */
export interface TlsAdapter {
  /** The runtime the adapter runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability the runtime lacks, with the reason. */
  readonly unsupported: Unsupported;
  /** The process's descriptor budget, where the runtime can read it. */
  descriptors?(): Descriptors | undefined;
  /**
   * Bind and listen; reject with the core's listen errors, or `ERR_TLS_CREDENTIALS` when the
   * runtime refuses the certificate or key (unparsable, or a key that does not match).
   */
  listen(target: TlsListenTarget, settings: ListenSettings, sink: TlsAcceptSink): Promise<StreamListener<TlsAddress>>;
}

/**
 * Builds a TLS transport from an adapter's listen function.
 *
 * @param adapter The runtime's listen function, runtime and capabilities.
 * @param options The options given to `tls()`.
 * @returns The transport.
 * @throws {import("../errors.ts").TcpEchoError} `ERR_INVALID_OPTION`, `ERR_TLS_CREDENTIALS`,
 * `ERR_UNKNOWN_OPTION` or `ERR_UNSUPPORTED_OPTION` for options it cannot take.
 *
 * @example An adapter whose listen always fails, to show the shape
 * ```ts
 * import { tlsTransport } from "@tcp-echo/core/transport";
 *
 * const pem = "-----BEGIN X-----\n-----END X-----\n";
 * const transport = tlsTransport(
 *   {
 *     runtime: { name: "example", version: "0.0.0" },
 *     unsupported: {},
 *     listen: () => Promise.reject(new Error("no sockets here")),
 *   },
 *   { cert: pem, key: pem },
 * );
 * if (transport.bind({ host: "::1", port: 7443 }).description !== "tls://[::1]:7443") throw new Error("bind");
 * ```
 */
export function tlsTransport(adapter: TlsAdapter, options: TlsOptions): TlsTransport {
  const tls = resolveTlsOptions(options, adapter);
  return {
    kind: "stream",
    name: "tls",
    runtime: adapter.runtime,
    unsupported: adapter.unsupported,
    descriptors: () => adapter.descriptors?.(),
    bind(bindOptions) {
      const target: TlsListenTarget = { ...resolveTcpBind(bindOptions, adapter), tls };
      return {
        description: formatAddress({ ...target, transport: "tls" }),
        listen: (settings, sink) =>
          adapter.listen(target, settings, {
            connection: (socket) => sink.connection(socket),
            acceptError: (error) => sink.acceptError(error),
            handshake: (remote, abort) =>
              guardHandshake(
                remote,
                tls.handshakeTimeout,
                abort,
                (error) => sink.acceptError(error),
                adapter.unsupported.handshakeAbort === undefined,
              ),
          }),
      };
    },
  };
}
