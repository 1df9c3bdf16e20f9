import type { SocketAddress, TcpAddress, TlsAddress, UnixAddress } from "@tcp-echo/core";
import { tcpAddress, tlsAddress, unixAddress } from "@tcp-echo/core/transport";

/** Reads a `Deno.Addr` as one transport's address type. */
export type AddressOf<A extends SocketAddress> = (addr: Deno.Addr) => A;

/** The core's address for the `Deno.NetAddr` of a TCP listener or connection. */
export const tcpAddressOf: AddressOf<TcpAddress> = (addr) =>
  tcpAddress((addr as Deno.NetAddr).hostname, (addr as Deno.NetAddr).port);

/** The core's address for the `Deno.NetAddr` of a TLS listener or connection. */
export const tlsAddressOf: AddressOf<TlsAddress> = (addr) =>
  tlsAddress((addr as Deno.NetAddr).hostname, (addr as Deno.NetAddr).port);

// Deno reports an unnamed end (every client's) as path null, and an abstract name with its NUL.
/** The core's address for the `Deno.UnixAddr` of a unix listener or connection. */
export const unixAddressOf: AddressOf<UnixAddress> = (addr) => unixAddress((addr as Deno.UnixAddr).path ?? "");
