/**
 * What a runtime adapter module exports: one factory per transport.
 *
 * @module
 */

import type { TcpFactory } from "./tcp/transport.ts";
import type { TlsFactory } from "./tls/transport.ts";
import type { UdpFactory } from "./udp/transport.ts";
import type { UnixFactory } from "./unix/transport.ts";

/**
 * The transports of one runtime's adapter. An adapter module (`@tcp-echo/node`,
 * `@tcp-echo/deno`, `@tcp-echo/bun`) is one as it is, so code that picks a transport at run time
 * (the command, `listen()`) takes the module.
 *
 * @example The Node.js adapter's transports
 * ```ts ignore
 * // ignore: imports a runtime adapter.
 * import type { Adapter } from "@tcp-echo/core";
 * import * as node from "@tcp-echo/node";
 *
 * const adapter: Adapter = node;
 * const transport = adapter.unix();
 * ```
 */
export interface Adapter {
  /** TCP. */
  readonly tcp: TcpFactory;
  /** Unix domain sockets. */
  readonly unix: UnixFactory;
  /** TLS over TCP. */
  readonly tls: TlsFactory;
  /** UDP. */
  readonly udp: UdpFactory;
}
