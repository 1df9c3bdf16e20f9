// The conformance suite's binding for Deno: packages/conformance runs with this
// transport, and calls the factory itself to check the factory's own options.
import type { TcpTransport } from "@tcp-echo/core";
import { tcp } from "@tcp-echo/deno";

export { tcp };
export const transport: TcpTransport = tcp();
