// The conformance suite's binding for Bun: packages/conformance runs with this
// transport, and calls the factory itself to check the factory's own options.
import { tcp } from "@tcp-echo/bun";

export { tcp };
export const transport = tcp();
