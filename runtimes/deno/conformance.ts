// The conformance suite's binding for Deno: packages/conformance runs with this transport.
export { denoTransport as transport } from "@tcp-echo/deno";
