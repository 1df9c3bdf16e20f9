// The conformance suite's binding for Bun: packages/conformance runs with these
// transports, and calls the factories itself to check their own options.

import { tcp, tls, udp, unix } from "@tcp-echo/bun";
import type { TcpTransport } from "@tcp-echo/core";

export { tcp, tls, udp, unix };
export const transport: TcpTransport = tcp();
