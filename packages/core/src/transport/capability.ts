/**
 * What a transport says about itself: the runtime it runs on and the abilities it lacks.
 *
 * @module
 */

/** A runtime's name and version, as the startup line prints them: `bun 1.4.5`. */
export interface RuntimeInfo {
  /** `"node"`, `"deno"`, `"bun"`, or another runtime's name. */
  readonly name: string;
  /** The runtime's own version string. */
  readonly version: string;
}

/**
 * The optional abilities a transport may lack. Each one it cannot provide is listed in its
 * `unsupported` table with the reason; an option that needs it then fails with
 * `ERR_UNSUPPORTED_OPTION` (the conformance suite checks that it does), and the cases that need
 * the ability itself are skipped with that reason.
 */
export type Capability =
  /** `listen({ backlog })` reaches `listen(2)`. Needed for the `backlog` option. */
  | "backlog"
  /** `reuseAddress: false` leaves `SO_REUSEADDR` off. Needed for that option. */
  | "reuseAddressOff"
  /** A listener on `::` can refuse IPv4 clients. Needed for `family: "ipv6"` on `''` or `::`. */
  | "ipv6Only"
  /** `reset()` sends a TCP RST (`SO_LINGER` 0) rather than a FIN. */
  | "reset"
  /** A failed accept (`EMFILE`) is retried after a pause, not in a busy loop. */
  | "acceptBackoff"
  /** The transport keeps sending after the peer's end of stream (a FIN, or TLS close_notify). */
  | "halfClose"
  /** A unix listener can take a Linux abstract name (`@name`), which has no file. */
  | "abstractUnix"
  /** A TLS listener can ask for and verify client certificates (`requestCert` with `ca`). */
  | "tlsClientAuth"
  /** A TLS listener can raise its minimum protocol version (`minVersion: "TLSv1.3"`). */
  | "tlsMinVersion"
  /**
   * A TLS connection can be closed before its handshake ends, so the handshake timeout closes a
   * client that never sends a ClientHello (without it the timeout only reports the client).
   */
  | "handshakeAbort"
  /** `TCP_NODELAY` can be set on accepted sockets. Needed for an explicit `noDelay: true`. */
  | "noDelay"
  /**
   * `reusePort: true` sets `SO_REUSEPORT`: listeners in several processes bind the same address
   * and port, and the system spreads new connections across them. Needed for that option.
   */
  | "reusePort";

/** The capabilities a transport lacks, each with the reason a person reads in an error or a skipped test. */
export type Unsupported = Readonly<Partial<Record<Capability, string>>>;
