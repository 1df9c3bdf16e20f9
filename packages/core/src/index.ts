/**
 * The runtime-agnostic core of tcp-echo, the application API: the listener lifecycle after the
 * Berkeley sockets calls (create, bind, listen, accept, close), connections with backpressure
 * and half-close, typed errors, the RFC 862 echo handler and server policy (limits, idle
 * timeout, graceful shutdown), over any stream transport.
 *
 * It imports no runtime. Pair it with an adapter's transport: `tcp()`, `unix()` or `tls()` from
 * `@tcp-echo/node`, `@tcp-echo/deno` or `@tcp-echo/bun`. Writing a transport of your own? Its contract is on
 * `@tcp-echo/core/transport`.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * // ignore: needs a runtime adapter and a network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/node";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

export type { Adapter } from "./adapter.ts";
export {
  formatAddress,
  type HostPort,
  type IpFamily,
  isIPv4,
  isIPv6,
  type SocketAddress,
  type TcpAddress,
  type TlsAddress,
  type UdpAddress,
  type UnixAddress,
} from "./address.ts";
export type { CloseReason, Connection, ConnectionHandler } from "./connection.ts";
export { echoHandler } from "./echo.ts";
export {
  AddressInUseError,
  AddressNotAvailableError,
  InvalidOptionError,
  ListenerClosedError,
  ListenerStateError,
  PermissionDeniedError,
  TcpEchoError,
  type TcpEchoErrorCode,
  UnknownOptionError,
  UnsupportedOptionError,
} from "./errors.ts";
export {
  createListener,
  Listener,
  type ListenerState,
  type ListenOptions,
  type ShutdownOptions,
  type ShutdownResult,
} from "./listener.ts";
export {
  type ProxyEndpoint,
  type ProxyHeader,
  type ProxyHeaderOptions,
  ProxyHeaderParser,
  type ProxyHeaderStep,
  type ProxyTlv,
  parseProxyHeader,
} from "./proxy/header.ts";
export { type ProxyProtocolOptions, proxyProtocol } from "./proxy/transport.ts";
export {
  type DatagramHandler,
  type DatagramServer,
  type DatagramServerEvent,
  type DatagramServerOptions,
  type DatagramStats,
  type DropCounts,
  type DropReason,
  type ServeDatagramsOptions,
  serveDatagrams,
} from "./serve-datagrams.ts";
export {
  type AbortSignalLike,
  type ServeOptions,
  type Server,
  type ServerEvent,
  type ServerOptions,
  serve,
} from "./server.ts";
export type { AddressFamily, TcpBindOptions } from "./tcp/bind.ts";
export type { TcpFactory, TcpOptions, TcpTransport } from "./tcp/transport.ts";
export type { Pem, TlsOptions, TlsVersion } from "./tls/options.ts";
export type { TlsFactory, TlsTransport } from "./tls/transport.ts";
export type { Capability, RuntimeInfo, Unsupported } from "./transport/capability.ts";
export type { StreamTransport } from "./transport/stream.ts";
export type { UdpBindOptions } from "./udp/bind.ts";
export { DEFAULT_RATE_LIMIT, type RateLimit, type RateRefusal, SourceBuckets } from "./udp/rate-limit.ts";
export { isUnicastSource, RESERVED_SOURCE_PORTS, refuseSource, type SourceRefusal } from "./udp/source-guard.ts";
export type { UdpFactory, UdpOptions, UdpTransport } from "./udp/transport.ts";
export type { UnixBindOptions } from "./unix/bind.ts";
export type { UnixFactory, UnixOptions, UnixTransport } from "./unix/transport.ts";
