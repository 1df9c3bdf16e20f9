// The conformance suite's binding for Deno: packages/conformance runs with this transport.
import { tcp } from "@tcp-echo/deno";

export const transport = tcp();
