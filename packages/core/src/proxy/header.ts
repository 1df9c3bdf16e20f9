/**
 * The PROXY protocol header (HAProxy's `doc/proxy-protocol.txt`, versions 1 and 2) and its
 * incremental parser: fed the first bytes of a connection in whatever pieces TCP delivers them,
 * one byte at a time included, it says "more", "done" (with the bytes after the header) or
 * "error" (with the reason). It never throws on what a peer sends.
 *
 * @module
 */

import type { IpFamily } from "../address.ts";
import { InvalidOptionError } from "../errors.ts";
import { scanV1 } from "./v1.ts";
import { hex, scanV2, V2_SIGNATURE } from "./v2.ts";

/** An address a PROXY header carries: the proxy's client, or the address the client reached. */
export interface ProxyEndpoint {
  /** An IP literal without brackets; IPv6 in RFC 5952 form. */
  readonly hostname: string;
  /** The port, 0 to 65535. */
  readonly port: number;
  /** The IP version. */
  readonly family: IpFamily;
}

/** One type-length-value record of a v2 header (`PP2_TYPE_ALPN`, `PP2_TYPE_AUTHORITY`...). */
export interface ProxyTlv {
  /** The type byte: 0x01 ALPN, 0x02 AUTHORITY, 0x03 CRC32C, 0x04 NOOP, 0x05 UNIQUE_ID, 0x20 SSL... */
  readonly type: number;
  /** The value, a copy (the header's memory is not kept). */
  readonly value: Uint8Array;
}

/** A parsed PROXY header. */
export interface ProxyHeader {
  /** 1 for the text header (`PROXY TCP4 ...\r\n`), 2 for the binary one. */
  readonly version: 1 | 2;
  /**
   * `"proxy"`: relayed for a client. `"local"`: the proxy's own connection (a v2 `LOCAL`, such
   * as a health check), whose real endpoints are its addresses.
   */
  readonly command: "proxy" | "local";
  /**
   * The client's address, when the header gives TCP over IPv4 or IPv6. Undefined for `LOCAL`,
   * v1 `UNKNOWN`, and v2 headers whose family or protocol gives none (`AF_UNSPEC`, `AF_UNIX`,
   * UDP): the connection's own addresses stand then, as the specification says.
   */
  readonly source?: ProxyEndpoint;
  /** The address the client connected to; present exactly when `source` is. */
  readonly destination?: ProxyEndpoint;
  /** The v2 TLVs in order (empty for v1 and `LOCAL`); a CRC32C one has been checked. */
  readonly tlvs: readonly ProxyTlv[];
  /** The header's length in bytes. */
  readonly length: number;
}

/** What the parser says after each chunk. */
export type ProxyHeaderStep =
  /** The header is not complete yet: feed more bytes. */
  | { readonly status: "more" }
  /**
   * The header is complete. `rest` is the data after it: a view of the last chunk fed, possibly
   * empty, to hand on as the connection's first bytes.
   */
  | { readonly status: "done"; readonly header: ProxyHeader; readonly rest: Uint8Array }
  /** Not a valid header: `reason` says why, for a log. Close the connection. */
  | { readonly status: "error"; readonly reason: string };

/** What the version scanners say about the bytes so far: like a step, without `rest`. */
export type Scan =
  | { readonly status: "more" }
  | { readonly status: "done"; readonly header: ProxyHeader }
  | { readonly status: "error"; readonly reason: string };

/** Options of {@link ProxyHeaderParser} and {@link parseProxyHeader}. */
export interface ProxyHeaderOptions {
  /**
   * The longest header accepted, in bytes: a v2 header declaring more is refused as soon as
   * its length field arrives. Default 4096; at least 232 (a v2 `AF_UNIX` header); at most
   * 65,551 (16 + the largest length field). A v1 header is at most 107 bytes whatever this says.
   */
  readonly maxHeaderBytes?: number;
}

/** The default {@link ProxyHeaderOptions.maxHeaderBytes}. */
export const DEFAULT_MAX_HEADER_BYTES = 4096;
const MIN_HEADER_BYTES = 16 + 216;
const MAX_HEADER_BYTES = 16 + 0xffff;
const P = 0x50;

/**
 * Reads a PROXY header, v1 or v2, from the chunks of a connection as they arrive. Bytes are
 * copied while the header is incomplete (at most `maxHeaderBytes`), so chunks may be reused
 * once `push()` returns.
 *
 * @example A v1 header split over two writes, followed by data
 * ```ts
 * import { ProxyHeaderParser } from "@tcp-echo/core";
 *
 * const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
 * const parser = new ProxyHeaderParser();
 * if (parser.push(bytes("PROXY TCP4 192.0.2.1 ")).status !== "more") throw new Error("more");
 * const step = parser.push(bytes("198.51.100.2 51000 7007\r\nhello"));
 * if (step.status !== "done" || step.header.source?.hostname !== "192.0.2.1") throw new Error("source");
 * if (step.rest.length !== 5) throw new Error("rest");
 * ```
 */
export class ProxyHeaderParser {
  readonly #max: number;
  #buffer: Uint8Array | undefined;
  #buffered = 0;
  #final: ProxyHeaderStep | undefined;

  /**
   * Creates a parser for one connection.
   *
   * @param options The size limit.
   * @throws {InvalidOptionError} `ERR_INVALID_OPTION` for a `maxHeaderBytes` outside 232 to 65,551.
   */
  constructor(options: ProxyHeaderOptions = {}) {
    const max = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    if (!Number.isInteger(max) || max < MIN_HEADER_BYTES || max > MAX_HEADER_BYTES) {
      throw new InvalidOptionError(
        "maxHeaderBytes",
        `Cannot parse PROXY headers: maxHeaderBytes ${max} is not a whole number from ${MIN_HEADER_BYTES} to ${MAX_HEADER_BYTES}`,
      );
    }
    this.#max = max;
  }

  /** Bytes received so far and kept while the header is incomplete. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Feeds the next chunk.
   *
   * @param chunk The bytes that arrived, in order.
   * @returns `more`, `done` with the header and the bytes after it, or `error` with the reason.
   * Once done or failed, every later call returns the same step without reading `chunk`.
   */
  push(chunk: Uint8Array): ProxyHeaderStep {
    if (this.#final !== undefined) return this.#final;
    if (chunk.byteLength === 0) return MORE;
    const held = this.#buffered;
    // Never more than `max` bytes are scanned: a header cannot be longer.
    const fresh = chunk.subarray(0, this.#max - held);
    let bytes = fresh;
    if (held > 0 && this.#buffer !== undefined) {
      bytes = new Uint8Array(held + fresh.byteLength);
      bytes.set(this.#buffer.subarray(0, held));
      bytes.set(fresh, held);
    }
    const scan = scanHeader(bytes, this.#max);
    if (scan.status === "more") {
      this.#keep(fresh);
      return MORE;
    }
    this.#buffer = undefined;
    this.#buffered = 0;
    if (scan.status === "error") {
      this.#final = scan;
      return scan;
    }
    this.#final = { status: "done", header: scan.header, rest: chunk.subarray(scan.header.length - held) };
    return this.#final;
  }

  #keep(fresh: Uint8Array): void {
    const needed = this.#buffered + fresh.byteLength;
    if (this.#buffer === undefined || this.#buffer.byteLength < needed) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(needed, 2 * (this.#buffer?.byteLength ?? 0), 128)));
      if (this.#buffer !== undefined) grown.set(this.#buffer.subarray(0, this.#buffered));
      this.#buffer = grown;
    }
    this.#buffer.set(fresh, this.#buffered);
    this.#buffered = needed;
  }
}

const MORE: ProxyHeaderStep = { status: "more" };

function scanHeader(bytes: Uint8Array, max: number): Scan {
  const first = bytes[0];
  if (first === P) return scanV1(bytes);
  if (first === V2_SIGNATURE[0]) return scanV2(bytes, max);
  return {
    status: "error",
    reason: `the first byte is 0x${hex(first)}, not the start of "PROXY " (v1) or of the v2 signature`,
  };
}

/**
 * Parses a PROXY header at the start of `bytes` in one go: a {@link ProxyHeaderParser} fed one
 * chunk.
 *
 * @param bytes The first bytes of a connection.
 * @param options The size limit.
 * @returns `done` with the header and the bytes after it, `more` when `bytes` holds only the
 * start of a header, or `error` with the reason.
 * @throws {InvalidOptionError} `ERR_INVALID_OPTION` for a `maxHeaderBytes` outside 232 to 65,551.
 *
 * @example A v2 header for TCP over IPv4
 * ```ts
 * import { parseProxyHeader } from "@tcp-echo/core";
 *
 * const signature = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
 * const header = Uint8Array.of(...signature, 0x21, 0x11, 0, 12, 192, 0, 2, 1, 127, 0, 0, 1, 0xc7, 0x38, 0x1b, 0x5f);
 * const step = parseProxyHeader(header);
 * if (step.status !== "done") throw new Error(step.status);
 * if (step.header.source?.hostname !== "192.0.2.1" || step.header.source.port !== 51000) throw new Error("source");
 * if (step.header.destination?.port !== 7007) throw new Error("destination");
 * ```
 */
export function parseProxyHeader(bytes: Uint8Array, options?: ProxyHeaderOptions): ProxyHeaderStep {
  return new ProxyHeaderParser(options).push(bytes);
}
