/**
 * The runtime-agnostic core of tcp-echo: the listener lifecycle after the Berkeley sockets calls
 * (create, bind, listen, accept, close), connections with backpressure and half-close, typed
 * errors, the RFC 862 echo handler and server policy (limits, idle timeout, graceful shutdown).
 *
 * It imports no runtime. Pair it with an adapter: `@tcp-echo/node`, `@tcp-echo/deno` or
 * `@tcp-echo/bun`, or write a {@link Transport} of your own.
 *
 * @example Echo on an ephemeral port, then shut down
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { nodeTransport } from "@tcp-echo/node";
 *
 * const server = await serve(nodeTransport, { host: "127.0.0.1", port: 0 });
 * console.log(`echo on port ${server.address.port}`);
 * await server.shutdown({ timeout: 1000 });
 * ```
 *
 * @module
 */

export {
  type AddressFamily,
  type BindOptions,
  formatAddress,
  type IpFamily,
  isIPv4,
  isIPv6,
  type ResolvedBind,
  resolveBind,
  type SocketAddress,
  type TcpAddress,
  tcpAddress,
} from "./address.ts";
export type { CloseReason, Connection, ConnectionHandler } from "./connection.ts";
export { echoHandler } from "./echo.ts";
export {
  AddressInUseError,
  AddressNotAvailableError,
  ListenerClosedError,
  ListenerStateError,
  type ListenFailureCode,
  listenError,
  PermissionDeniedError,
  TcpEchoError,
  type TcpEchoErrorCode,
} from "./errors.ts";
export {
  createListener,
  Listener,
  type ListenerOptions,
  type ListenerState,
  type ListenOptions,
  type ShutdownOptions,
  type ShutdownResult,
} from "./listener.ts";
export { type ServeOptions, type Server, type ServerEvent, serve } from "./server.ts";
export type {
  AcceptSink,
  Capability,
  ListenRequest,
  RuntimeInfo,
  SocketEvents,
  Transport,
  TransportListener,
  TransportSocket,
} from "./transport.ts";
