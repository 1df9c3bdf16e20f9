// The conformance suite's binding for Node.js: packages/conformance runs with this
// transport, and calls the factory itself to check the factory's own options.
import type { TcpTransport } from "@tcp-echo/core";
import { tcp } from "@tcp-echo/node";

export { tcp };
export const transport: TcpTransport = tcp();
