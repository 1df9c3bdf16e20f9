import type { TcpEchoError } from "@tcp-echo/core";
import { type ListenFailureCode, listenError } from "@tcp-echo/core/transport";

const LISTEN_FAILURES: ReadonlySet<string> = new Set<ListenFailureCode>(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"]);

// Bun.listen throws synchronously with a system error: { code: "EADDRINUSE", errno, syscall: "listen" }.
/** Maps a `Bun.listen` error to the core's error for `address`. */
export function mapListenError(error: unknown, address: string): TcpEchoError {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === "string" && LISTEN_FAILURES.has(code) ? (code as ListenFailureCode) : undefined;
  return listenError(known, address, error);
}
