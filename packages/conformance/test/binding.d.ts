// The per-runtime binding, aliased by vitest.config.ts to runtimes/<runtime>/conformance.ts.
declare module "tcp-echo:binding" {
  import type { TcpFactory, TcpTransport, TlsFactory, UdpFactory, UnixFactory } from "@tcp-echo/core";
  /** The runtime adapter's TCP factory, for the cases that check its own options. */
  export const tcp: TcpFactory;
  /** The runtime adapter's unix socket factory. */
  export const unix: UnixFactory;
  /** The runtime adapter's TLS factory. */
  export const tls: TlsFactory;
  /** The runtime adapter's UDP factory, for `serveDatagrams()`. */
  export const udp: UdpFactory;
  /** The TCP transport under test: `tcp()` with its defaults. */
  export const transport: TcpTransport;
}
