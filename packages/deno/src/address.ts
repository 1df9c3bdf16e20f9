import type { TcpAddress } from "@tcp-echo/core";
import { tcpAddress } from "@tcp-echo/core/transport";

/** The core's address for a `Deno.Addr` of a TCP listener or connection. */
export function denoAddress(addr: Deno.Addr): TcpAddress {
  const net = addr as Deno.NetAddr;
  return tcpAddress(net.hostname, net.port);
}
