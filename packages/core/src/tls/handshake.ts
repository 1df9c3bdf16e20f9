/**
 * The handshake guard: every TLS connection gets `handshakeTimeout` to finish its handshake,
 * and a failed or stalled handshake ends only that connection, reported as an accept error
 * (OpenSSL's name for the server's handshake is `SSL_accept`), never as a listener failure.
 *
 * @module
 */

import { formatAddress, type TlsAddress } from "../address.ts";
import { TcpEchoError } from "../errors.ts";
import { timers } from "../timers.ts";

/** One connection's handshake, as the adapter reports its end. */
export interface Handshake {
  /**
   * The handshake completed. Returns false when the guard has already closed the connection (it
   * timed out): the adapter must then not hand the socket on.
   */
  succeeded(): boolean;
  /** The handshake failed: the adapter has closed (or will close) the connection. */
  failed(cause: unknown): void;
}

/**
 * Arms a handshake's timeout.
 *
 * @param remote The client, for the message.
 * @param timeout Milliseconds before `abort` is called.
 * @param abort Closes the connection.
 * @param report Receives the error for a failed or timed-out handshake.
 * @param aborts Whether `abort` closes the connection at once (the `handshakeAbort`
 * capability); the message says so either way.
 * @returns The handshake, for the adapter to settle.
 *
 * @example A handshake that succeeds in time
 * ```ts
 * import { guardHandshake } from "@tcp-echo/core/transport";
 *
 * const remote = { transport: "tls", hostname: "127.0.0.1", port: 40000, family: "IPv4" } as const;
 * const handshake = guardHandshake(remote, 1000, () => {}, (error) => { throw error; });
 * if (!handshake.succeeded()) throw new Error("in time");
 * ```
 */
export function guardHandshake(
  remote: TlsAddress,
  timeout: number,
  abort: () => void,
  report: (error: TcpEchoError) => void,
  aborts = true,
): Handshake {
  let settled = false;
  const timer = timers.setTimeout(() => {
    if (settled) return;
    settled = true;
    abort();
    const outcome = aborts
      ? "closed"
      : "closing it waits for the handshake to end (this runtime cannot close it sooner)";
    report(handshakeError(remote, `no handshake within ${timeout} ms; ${outcome}`));
  }, timeout);
  return {
    succeeded() {
      if (settled) return false;
      settled = true;
      timers.clearTimeout(timer);
      return true;
    },
    failed(cause) {
      if (settled) return;
      settled = true;
      timers.clearTimeout(timer);
      const reason = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0];
      report(handshakeError(remote, `${reason}; closed`, cause));
    },
  };
}

function handshakeError(remote: TlsAddress, reason: string, cause?: unknown): TcpEchoError {
  const client = formatAddress({ hostname: remote.hostname, port: remote.port });
  return new TcpEchoError("ERR_TLS_HANDSHAKE", `TLS handshake with ${client} failed: ${reason}`, { cause });
}
