/**
 * Addresses: what a listener binds to and what a connection reports, and the host semantics of
 * the sockets API (`''` is every interface, `'localhost'` the loopback).
 *
 * @module
 */

import { TcpEchoError } from "./errors.ts";

/** IP version of an address, spelled as the runtimes spell it. */
export type IpFamily = "IPv4" | "IPv6";

/**
 * Which addresses a listener accepts connections on, fixed when it is created (the `domain`
 * argument of `socket(2)`): `"ipv4"`, `"ipv6"` (IPv6 only), or `"dual"` (IPv6 socket that also
 * accepts IPv4 clients as `::ffff:a.b.c.d`). `"auto"` derives it from the host given to `bind()`.
 */
export type AddressFamily = "auto" | "ipv4" | "ipv6" | "dual";

/**
 * A TCP endpoint as a listener or connection reports it.
 *
 * @example An IPv6 loopback address
 * ```ts
 * import { formatAddress, type TcpAddress } from "@tcp-echo/core";
 *
 * const address: TcpAddress = { transport: "tcp", hostname: "::1", port: 7007, family: "IPv6" };
 * console.log(formatAddress(address)); // "[::1]:7007"
 * ```
 */
export interface TcpAddress {
  /** Discriminates TCP from the transports that come later (unix sockets, UDP). */
  readonly transport: "tcp";
  /** An IP literal, without brackets. */
  readonly hostname: string;
  /** The port number, 0 to 65535. */
  readonly port: number;
  /** The IP version of `hostname`. */
  readonly family: IpFamily;
}

/** Every address a transport may report. Later transports add members to this union. */
export type SocketAddress = TcpAddress;

/**
 * Where to bind a TCP listener: the arguments of `bind(2)` plus `SO_REUSEADDR`.
 *
 * @example Bind every interface on an ephemeral port
 * ```ts
 * import type { BindOptions } from "@tcp-echo/core";
 *
 * const options: BindOptions = { host: "127.0.0.1", port: 0, reuseAddress: true };
 * ```
 */
export interface BindOptions {
  /**
   * `''` for every interface, `'localhost'` for the loopback, or an IPv4 or IPv6 literal
   * (brackets allowed: `[::1]`). Defaults to `'127.0.0.1'`.
   */
  readonly host?: string;
  /** 0 to 65535; 0 asks the system for a free (ephemeral) port. Defaults to 0. */
  readonly port?: number;
  /** Set `SO_REUSEADDR`, so a restart can bind while old connections sit in TIME_WAIT. Defaults to true. */
  readonly reuseAddress?: boolean;
}

/** A bind target after validation: a literal the runtime binds without a name lookup. */
export interface ResolvedBind {
  /** An IP literal without brackets: `0.0.0.0`, `::`, `127.0.0.1`, ... */
  readonly hostname: string;
  /** The port, validated. */
  readonly port: number;
  /** Whether the IPv6 socket refuses IPv4 clients. Always false for IPv4. */
  readonly ipv6Only: boolean;
  /** The family of `hostname`. */
  readonly family: IpFamily;
  /** Whether `SO_REUSEADDR` is asked for. */
  readonly reuseAddress: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;

/**
 * Tells whether `text` is an IPv4 literal in dotted-quad form.
 *
 * @param text The candidate.
 * @returns True for `a.b.c.d` with each part 0-255 and no leading zeros.
 *
 * @example Recognise an IPv4 literal
 * ```ts
 * import { isIPv4 } from "@tcp-echo/core";
 *
 * console.log(isIPv4("127.0.0.1"), isIPv4("256.0.0.1")); // true false
 * ```
 */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Tells whether `text` is an IPv6 literal (RFC 4291 text form, with an optional embedded IPv4
 * tail and an optional `%zone`), without brackets.
 *
 * @param text The candidate.
 * @returns True for a valid literal.
 *
 * @example Recognise an IPv6 literal
 * ```ts
 * import { isIPv6 } from "@tcp-echo/core";
 *
 * console.log(isIPv6("::1"), isIPv6("::ffff:127.0.0.1"), isIPv6("1::2::3")); // true true false
 * ```
 */
export function isIPv6(text: string): boolean {
  const zone = text.indexOf("%");
  const address = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && zone === text.length - 1) return false;
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string): string[] => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i] ?? "";
    if (i === all.length - 1 && group.includes(".")) {
      if (!isIPv4(group)) return false;
      width += 2;
    } else if (IPV6_GROUP.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width <= 7 : width === 8;
}

/**
 * Formats an address the way people type it: `127.0.0.1:7007`, `[::1]:7007`.
 *
 * @param address The address to format.
 * @returns `host:port`, with brackets around IPv6 hosts.
 *
 * @example Print an address as host:port
 * ```ts
 * import { formatAddress } from "@tcp-echo/core";
 *
 * console.log(formatAddress({ hostname: "127.0.0.1", port: 7 })); // "127.0.0.1:7"
 * console.log(formatAddress({ hostname: "::1", port: 7 })); // "[::1]:7"
 * ```
 */
export function formatAddress(address: Pick<TcpAddress, "hostname" | "port">): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${host}:${address.port}`;
}

/**
 * Builds a {@link TcpAddress} from the host and port a runtime reports for a socket. The family
 * follows from the literal (IPv6 literals contain a colon, IPv4-mapped ones included), so every
 * adapter reports it the same way.
 *
 * @param hostname The IP literal, without brackets; `undefined` (a closed socket) gives `""`.
 * @param port The port; `undefined` gives 0.
 * @returns The address.
 *
 * @example Build an address from a runtime's host and port
 * ```ts
 * import { tcpAddress } from "@tcp-echo/core";
 *
 * console.log(tcpAddress("::1", 7007).family); // "IPv6"
 * ```
 */
export function tcpAddress(hostname: string | undefined, port: number | undefined): TcpAddress {
  const host = hostname ?? "";
  return { transport: "tcp", hostname: host, port: port ?? 0, family: host.includes(":") ? "IPv6" : "IPv4" };
}

function invalid(message: string): TcpEchoError {
  return new TcpEchoError("ERR_INVALID_ADDRESS", message);
}

/**
 * Validates a bind target and turns the sockets API's host names into literals, so every
 * runtime binds exactly the same address:
 *
 * | host          | auto / dual          | ipv4        | ipv6              |
 * | ------------- | -------------------- | ----------- | ----------------- |
 * | `''`          | `::`, dual-stack     | `0.0.0.0`   | `::`, IPv6 only   |
 * | `'localhost'` | `127.0.0.1`          | `127.0.0.1` | `::1`             |
 * | IPv4 literal  | itself               | itself      | error             |
 * | IPv6 literal  | itself (dual if `::`)| error       | itself, IPv6 only |
 *
 * @param options The bind options as given.
 * @param family The family the listener was created with.
 * @returns The literal, port and flags to hand to the runtime.
 * @throws {TcpEchoError} `ERR_INVALID_ADDRESS` for a host that is not `''`, `localhost` or an IP
 * literal, a host of the wrong family, or a port outside 0-65535.
 *
 * @example Resolve the all-interfaces host
 * ```ts
 * import { resolveBind } from "@tcp-echo/core";
 *
 * console.log(resolveBind({ host: "", port: 7007 }, "auto").hostname); // "::"
 * ```
 */
export function resolveBind(options: BindOptions, family: AddressFamily): ResolvedBind {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(`Cannot bind: port ${String(port)} is not a whole number from 0 to 65535`);
  }
  const reuseAddress = options.reuseAddress ?? true;
  let host = options.host ?? "127.0.0.1";
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  host = host.toLowerCase();
  if (host === "") {
    if (family === "ipv4") return { hostname: "0.0.0.0", port, ipv6Only: false, family: "IPv4", reuseAddress };
    return { hostname: "::", port, ipv6Only: family === "ipv6", family: "IPv6", reuseAddress };
  }
  if (host === "localhost") {
    if (family === "ipv6") return { hostname: "::1", port, ipv6Only: true, family: "IPv6", reuseAddress };
    return { hostname: "127.0.0.1", port, ipv6Only: false, family: "IPv4", reuseAddress };
  }
  if (isIPv4(host)) {
    if (family === "ipv6") throw invalid(`Cannot bind ${host}: it is an IPv4 address and the listener is IPv6-only`);
    return { hostname: host, port, ipv6Only: false, family: "IPv4", reuseAddress };
  }
  if (isIPv6(host)) {
    if (family === "ipv4") throw invalid(`Cannot bind ${host}: it is an IPv6 address and the listener is IPv4-only`);
    const dual = host === "::" && family !== "ipv6";
    return { hostname: host, port, ipv6Only: !dual, family: "IPv6", reuseAddress };
  }
  throw invalid(`Cannot bind ${JSON.stringify(options.host)}: use '' (all interfaces), 'localhost' or an IP address`);
}
