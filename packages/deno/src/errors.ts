import { TcpEchoError } from "@tcp-echo/core";
import { type ListenFailureCode, listenError } from "@tcp-echo/core/transport";

// https://docs.deno.com/api/deno/~/Deno.errors
function listenFailureCode(error: unknown): ListenFailureCode | undefined {
  if (error instanceof Deno.errors.AddrInUse) return "EADDRINUSE";
  if (error instanceof Deno.errors.AddrNotAvailable) return "EADDRNOTAVAIL";
  if (error instanceof Deno.errors.PermissionDenied) return "EACCES";
  return undefined;
}

/** Maps a `Deno.listen` error to the core's error for `address`. Deno's own permission errors
 * (`NotCapable`: run without `--allow-net`) keep Deno's message, which names the flag to grant. */
export function mapListenError(error: unknown, address: string): TcpEchoError {
  return listenError(listenFailureCode(error), address, error);
}

// rustls's refusals reach JavaScript as a plain Error ("keys may not be consistent:
// KeyMismatch", "invalid peer certificate: BadEncoding") or InvalidData ("No certificates found
// in certificate data"); the socket's own failures are Deno.errors subclasses.
/** Maps a `Deno.listenTls` error: a certificate or key it refused, or the listen's own failure. */
export function mapTlsListenError(error: unknown, address: string): TcpEchoError {
  const credentials =
    error instanceof Deno.errors.InvalidData || (error instanceof Error && error.constructor === Error);
  if (!credentials) return mapListenError(error, address);
  return new TcpEchoError(
    "ERR_TLS_CREDENTIALS",
    `Cannot listen on ${address}: the TLS certificate or key cannot be used: ${(error as Error).message}`,
    { cause: error },
  );
}

/** Errors that mean "this resource was closed under us", not a failure of the connection. */
export function isClosedResource(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}

/** What `accept()` reports when a connection died in the queue before it was taken. */
const GONE_BEFORE_ACCEPT: ReadonlySet<string> = new Set(["ENOTCONN", "ECONNABORTED", "ECONNRESET", "EPROTO"]);

/**
 * An accept that failed for that one connection alone (the client reset it while it waited in
 * the queue): the next one is fine, so the listener takes it at once, without backing off or
 * reporting, as Node.js (libuv) and Bun do.
 */
export function isGoneBeforeAccept(error: unknown): boolean {
  if (
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && GONE_BEFORE_ACCEPT.has(code);
}

/**
 * A TLS client that closed its TCP connection without close_notify: Deno's read rejects with
 * UnexpectedEof where a plain socket would return EOF. The client is done sending either way.
 */
export function isEndOfStream(error: unknown): boolean {
  return error instanceof Deno.errors.UnexpectedEof;
}
