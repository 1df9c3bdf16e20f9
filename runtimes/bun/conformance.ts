// The conformance suite's binding for Bun: packages/conformance runs with this transport.
import { tcp } from "@tcp-echo/bun";

export const transport = tcp();
