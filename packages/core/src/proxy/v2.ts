/**
 * The v2 (binary) PROXY header: a 12-byte signature, the version and command, the address
 * family and transport protocol, a 16-bit length, then the addresses and TLVs.
 *
 * @module
 */

import { crc32c } from "./crc32c.ts";
import type { ProxyEndpoint, ProxyTlv, Scan } from "./header.ts";
import { formatIPv4, formatIPv6 } from "./ip.ts";

/** The 12 bytes every v2 header starts with. */
export const V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);
const FIXED = 16;
const LOCAL = 0x0;
const PROXY = 0x1;
const FAMILIES = ["AF_UNSPEC", "AF_INET", "AF_INET6", "AF_UNIX"] as const;
/** Bytes of the address block per family: two addresses, and two ports for IP. */
const ADDRESS_BYTES = [0, 12, 36, 216] as const;
const STREAM = 0x1;
const CRC32C = 0x03;

/**
 * Reads a v2 header from the start of `bytes` (which starts with CR), refusing as early as the
 * bytes so far allow.
 *
 * @param bytes The bytes received so far.
 * @param max The longest header accepted.
 * @returns `more` until the whole header is there, then `done` or `error`.
 */
export function scanV2(bytes: Uint8Array, max: number): Scan {
  const received = bytes.byteLength;
  for (let i = 0; i < Math.min(received, V2_SIGNATURE.byteLength); i++) {
    if (bytes[i] !== V2_SIGNATURE[i])
      return error(`byte ${i} of the v2 signature is 0x${hex(bytes[i])}, not 0x${hex(V2_SIGNATURE[i])}`);
  }
  if (received < 13) return MORE;
  const versionCommand = bytes[12] ?? 0;
  const version = versionCommand >> 4;
  if (version !== 2) return error(`the v2 header's version is ${version}, not 2`);
  const command = versionCommand & 0x0f;
  if (command !== LOCAL && command !== PROXY)
    return error(`the v2 command 0x${command.toString(16)} is neither LOCAL nor PROXY`);
  if (received < 14) return MORE;
  const familyProtocol = bytes[13] ?? 0;
  const family = familyProtocol >> 4;
  const protocol = familyProtocol & 0x0f;
  if (family >= FAMILIES.length) return error(`the v2 address family 0x${family.toString(16)} is unknown`);
  if (protocol > 2) return error(`the v2 transport protocol 0x${protocol.toString(16)} is unknown`);
  if (received < FIXED) return MORE;
  const declared = ((bytes[14] ?? 0) << 8) | (bytes[15] ?? 0);
  const length = FIXED + declared;
  if (length > max) return error(`the v2 header declares ${length} bytes, more than the ${max} accepted`);
  const addressBytes = command === PROXY ? ADDRESS_BYTES[family as 0 | 1 | 2 | 3] : 0;
  if (declared < addressBytes) {
    return error(`the v2 length ${declared} is too short for ${FAMILIES[family]} addresses (${addressBytes} bytes)`);
  }
  if (received < length) return MORE;
  const header = bytes.subarray(0, length);

  // LOCAL: the proxy's own connection; its family and addresses are ignored, TLVs too.
  if (command === LOCAL) return { status: "done", header: { version: 2, command: "local", tlvs: [], length } };
  const tlvs = readTlvs(header, FIXED + addressBytes);
  if (typeof tlvs === "string") return error(tlvs);
  const ip = protocol === STREAM && (family === 1 || family === 2);
  if (!ip) return { status: "done", header: { version: 2, command: "proxy", tlvs, length } };
  const [source, destination] = endpoints(header, family === 1 ? "IPv4" : "IPv6");
  return { status: "done", header: { version: 2, command: "proxy", source, destination, tlvs, length } };
}

function endpoints(header: Uint8Array, family: "IPv4" | "IPv6"): [ProxyEndpoint, ProxyEndpoint] {
  const size = family === "IPv4" ? 4 : 16;
  const text = family === "IPv4" ? formatIPv4 : formatIPv6;
  const ports = FIXED + 2 * size;
  const port = (at: number) => ((header[at] ?? 0) << 8) | (header[at + 1] ?? 0);
  return [
    { hostname: text(header.subarray(FIXED, FIXED + size)), port: port(ports), family },
    { hostname: text(header.subarray(FIXED + size, FIXED + 2 * size)), port: port(ports + 2), family },
  ];
}

/** The TLVs from `offset` to the end of the header, or why they are malformed. */
function readTlvs(header: Uint8Array, offset: number): ProxyTlv[] | string {
  const tlvs: ProxyTlv[] = [];
  let at = offset;
  while (at < header.byteLength) {
    if (at + 3 > header.byteLength) return `a v2 TLV at byte ${at} is cut off by the end of the header`;
    const type = header[at] ?? 0;
    const size = ((header[at + 1] ?? 0) << 8) | (header[at + 2] ?? 0);
    const end = at + 3 + size;
    if (end > header.byteLength) {
      return `the v2 TLV 0x${hex(type)} at byte ${at} declares ${size} bytes, past the end of the header`;
    }
    if (type === CRC32C) {
      if (size !== 4) return `the v2 CRC32C TLV holds ${size} bytes, not 4`;
      const problem = checkCrc(header, at + 3);
      if (problem !== undefined) return problem;
    }
    tlvs.push({ type, value: header.slice(at + 3, end) });
    at = end;
  }
  return tlvs;
}

/** Checks the CRC32C TLV whose value starts at `at`: computed over the header with that value zeroed. */
function checkCrc(header: Uint8Array, at: number): string | undefined {
  const sent =
    (((header[at] ?? 0) << 24) |
      ((header[at + 1] ?? 0) << 16) |
      ((header[at + 2] ?? 0) << 8) |
      (header[at + 3] ?? 0)) >>>
    0;
  const zeroed = header.slice();
  zeroed.fill(0, at, at + 4);
  const computed = crc32c(zeroed);
  if (computed === sent) return undefined;
  return `the v2 CRC32C checksum is 0x${sent.toString(16).padStart(8, "0")}, the header's is 0x${computed.toString(16).padStart(8, "0")}`;
}

const MORE: Scan = { status: "more" };

function error(reason: string): Scan {
  return { status: "error", reason };
}

/** Two hex digits. */
export function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, "0");
}
