/**
 * Where a UDP socket binds: the host, port and family rules of TCP (`''` is every interface,
 * `'localhost'` the loopback, literals bound without a name lookup), without the listen-only
 * options.
 *
 * @module
 */

import type { AddressFamily, TcpBindTarget } from "../tcp/bind.ts";
import { resolveTcpBind } from "../tcp/bind.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import { rejectUnknownOptions } from "../transport/options.ts";

/**
 * Where to bind a UDP socket.
 *
 * @example The loopback, on the port the TCP side uses
 * ```ts
 * import type { UdpBindOptions } from "@tcp-echo/core";
 *
 * const options: UdpBindOptions = { host: "127.0.0.1", port: 7007 };
 * if (options.port !== 7007) throw new Error("port");
 * ```
 */
export interface UdpBindOptions {
  /**
   * `''` for every interface, `'localhost'` for the loopback, or an IPv4 or IPv6 literal
   * (brackets allowed: `[::1]`). Defaults to `'127.0.0.1'`.
   */
  readonly host?: string;
  /** 0 to 65535; 0 asks the system for a free port. Defaults to 0. */
  readonly port?: number;
  /** Which senders to receive from; see {@link AddressFamily}. Defaults to `"auto"`. */
  readonly family?: AddressFamily;
}

/** A UDP bind target after validation: what an adapter hands its runtime. */
export type UdpBindTarget = Omit<TcpBindTarget, "reuseAddress" | "reusePort">;

const BIND_OPTIONS: readonly (keyof UdpBindOptions)[] = ["host", "port", "family"];

/**
 * Validates UDP bind options, with the host table of {@link resolveTcpBind}.
 *
 * @param options The bind options as given.
 * @param transport The runtime and capabilities of the transport binding.
 * @returns The literal, port and family to hand to the runtime.
 * @throws {import("../errors.ts").TcpEchoError} `ERR_INVALID_ADDRESS`, `ERR_UNKNOWN_OPTION`, or
 * `ERR_UNSUPPORTED_OPTION` for an IPv6-only `::` without the `ipv6Only` capability.
 *
 * @example Every interface, dual-stack
 * ```ts
 * import { resolveUdpBind } from "@tcp-echo/core/transport";
 *
 * const transport = { runtime: { name: "example", version: "1" }, unsupported: {} };
 * if (resolveUdpBind({ host: "", port: 7 }, transport).hostname !== "::") throw new Error("dual-stack");
 * ```
 */
export function resolveUdpBind(
  options: UdpBindOptions,
  transport: { readonly runtime: RuntimeInfo; readonly unsupported: Unsupported },
): UdpBindTarget {
  rejectUnknownOptions("bind", options, BIND_OPTIONS);
  const { hostname, port, ipv6Only, family } = resolveTcpBind(options, transport);
  return { hostname, port, ipv6Only, family };
}
