// The conformance suite's binding for Node.js: packages/conformance runs with this transport.
export { nodeTransport as transport } from "@tcp-echo/node";
