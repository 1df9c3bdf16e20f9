/**
 * The largest payload one UDP datagram can carry to a recipient: 65,535 bytes less the IP
 * header (20 bytes over IPv4, 40 over IPv6) and UDP's 8. A larger reply cannot be sent at all;
 * the server counts it as a send error itself, as not every runtime reports that failure.
 *
 * @module
 */

import type { UdpAddress } from "../address.ts";

/** The largest payload over IPv4, and to an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
export const MAX_IPV4_PAYLOAD = 65_507;
/** The largest payload over IPv6 (without jumbograms). */
export const MAX_IPV6_PAYLOAD = 65_527;

/** The largest payload a datagram to `recipient` can carry. */
export function maxPayload(recipient: UdpAddress): number {
  return recipient.family === "IPv6" && !recipient.hostname.toLowerCase().startsWith("::ffff:")
    ? MAX_IPV6_PAYLOAD
    : MAX_IPV4_PAYLOAD;
}
