import type { UdpCase } from "./case.ts";
import { udpPacedCase } from "./paced.ts";
import { udpReservedPortsCase } from "./reserved-ports.ts";
import { udpSizesCase } from "./sizes.ts";
import { udpSourcesCase } from "./sources.ts";

export { NotArrangedError, type UdpCase, type UdpCaseOptions } from "./case.ts";
export {
  bindRefusal,
  resolveUdpTarget,
  UdpClient,
  type UdpClientOptions,
  type UdpFamily,
  type UdpPeer,
} from "./client.ts";
export { type PacedOptions, type PacedResult, pacedDatagrams, udpPacedCase } from "./paced.ts";
export {
  openOnPort,
  type ReservedPortsOptions,
  reservedPortsUnanswered,
  udpReservedPortsCase,
} from "./reserved-ports.ts";
export { echoesSize, UDP_IPV6_MAX, UDP_SIZES, udpSizes, udpSizesCase } from "./sizes.ts";
export { manySources, type SourcesOptions, udpSourcesCase } from "./sources.ts";
export { formatUdpTarget, isUdpTargetText, parseUdpTarget, type UdpTarget } from "./target.ts";

/**
 * Every UDP case, in the order they run: what any UDP echo server must do, whatever its
 * configuration (a rate limit is the server's own business, so no case here depends on one).
 *
 * @example Run them all against a server
 * ```ts ignore
 * import { udpCases } from "@tcp-echo/conformance";
 *
 * for (const udpCase of udpCases) await udpCase.run({ udp: true, host: "127.0.0.1", port: 7007 });
 * ```
 */
export const udpCases: readonly UdpCase[] = [udpSizesCase, udpPacedCase, udpSourcesCase, udpReservedPortsCase];
