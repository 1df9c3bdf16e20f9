// The per-runtime binding, aliased by vitest.config.ts to runtimes/<runtime>/conformance.ts.
declare module "tcp-echo:binding" {
  import type { TcpFactory, TcpTransport } from "@tcp-echo/core";
  /** The runtime adapter's factory, for the cases that check its own options. */
  export const tcp: TcpFactory;
  /** The transport under test: `tcp()` with its defaults. */
  export const transport: TcpTransport;
}
