import type { TcpEchoError } from "@tcp-echo/core";
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

/** Errors that mean "this resource was closed under us", not a failure of the connection. */
export function isClosedResource(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}
