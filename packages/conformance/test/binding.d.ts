// The per-runtime binding, aliased by vitest.config.ts to runtimes/<runtime>/conformance.ts.
declare module "tcp-echo:binding" {
  import type { Transport } from "@tcp-echo/core";
  /** The transport under test. */
  export const transport: Transport;
}
