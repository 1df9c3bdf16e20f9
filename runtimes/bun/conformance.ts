// The conformance suite's binding for Bun: packages/conformance runs with this transport.
export { bunTransport as transport } from "@tcp-echo/bun";
