import type { Unsupported } from "@tcp-echo/core/transport";

/**
 * The `reusePort` entry of Deno.listen's `unsupported` table: empty where `Deno.listen({
 * reusePort })` and `Deno.listenTls({ reusePort })` work.
 *
 * @returns `{ reusePort: reason }`, or `{}`.
 */
export function reusePortSupport(): Unsupported {
  // https://docs.deno.com/api/deno/~/Deno.TcpListenOptions: set on Linux, silently ignored
  // elsewhere, where a second listener on the port would fail instead of sharing it.
  if (Deno.build.os !== "linux") return { reusePort: "Deno.listen sets SO_REUSEPORT only on Linux" };
  // Deno.listenDatagram and the reusePort option come with the same flag; without it, asking
  // for reusePort throws.
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
    return { reusePort: "Deno.listen({ reusePort }) needs --unstable-net" };
  }
  return {};
}
