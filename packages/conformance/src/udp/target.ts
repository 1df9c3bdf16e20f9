/**
 * A UDP echo server: `udp://host:port` in text.
 *
 * @example A UDP target
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUdpTarget, type UdpTarget } from "@tcp-echo/conformance";
 *
 * const target: UdpTarget = { udp: true, host: "::1", port: 7007 };
 * assert.deepEqual(parseUdpTarget("udp://[::1]:7007"), target);
 * ```
 */
export interface UdpTarget {
  /** Marks the target as UDP: the stream targets have no such key. */
  readonly udp: true;
  /** An IPv4 or IPv6 literal, or a name. */
  readonly host: string;
  /** The UDP port. */
  readonly port: number;
}

/**
 * Whether `text` names a UDP target (`udp://...`), well formed or not.
 *
 * @example Tell a UDP target from the others
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUdpTargetText } from "@tcp-echo/conformance";
 *
 * assert.ok(isUdpTargetText("udp://127.0.0.1:7007"));
 * assert.ok(!isUdpTargetText("127.0.0.1:7007"));
 * ```
 */
export function isUdpTargetText(text: string): boolean {
  return text.startsWith("udp://");
}

/**
 * Parses `udp://host:port` (IPv6 literals in brackets: `udp://[::1]:7007`).
 *
 * @param text The target as text.
 * @returns The target.
 * @throws {RangeError} naming the accepted form, for anything else.
 * @example Parse one, and refuse one without a port
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUdpTarget } from "@tcp-echo/conformance";
 *
 * assert.deepEqual(parseUdpTarget("udp://127.0.0.1:7007"), { udp: true, host: "127.0.0.1", port: 7007 });
 * assert.throws(() => parseUdpTarget("udp://127.0.0.1"), RangeError);
 * ```
 */
export function parseUdpTarget(text: string): UdpTarget {
  const match = isUdpTargetText(text)
    ? /^(?:\[([^\]]+)\]|([^:[\]/]+)):(\d{1,5})$/.exec(text.slice("udp://".length))
    : null;
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new RangeError(`invalid target "${text}": expected udp://host:port or udp://[::1]:port`);
  }
  return { udp: true, host: (match[1] ?? match[2]) as string, port };
}

/**
 * Formats a UDP target the way {@link parseUdpTarget} reads it.
 *
 * @param target The target.
 * @returns `udp://host:port`, an IPv6 literal in brackets.
 * @example An IPv6 target
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatUdpTarget } from "@tcp-echo/conformance";
 *
 * assert.equal(formatUdpTarget({ udp: true, host: "::1", port: 7 }), "udp://[::1]:7");
 * ```
 */
export function formatUdpTarget(target: UdpTarget): string {
  return target.host.includes(":") ? `udp://[${target.host}]:${target.port}` : `udp://${target.host}:${target.port}`;
}
