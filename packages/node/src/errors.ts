import type { TcpEchoError } from "@tcp-echo/core";
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
