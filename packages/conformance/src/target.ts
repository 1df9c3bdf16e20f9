/**
 * An echo server over TCP: `host:port` in text.
 *
 * @example A TCP target
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget, type TcpTarget } from "@tcp-echo/conformance";
 *
 * const target: TcpTarget = { host: "::1", port: 7007 };
 * assert.deepEqual(parseTarget("[::1]:7007"), target);
 * ```
 */
export interface TcpTarget {
  /** An IPv4 or IPv6 literal, or a name. */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
}

/**
 * An echo server on a unix domain socket: `unix:/PATH` in text.
 *
 * @example A unix target
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget, type UnixTarget } from "@tcp-echo/conformance";
 *
 * const target: UnixTarget = { path: "/tmp/echo.sock" };
 * assert.deepEqual(parseTarget("unix:/tmp/echo.sock"), target);
 * ```
 */
export interface UnixTarget {
  /**
   * The socket's file path, or (Linux only) an abstract name: a NUL byte then the name, as
   * `node:net` takes it, written `unix:@name` in text. Node.js 20 pads an abstract name with
   * NULs to the whole `sun_path` where Deno, Bun and socat do not, so the two kinds never meet.
   */
  readonly path: string;
}

/** How a {@link TlsTarget}'s client proves the server, and itself: `node:tls` options. */
export interface TlsClientOptions {
  /** The CA certificates (PEM) to trust instead of the system's, e.g. a test CA's. */
  readonly ca?: string | Uint8Array;
  /** A client certificate (PEM), for servers that ask for one. */
  readonly cert?: string | Uint8Array;
  /** The client certificate's private key (PEM). */
  readonly key?: string | Uint8Array;
  /** The name to ask for (SNI) and check the certificate against; default the host, unless it is an IP. */
  readonly servername?: string;
  /** Whether to refuse a server whose certificate does not verify (default true). */
  readonly rejectUnauthorized?: boolean;
}

/**
 * An echo server over TLS on TCP: `tls://host:port` in text, with the options the text cannot
 * carry added by the caller.
 *
 * @example A TLS target that trusts a test CA
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTarget, type TlsTarget } from "@tcp-echo/conformance";
 *
 * const caPem = "-----BEGIN CERTIFICATE-----\n...";
 * const target: TlsTarget = { host: "127.0.0.1", port: 7443, tls: { ca: caPem } };
 * assert.equal(formatTarget(target), "tls://127.0.0.1:7443");
 * ```
 */
export interface TlsTarget extends TcpTarget {
  /** The TLS client's options; `{}` trusts the system's CAs. */
  readonly tls: TlsClientOptions;
}

/**
 * Where a wire-level case connects: the echo server under test, over TCP, a unix domain
 * socket, or TLS. Every case runs unchanged over each.
 *
 * @example Tell the kinds apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTlsTarget, isUnixTarget, parseTarget } from "@tcp-echo/conformance";
 *
 * assert.ok(isUnixTarget(parseTarget("unix:/tmp/echo.sock")));
 * assert.ok(isTlsTarget(parseTarget("tls://[::1]:7443")));
 * assert.ok(!isTlsTarget(parseTarget("[::1]:7007")));
 * ```
 */
export type Target = TcpTarget | UnixTarget | TlsTarget;

/**
 * Whether `target` is a unix domain socket.
 *
 * @example A unix target
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUnixTarget } from "@tcp-echo/conformance";
 *
 * assert.ok(isUnixTarget({ path: "/tmp/echo.sock" }));
 * ```
 */
export function isUnixTarget(target: Target): target is UnixTarget {
  return "path" in target;
}

/**
 * Whether `target` is TLS.
 *
 * @example A TLS target
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTlsTarget } from "@tcp-echo/conformance";
 *
 * assert.ok(isTlsTarget({ host: "127.0.0.1", port: 7443, tls: {} }));
 * ```
 */
export function isTlsTarget(target: Target): target is TlsTarget {
  return "tls" in target;
}

const FORMS = "host:port, [::1]:port, unix:/absolute/path.sock, unix:@abstract-name or tls://host:port";

/**
 * Parses a target: `host:port` (IPv6 literals in brackets: `[::1]:7007`), `unix:/PATH` (an
 * absolute file path, or `unix:@name` for a Linux abstract socket) or
 * `tls://host:port`. A TLS target gets empty options (`tls: {}`, the system's CAs): add a `ca`
 * for a server whose certificate a test CA signed.
 *
 * @param text The target as text.
 * @returns The target.
 * @throws {RangeError} naming the accepted forms, for anything else.
 * @example Parse each kind
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget } from "@tcp-echo/conformance";
 *
 * assert.deepEqual(parseTarget("127.0.0.1:7007"), { host: "127.0.0.1", port: 7007 });
 * assert.deepEqual(parseTarget("unix:/tmp/echo.sock"), { path: "/tmp/echo.sock" });
 * assert.deepEqual(parseTarget("tls://[::1]:7443"), { host: "::1", port: 7443, tls: {} });
 * assert.throws(() => parseTarget("7007"), RangeError);
 * ```
 */
export function parseTarget(text: string): Target {
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length);
    if (!/^(?:\/|@.)/.test(path) || path.includes("\0")) {
      throw new RangeError(`invalid target "${text}": expected unix:/absolute/path.sock or unix:@abstract-name`);
    }
    return { path: path.startsWith("@") ? `\0${path.slice(1)}` : path };
  }
  const tls = text.startsWith("tls://");
  const match = /^(?:\[([^\]]+)\]|([^:[\]/]+)):(\d{1,5})$/.exec(tls ? text.slice("tls://".length) : text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new RangeError(`invalid target "${text}": expected ${FORMS}`);
  }
  const host = (match[1] ?? match[2]) as string;
  return tls ? { host, port, tls: {} } : { host, port };
}

/**
 * Formats a target the way {@link parseTarget} reads it: `host:port` (IPv6 literals in
 * brackets), `unix:PATH` (`unix:@name` for an abstract socket) or `tls://host:port`.
 *
 * @param target The target.
 * @returns Its text.
 * @example Format each kind
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTarget } from "@tcp-echo/conformance";
 *
 * assert.equal(formatTarget({ host: "::1", port: 7007 }), "[::1]:7007");
 * assert.equal(formatTarget({ path: "\0echo" }), "unix:@echo");
 * assert.equal(formatTarget({ host: "127.0.0.1", port: 7443, tls: {} }), "tls://127.0.0.1:7443");
 * ```
 */
export function formatTarget(target: Target): string {
  if (isUnixTarget(target)) {
    return `unix:${target.path.startsWith("\0") ? `@${target.path.slice(1)}` : target.path}`;
  }
  const address = target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  return isTlsTarget(target) ? `tls://${address}` : address;
}
