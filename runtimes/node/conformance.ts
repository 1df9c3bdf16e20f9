// The conformance suite's binding for Node.js: packages/conformance runs with these
// transports, and calls the factories itself to check their own options.
import type { TcpTransport } from "@tcp-echo/core";
import { tcp, tls, udp, unix } from "@tcp-echo/node";

export { tcp, tls, udp, unix };
export const transport: TcpTransport = tcp();
