/**
 * The v1 (text) PROXY header: `PROXY TCP4|TCP6 <source> <destination> <source port>
 * <destination port>\r\n`, or `PROXY UNKNOWN` and anything up to the CRLF; 107 bytes at most,
 * CRLF included.
 *
 * @module
 */

import { isIPv4 } from "../address.ts";
import type { ProxyEndpoint, Scan } from "./header.ts";
import { formatIPv6, parseIPv6 } from "./ip.ts";

/** The longest v1 line, CRLF included: `PROXY UNKNOWN` with two full IPv6 addresses and ports. */
export const V1_MAX_BYTES = 107;
const PREFIX = "PROXY ";
const CR = 0x0d;
const LF = 0x0a;
const PORT = /^(0|[1-9]\d{0,4})$/;

/**
 * Reads a v1 header from the start of `bytes` (which starts with `P`).
 *
 * @param bytes The bytes received so far.
 * @returns `more` until the CRLF arrives, then `done` or `error`.
 */
export function scanV1(bytes: Uint8Array): Scan {
  const end = Math.min(bytes.byteLength, V1_MAX_BYTES);
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (i < PREFIX.length && byte !== PREFIX.charCodeAt(i)) {
      return error(`the v1 header does not start with "PROXY " (got "${printable(bytes.subarray(0, i + 1))}")`);
    }
    if (byte === LF) {
      if (bytes[i - 1] !== CR) return error("the v1 line ends with a bare LF, not CRLF");
      return parseLine(ascii(bytes.subarray(0, i - 1)), i + 1);
    }
    if (bytes[i - 1] === CR) return error("a CR in the v1 line is not followed by LF");
  }
  if (bytes.byteLength >= V1_MAX_BYTES) return error(`no CRLF within the first ${V1_MAX_BYTES} bytes of the v1 line`);
  return { status: "more" };
}

function parseLine(line: string, length: number): Scan {
  const fields = line.split(" ");
  const protocol = fields[1] ?? "";
  if (protocol === "UNKNOWN") return { status: "done", header: { version: 1, command: "proxy", tlvs: [], length } };
  if (protocol !== "TCP4" && protocol !== "TCP6") {
    return error(`the v1 protocol "${printable(protocol)}" is not TCP4, TCP6 or UNKNOWN`);
  }
  if (fields.length !== 6) {
    return error(`the v1 ${protocol} line has ${fields.length - 2} fields, not 4 (source, destination, their ports)`);
  }
  const family = protocol === "TCP4" ? "IPv4" : "IPv6";
  const source = endpoint(family, fields[2] ?? "", fields[4] ?? "", "source");
  if (typeof source === "string") return error(source);
  const destination = endpoint(family, fields[3] ?? "", fields[5] ?? "", "destination");
  if (typeof destination === "string") return error(destination);
  return { status: "done", header: { version: 1, command: "proxy", source, destination, tlvs: [], length } };
}

/** The endpoint, or why its text is not valid for the family. */
function endpoint(family: "IPv4" | "IPv6", host: string, port: string, side: string): ProxyEndpoint | string {
  let hostname = host;
  if (family === "IPv4") {
    if (!isIPv4(host)) return `the v1 ${side} address "${printable(host)}" is not an IPv4 address`;
  } else {
    const bytes = parseIPv6(host);
    if (bytes === undefined) return `the v1 ${side} address "${printable(host)}" is not an IPv6 address`;
    hostname = formatIPv6(bytes);
  }
  const number = PORT.test(port) ? Number(port) : Number.NaN;
  if (!(number <= 0xffff)) {
    return `the v1 ${side} port "${printable(port)}" is not a number from 0 to 65535 without leading zeros`;
  }
  return { hostname, port: number, family };
}

function error(reason: string): Scan {
  return { status: "error", reason };
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** What a peer sent, safe for a log line: printable ASCII kept, the rest as `?`, 40 characters at most. */
function printable(value: Uint8Array | string): string {
  const text = typeof value === "string" ? value : ascii(value);
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
