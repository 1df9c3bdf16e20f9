// The conformance suite's binding for Bun: packages/conformance runs with this
// transport, and calls the factory itself to check the factory's own options.

import { tcp } from "@tcp-echo/bun";
import type { TcpTransport } from "@tcp-echo/core";

export { tcp };
export const transport: TcpTransport = tcp();
