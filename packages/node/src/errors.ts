import { TcpEchoError } from "@tcp-echo/core";
import { type ListenFailureCode, listenError } from "@tcp-echo/core/transport";

// https://nodejs.org/api/errors.html#common-system-errors
const LISTEN_CODES: Readonly<Record<string, ListenFailureCode>> = {
  EADDRINUSE: "EADDRINUSE",
  EACCES: "EACCES",
  EPERM: "EACCES",
  EADDRNOTAVAIL: "EADDRNOTAVAIL",
};

/** Maps a `node:net` listen error to the core's error for `address`. */
export function mapListenError(error: unknown, address: string): TcpEchoError {
  const code = (error as { code?: unknown } | null)?.code;
  return listenError(typeof code === "string" ? LISTEN_CODES[code] : undefined, address, error);
}

/** Maps what `tls.createServer` throws for a certificate or key it cannot use. */
export function mapCredentialsError(error: unknown, address: string): TcpEchoError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TcpEchoError(
    "ERR_TLS_CREDENTIALS",
    `Cannot listen on ${address}: the TLS certificate or key cannot be used: ${reason}`,
    { cause: error },
  );
}
