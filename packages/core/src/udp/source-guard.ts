/**
 * Which senders a UDP echo never answers, because answering them is how echo servers get
 * abused: a spoofed datagram "from" another UDP service's port turns two servers into a loop
 * (echo answering chargen answering echo), and a reply to a broadcast or multicast source
 * reaches every host behind it.
 *
 * @module
 */

import type { UdpAddress } from "../address.ts";

/**
 * The source ports of the classic UDP services that answer whatever reaches them: echo (7),
 * daytime (13), qotd (17), chargen (19) and time (37). A datagram "from" one of them is a loop
 * waiting to happen, so the echo does not answer it. Port 0 is never a real sender and is
 * refused even when these are allowed.
 *
 * @example Is a sender on a loop-prone port?
 * ```ts
 * import { RESERVED_SOURCE_PORTS } from "@tcp-echo/core";
 *
 * if (!RESERVED_SOURCE_PORTS.includes(19)) throw new Error("chargen");
 * ```
 */
export const RESERVED_SOURCE_PORTS: readonly number[] = [7, 13, 17, 19, 37];

/**
 * Why the source guard refuses a sender: `"reserved-port"` for port 0 or one of
 * {@link RESERVED_SOURCE_PORTS}; `"broadcast"` for a broadcast, multicast or unspecified source
 * address, which no real sender has.
 */
export type SourceRefusal = "reserved-port" | "broadcast";

/**
 * Tells whether an IP literal can be a datagram's sender: false for IPv4 `0.0.0.0/8`,
 * multicast and everything above it (`224.0.0.0/3`, which holds `255.255.255.255`), and for
 * IPv6 `::` and multicast (`ff00::/8`), including IPv4 addresses mapped into IPv6.
 *
 * @param hostname An IP literal, as a runtime reports a sender.
 * @returns Whether replying to it reaches one host.
 *
 * @example
 * ```ts
 * import { isUnicastSource } from "@tcp-echo/core";
 *
 * if (isUnicastSource("255.255.255.255") || isUnicastSource("ff02::1")) throw new Error("broadcast");
 * if (!isUnicastSource("::ffff:192.0.2.1")) throw new Error("unicast");
 * ```
 */
export function isUnicastSource(hostname: string): boolean {
  const mapped = hostname.lastIndexOf(":");
  if (mapped !== -1 && hostname.includes(".")) return isUnicastIPv4(hostname.slice(mapped + 1));
  if (mapped === -1) return isUnicastIPv4(hostname);
  const lower = hostname.toLowerCase();
  if (lower.startsWith("ff")) return false;
  return !/^[0:]+$/.test(lower);
}

function isUnicastIPv4(hostname: string): boolean {
  const first = Number.parseInt(hostname, 10);
  return first > 0 && first < 224;
}

/**
 * The guard itself: why a sender gets no answer, or undefined when it may get one.
 *
 * @param sender The datagram's sender.
 * @param allowReservedPorts Answer the ports in {@link RESERVED_SOURCE_PORTS} (port 0 stays refused).
 * @returns The refusal, or undefined.
 *
 * @example chargen's port gets no echo
 * ```ts
 * import { refuseSource } from "@tcp-echo/core";
 *
 * const sender = { transport: "udp", hostname: "192.0.2.1", port: 19, family: "IPv4" } as const;
 * if (refuseSource(sender, false) !== "reserved-port") throw new Error("guard");
 * ```
 */
export function refuseSource(sender: UdpAddress, allowReservedPorts: boolean): SourceRefusal | undefined {
  const port = sender.port;
  if (port === 0 || (port < 38 && !allowReservedPorts && RESERVED_SOURCE_PORTS.includes(port))) {
    return "reserved-port";
  }
  const hostname = sender.hostname;
  // Datagrams come in runs from one address: parse each address once per run.
  if (hostname !== lastHostname) {
    lastHostname = hostname;
    lastUnicast = isUnicastSource(hostname);
  }
  return lastUnicast ? undefined : "broadcast";
}

let lastHostname = "";
let lastUnicast = false;
