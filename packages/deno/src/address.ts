import { type TcpAddress, tcpAddress } from "@tcp-echo/core";

/** The core's address for a `Deno.Addr` of a TCP listener or connection. */
export function denoAddress(addr: Deno.Addr): TcpAddress {
  const net = addr as Deno.NetAddr;
  return tcpAddress(net.hostname, net.port);
}
