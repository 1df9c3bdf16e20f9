/**
 * The adapter-author API of tcp-echo: the contract a runtime adapter implements to put its
 * sockets under the core, and the helpers every adapter shares (TCP bind resolution, option
 * checks, error mapping). Applications need none of this: they use `@tcp-echo/core` and an
 * adapter's `tcp()`.
 *
 * Two families share one vocabulary: stream transports (TCP, unix sockets, TLS) and datagram transports (UDP). Each family's transport is `socket(2)` for one
 * address type: `bind()` validates without I/O, the binding listens (stream) or opens
 * (datagram). The core owns the write queue, limits, timeouts and shutdown; the adapter owns the
 * runtime socket and reports its close once.
 *
 * @example A TCP transport from a listen function, the way every adapter builds `tcp()`
 * ```ts
 * import { type TcpAdapter, tcpTransport } from "@tcp-echo/core/transport";
 *
 * const adapter: TcpAdapter = {
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: { backlog: "the example runtime takes no backlog" },
 *   listen: () => Promise.reject(new Error("the example runtime has no sockets")),
 * };
 * const transport = tcpTransport(adapter, { noDelay: true });
 * if (transport.bind({ host: "localhost", port: 7007 }).description !== "127.0.0.1:7007") {
 *   throw new Error("localhost binds the IPv4 loopback");
 * }
 * ```
 *
 * @module
 */

export { tcpAddress, tlsAddress, udpAddress, unixAddress } from "./address.ts";
export { type ListenFailureCode, listenError } from "./errors.ts";
export { resolveTcpBind, type TcpBindTarget } from "./tcp/bind.ts";
export { type TcpAdapter, type TcpListenTarget, tcpTransport } from "./tcp/transport.ts";
export { guardHandshake, type Handshake } from "./tls/handshake.ts";
export { DEFAULT_HANDSHAKE_TIMEOUT, resolveTlsOptions, type TlsSettings } from "./tls/options.ts";
export { type TlsAcceptSink, type TlsAdapter, type TlsListenTarget, tlsTransport } from "./tls/transport.ts";
export type { Capability, RuntimeInfo, Unsupported } from "./transport/capability.ts";
export type {
  DatagramBinding,
  DatagramEvents,
  DatagramSettings,
  DatagramSocket,
  DatagramTransport,
} from "./transport/datagram.ts";
export { type DescriptorFiles, type Descriptors, readDescriptors } from "./transport/descriptors.ts";
export { rejectUnknownOptions, requireCapability } from "./transport/options.ts";
export type {
  AcceptSink,
  ListenSettings,
  SocketEvents,
  StreamBinding,
  StreamListener,
  StreamSocket,
  StreamTransport,
} from "./transport/stream.ts";
export { resolveUdpBind, type UdpBindTarget } from "./udp/bind.ts";
export { ReceiveWidth } from "./udp/receive-width.ts";
export { SendBudget } from "./udp/send-budget.ts";
export { SenderAddresses } from "./udp/sender-addresses.ts";
export { type UdpAdapter, udpTransport } from "./udp/transport.ts";
export { resolveUnixBind, type UnixBindTarget } from "./unix/bind.ts";
export { createWithMode, type Umask } from "./unix/mode.ts";
export { type PathKind, type UnixAdapter, unixTransport } from "./unix/transport.ts";
