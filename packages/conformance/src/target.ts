/**
 * Where a wire-level case connects: the echo server under test.
 *
 * @example Parse an IPv6 target
 * ```ts
 * import { parseTarget } from "@tcp-echo/conformance";
 *
 * console.log(parseTarget("[::1]:7007")); // { host: "::1", port: 7007 }
 * ```
 */
export interface Target {
  /** An IPv4 or IPv6 literal, or a name. */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
}

/**
 * Parses `host:port`, with IPv6 literals in brackets (`[::1]:7007`).
 *
 * @throws {RangeError} with a message naming the bad part.
 * @example Parse a host:port target
 * ```ts
 * import { parseTarget } from "@tcp-echo/conformance";
 *
 * const target = parseTarget("127.0.0.1:7007");
 * console.log(target.port); // 7007
 * ```
 */
export function parseTarget(text: string): Target {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new RangeError(`invalid target "${text}": expected host:port, e.g. 127.0.0.1:7007 or [::1]:7007`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** Formats a target as `host:port`, bracketing IPv6 literals. */
export function formatTarget(target: Target): string {
  return target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
