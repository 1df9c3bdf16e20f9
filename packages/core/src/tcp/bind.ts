/**
 * Where a TCP listener binds: the options of `bind(2)` (plus the socket's family and
 * `SO_REUSEADDR`), validated and turned into a literal the runtime binds without a name lookup,
 * with the host semantics of the sockets API (`''` is every interface, `'localhost'` the loopback).
 *
 * @module
 */

import { type IpFamily, isIPv4, isIPv6 } from "../address.ts";
import { TcpEchoError } from "../errors.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import { rejectUnknownOptions, requireCapability } from "../transport/options.ts";

/**
 * Which addresses a listener accepts connections on (the `domain` argument of `socket(2)`):
 * `"ipv4"`, `"ipv6"` (IPv6 only), or `"dual"` (an IPv6 socket that also accepts IPv4 clients as
 * `::ffff:a.b.c.d`). `"auto"` derives it from the host.
 */
export type AddressFamily = "auto" | "ipv4" | "ipv6" | "dual";

/**
 * Where to bind a TCP listener.
 *
 * @example Bind the loopback on an ephemeral port
 * ```ts
 * import type { TcpBindOptions } from "@tcp-echo/core";
 *
 * const options: TcpBindOptions = { host: "127.0.0.1", port: 0, reuseAddress: true };
 * if (options.port !== 0) throw new Error("port");
 * ```
 */
export interface TcpBindOptions {
  /**
   * `''` for every interface, `'localhost'` for the loopback, or an IPv4 or IPv6 literal
   * (brackets allowed: `[::1]`). Defaults to `'127.0.0.1'`.
   */
  readonly host?: string;
  /** 0 to 65535; 0 asks the system for a free (ephemeral) port. Defaults to 0. */
  readonly port?: number;
  /** Set `SO_REUSEADDR`, so a restart can bind while old connections sit in TIME_WAIT. Defaults to true. */
  readonly reuseAddress?: boolean;
  /** Which addresses to accept; see {@link AddressFamily}. Defaults to `"auto"`. */
  readonly family?: AddressFamily;
  /**
   * Set `SO_REUSEPORT`, so listeners in several processes share the address and port and the
   * system spreads connections across them. Needs the `reusePort` capability. Defaults to false.
   */
  readonly reusePort?: boolean;
}

/** A TCP bind target after validation: what an adapter hands its runtime. */
export interface TcpBindTarget {
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
  /** Whether `SO_REUSEPORT` is asked for. */
  readonly reusePort: boolean;
}

const BIND_OPTIONS: readonly (keyof TcpBindOptions)[] = ["host", "port", "reuseAddress", "family", "reusePort"];
const FAMILIES: readonly AddressFamily[] = ["auto", "ipv4", "ipv6", "dual"];

function invalid(message: string): TcpEchoError {
  return new TcpEchoError("ERR_INVALID_ADDRESS", message);
}

/**
 * Validates TCP bind options and turns the sockets API's host names into literals, so every
 * runtime binds exactly the same address:
 *
 * | host          | auto / dual          | ipv4        | ipv6              |
 * | ------------- | -------------------- | ----------- | ----------------- |
 * | `''`          | `::`, dual-stack     | `0.0.0.0`   | `::`, IPv6 only   |
 * | `'localhost'` | `127.0.0.1`          | `127.0.0.1` | `::1`             |
 * | IPv4 literal  | itself               | itself      | error             |
 * | IPv6 literal  | itself (dual if `::`)| error       | itself, IPv6 only |
 *
 * Options the transport cannot honour fail here: `reuseAddress: false` without the
 * `reuseAddressOff` capability, an IPv6-only `::` without `ipv6Only`, `reusePort: true` without
 * `reusePort`.
 *
 * @param options The bind options as given.
 * @param transport The runtime and capabilities of the transport binding.
 * @returns The literal, port and flags to hand to the runtime.
 * @throws {TcpEchoError} `ERR_INVALID_ADDRESS` for a host that is not `''`, `localhost` or an IP
 * literal, a host of the wrong family, or a port outside 0-65535; `ERR_UNKNOWN_OPTION`;
 * `ERR_UNSUPPORTED_OPTION`.
 *
 * @example Resolve the all-interfaces host
 * ```ts
 * import { resolveTcpBind } from "@tcp-echo/core/transport";
 *
 * const transport = { runtime: { name: "example", version: "1" }, unsupported: {} };
 * if (resolveTcpBind({ host: "", port: 7007 }, transport).hostname !== "::") throw new Error("dual-stack");
 * ```
 */
export function resolveTcpBind(
  options: TcpBindOptions,
  transport: { readonly runtime: RuntimeInfo; readonly unsupported: Unsupported },
): TcpBindTarget {
  rejectUnknownOptions("bind", options, BIND_OPTIONS);
  const family = options.family ?? "auto";
  if (!FAMILIES.includes(family)) {
    throw invalid(`Cannot bind: family ${JSON.stringify(family)} is not one of ${FAMILIES.join(", ")}`);
  }
  const target: TcpBindTarget = { ...resolveHost(options, family), reusePort: options.reusePort ?? false };
  if (!target.reuseAddress) requireCapability(transport, "reuseAddressOff", "reuseAddress: false");
  if (target.reusePort) requireCapability(transport, "reusePort", "reusePort: true");
  // Only the unspecified address can take IPv4 clients, so only it needs IPV6_V6ONLY set.
  if (target.ipv6Only && target.hostname === "::") requireCapability(transport, "ipv6Only", `family: "ipv6"`);
  return target;
}

function resolveHost(options: TcpBindOptions, family: AddressFamily): Omit<TcpBindTarget, "reusePort"> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const shown = typeof port === "string" ? `the string ${JSON.stringify(port)} (give a number)` : String(port);
    throw invalid(`Cannot bind: port ${shown} is not a whole number from 0 to 65535`);
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
