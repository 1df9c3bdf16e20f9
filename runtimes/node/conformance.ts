// The conformance suite's binding for Node.js: packages/conformance runs with this transport.
import { tcp } from "@tcp-echo/node";

export const transport = tcp();
