import type { TcpAddress } from "@tcp-echo/core";

export function tcpAddress(addr: Deno.Addr): TcpAddress {
  const net = addr as Deno.NetAddr;
  return {
    transport: "tcp",
    hostname: net.hostname,
    port: net.port,
    family: net.hostname.includes(":") ? "IPv6" : "IPv4",
  };
}
