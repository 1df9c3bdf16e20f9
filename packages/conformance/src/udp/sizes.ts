import { patternBytes } from "../payload.ts";
import type { UdpCase, UdpCaseOptions } from "./case.ts";
import { resolveUdpTarget, UdpClient, type UdpFamily, type UdpPeer } from "./client.ts";
import type { UdpTarget } from "./target.ts";

/**
 * The datagram sizes every UDP echo must return whole: empty, one byte, the classic 512, an
 * Ethernet MTU's worth (1,472 = 1,500 - 20 - 8), one that IPv4 fragments off the loopback, and
 * the largest IPv4 allows (65,507 = 65,535 - 20 - 8).
 */
export const UDP_SIZES: readonly number[] = [0, 1, 512, 1472, 8192, 65_507];

/** The largest UDP payload over IPv6 without jumbograms: 65,535 - 8. */
export const UDP_IPV6_MAX = 65_527;

/** The sizes to check over `family`: {@link UDP_SIZES}, and over IPv6 also {@link UDP_IPV6_MAX}. */
export function udpSizes(family: UdpFamily): readonly number[] {
  return family === "IPv6" ? [...UDP_SIZES, UDP_IPV6_MAX] : UDP_SIZES;
}

/**
 * Sends one datagram of `size` distinct bytes from a fresh socket and checks that exactly those
 * bytes come back as one datagram.
 *
 * @param peer The echo server, resolved.
 * @param size The payload's length.
 * @param options Where the client binds.
 */
export async function echoesSize(peer: UdpPeer, size: number, options: UdpCaseOptions = {}): Promise<void> {
  const client = await UdpClient.open({ family: peer.family, address: options.localAddress });
  try {
    await client.roundTrip(peer, patternBytes(size, 65_536 + size), `a ${size}-byte datagram`);
  } finally {
    await client.close();
  }
}

/** Each size of {@link udpSizes} comes back exactly, one datagram each. */
export const udpSizesCase: UdpCase = {
  id: "udp-exact-sizes",
  title: "echoes datagrams of 0, 1, 512, 1,472, 8,192 and 65,507 bytes (over IPv6 also 65,527) exactly",
  timeout: 15_000,
  async run(target: UdpTarget, options?: UdpCaseOptions) {
    const peer = await resolveUdpTarget(target);
    // Every size is tried, so that one failure does not hide how the others fare.
    const failures: string[] = [];
    for (const size of udpSizes(peer.family)) {
      try {
        await echoesSize(peer, size, options);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join("; "));
  },
};
