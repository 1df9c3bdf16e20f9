/**
 * The tcp-echo conformance suite: the echo contract as executable cases. Wire-level cases run
 * against any echo server by address (the UDP cases, `udpCases`, against any UDP echo server); the in-process cases (in `test/`) check an adapter's
 * lifecycle, errors and capabilities on Node.js, Deno and Bun alike.
 *
 * @example Check a server by address
 * ```ts ignore
 * import { wireCases } from "@tcp-echo/conformance";
 *
 * for (const wireCase of wireCases) {
 *   await wireCase.run({ host: "127.0.0.1", port: 7007 });
 *   console.log("ok", wireCase.id);
 * }
 * ```
 *
 * @module
 */

export { assertSameBytes } from "./assert-bytes.ts";
export { makeTestCertificates, type TestCertificates } from "./certificates.ts";
export { type CaseOutcome, type CliOutput, main, runUdpCases, runWireCases } from "./cli.ts";
export { type ConnectOptions, EchoClient, roundTrip } from "./client.ts";
export { withDeadline } from "./deadline.ts";
export { allByteValues, patternBytes, sha256, streamChunks } from "./payload.ts";
export {
  formatTarget,
  isTlsTarget,
  isUnixTarget,
  parseTarget,
  type Target,
  type TcpTarget,
  type TlsClientOptions,
  type TlsTarget,
  type UnixTarget,
} from "./target.ts";
export {
  bindRefusal,
  echoesSize,
  formatUdpTarget,
  isUdpTargetText,
  manySources,
  NotArrangedError,
  openOnPort,
  type PacedOptions,
  type PacedResult,
  pacedDatagrams,
  parseUdpTarget,
  type ReservedPortsOptions,
  reservedPortsUnanswered,
  resolveUdpTarget,
  type SourcesOptions,
  UDP_IPV6_MAX,
  UDP_SIZES,
  type UdpCase,
  type UdpCaseOptions,
  UdpClient,
  type UdpClientOptions,
  type UdpFamily,
  type UdpPeer,
  type UdpTarget,
  udpCases,
  udpPacedCase,
  udpReservedPortsCase,
  udpSizes,
  udpSizesCase,
  udpSourcesCase,
} from "./udp/index.ts";
export { backpressureCase, lentBuffersCase, lentBuffersSharedCase, wireCases } from "./wire/index.ts";
export type { WireCapability, WireCase } from "./wire-case.ts";
