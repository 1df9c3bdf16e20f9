/**
 * A TLS transport's options: the server's certificate and key, client authentication, the
 * lowest protocol version and the handshake timeout, checked before anything listens.
 *
 * @module
 */

import { TcpEchoError } from "../errors.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import { rejectUnknownOptions, requireCapability } from "../transport/options.ts";

/** PEM text, as a string or its bytes. */
export type Pem = string | Uint8Array;

/** The TLS versions a listener may require at least. TLS 1.0 and 1.1 are never offered. */
export type TlsVersion = "TLSv1.2" | "TLSv1.3";

/**
 * Options of a TLS transport, given to an adapter's `tls()`.
 *
 * @example A server certificate and key, with client certificates required
 * ```ts
 * import type { TlsOptions } from "@tcp-echo/core";
 *
 * const pem = (label: string) => `-----BEGIN ${label}-----\n...\n-----END ${label}-----\n`;
 * const options: TlsOptions = {
 *   cert: pem("CERTIFICATE"),
 *   key: pem("PRIVATE KEY"),
 *   ca: pem("CERTIFICATE"),
 *   requestCert: true,
 *   handshakeTimeout: 5000,
 * };
 * if (options.minVersion !== undefined) throw new Error("TLS 1.2 is the default minimum");
 * ```
 */
export interface TlsOptions {
  /** The server's certificate chain, PEM, leaf first. */
  readonly cert: Pem;
  /** The certificate's private key, PEM. */
  readonly key: Pem;
  /** Certificate authorities that client certificates must chain to, PEM. Needed by `requestCert`. */
  readonly ca?: Pem;
  /** Ask every client for a certificate signed by `ca` and refuse those without one (mTLS). Default false. */
  readonly requestCert?: boolean;
  /** The lowest protocol version accepted. Default `"TLSv1.2"`. */
  readonly minVersion?: TlsVersion;
  /** Milliseconds a client has to finish its handshake before it is closed. Default 10,000. */
  readonly handshakeTimeout?: number;
  /**
   * Disable Nagle's algorithm on accepted connections. Default true where the runtime can set
   * `TCP_NODELAY` on a TLS socket (the `noDelay` capability), false where it cannot.
   */
  readonly noDelay?: boolean;
}

/** TLS options after validation: what an adapter hands its runtime. */
export interface TlsSettings {
  /** The certificate chain, PEM text. */
  readonly cert: string;
  /** The private key, PEM text. */
  readonly key: string;
  /** Client certificate authorities, PEM text. */
  readonly ca: string | undefined;
  /** Whether a valid client certificate is required. */
  readonly requestCert: boolean;
  /** The lowest protocol version accepted. */
  readonly minVersion: TlsVersion;
  /** Milliseconds a handshake may take. */
  readonly handshakeTimeout: number;
  /** Set `TCP_NODELAY` on accepted sockets. */
  readonly noDelay: boolean;
}

const TLS_OPTIONS: readonly (keyof TlsOptions)[] = [
  "cert",
  "key",
  "ca",
  "requestCert",
  "minVersion",
  "handshakeTimeout",
  "noDelay",
];
const VERSIONS: readonly TlsVersion[] = ["TLSv1.2", "TLSv1.3"];

/** The default handshake timeout: 10 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

function invalid(message: string): TcpEchoError {
  return new TcpEchoError("ERR_INVALID_OPTION", message);
}

/** PEM is ASCII; the core has no TextDecoder (it compiles against ECMAScript alone). */
function ascii(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

function pemText(name: string, value: unknown): string {
  const text = value instanceof Uint8Array ? ascii(value) : value;
  if (typeof text !== "string" || text.trim() === "") {
    throw invalid(`Cannot create a tls transport: '${name}' is required, as PEM text`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new TcpEchoError(
      "ERR_TLS_CREDENTIALS",
      `Cannot create a tls transport: '${name}' is not PEM (no "-----BEGIN" line)`,
    );
  }
  return text;
}

/**
 * Validates TLS options and fills in the defaults.
 *
 * @param options The options given to `tls()`.
 * @param transport The runtime and its capabilities.
 * @returns The settings an adapter hands its runtime.
 * @throws {TcpEchoError} `ERR_INVALID_OPTION` for a missing `cert` or `key`, `requestCert`
 * without `ca`, a `minVersion` below TLS 1.2 or a bad timeout; `ERR_TLS_CREDENTIALS` for text
 * that is not PEM; `ERR_UNKNOWN_OPTION`; `ERR_UNSUPPORTED_OPTION`.
 *
 * @example TLS 1.1 is refused
 * ```ts
 * import { resolveTlsOptions } from "@tcp-echo/core/transport";
 *
 * const transport = { runtime: { name: "example", version: "1" }, unsupported: {} };
 * const pem = "-----BEGIN X-----\n-----END X-----\n";
 * let code = "";
 * try {
 *   resolveTlsOptions({ cert: pem, key: pem, minVersion: "TLSv1.1" as "TLSv1.2" }, transport);
 * } catch (error) {
 *   code = (error as { code: string }).code;
 * }
 * if (code !== "ERR_INVALID_OPTION") throw new Error(code);
 * ```
 */
export function resolveTlsOptions(
  options: TlsOptions,
  transport: { readonly runtime: RuntimeInfo; readonly unsupported: Unsupported },
): TlsSettings {
  if (typeof options !== "object" || options === null) {
    throw invalid("Cannot create a tls transport: give it { cert, key } as PEM text");
  }
  rejectUnknownOptions("create a tls transport", options, TLS_OPTIONS);
  const cert = pemText("cert", options.cert);
  const key = pemText("key", options.key);
  const ca = options.ca === undefined ? undefined : pemText("ca", options.ca);
  const requestCert = options.requestCert ?? false;
  if (requestCert && ca === undefined) {
    throw invalid(
      "Cannot create a tls transport: requestCert needs 'ca', the authorities client certificates must chain to",
    );
  }
  const minVersion = options.minVersion ?? "TLSv1.2";
  if (!VERSIONS.includes(minVersion)) {
    throw invalid(
      `Cannot create a tls transport: minVersion ${JSON.stringify(minVersion)} is not TLSv1.2 or TLSv1.3; TLS 1.0 and 1.1 are never offered`,
    );
  }
  const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (!Number.isFinite(handshakeTimeout) || handshakeTimeout <= 0) {
    throw invalid(
      `Cannot create a tls transport: handshakeTimeout ${String(handshakeTimeout)} is not a positive number of milliseconds`,
    );
  }
  if (requestCert) requireCapability(transport, "tlsClientAuth", "requestCert");
  if (minVersion !== "TLSv1.2") requireCapability(transport, "tlsMinVersion", `minVersion: "${minVersion}"`);
  // Nagle's algorithm is off by default where the runtime can turn it off; asked for outright, it must be.
  if (options.noDelay === true) requireCapability(transport, "noDelay", "noDelay: true");
  const noDelay = options.noDelay ?? transport.unsupported.noDelay === undefined;
  return { cert, key, ca, requestCert, minVersion, handshakeTimeout, noDelay };
}
