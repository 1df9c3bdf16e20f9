/**
 * The UDP transport's shape, shared by every adapter: the factory type each adapter's `udp()`
 * is checked against, and {@link udpTransport}, which does the bind resolution so that an
 * adapter only opens sockets.
 *
 * @module
 */

import { formatAddress, type UdpAddress } from "../address.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import type { DatagramEvents, DatagramSettings, DatagramSocket, DatagramTransport } from "../transport/datagram.ts";
import { rejectUnknownOptions } from "../transport/options.ts";
import { resolveUdpBind, type UdpBindOptions, type UdpBindTarget } from "./bind.ts";

/**
 * Options of a UDP transport, given to an adapter's `udp()`. None yet: the object is checked,
 * so a misspelt key fails instead of being ignored.
 */
export type UdpOptions = Readonly<Record<never, never>>;

/** A datagram transport for UDP: what `udp()` returns on every runtime. */
export type UdpTransport = DatagramTransport<UdpBindOptions, UdpAddress>;

/**
 * The type of every adapter's `udp()`: the compiler checks each adapter against it.
 *
 * @example Serve UDP echo with the Node.js adapter
 * ```ts ignore
 * // ignore: binds a socket.
 * import { serveDatagrams } from "@tcp-echo/core";
 * import { udp } from "@tcp-echo/node";
 *
 * const server = await serveDatagrams(udp(), { host: "127.0.0.1", port: 7007 });
 * await server.close();
 * ```
 */
export type UdpFactory = (options?: UdpOptions) => UdpTransport;

/** The part of a UDP transport that is the runtime's: opening a bound socket. */
export interface UdpAdapter {
  /** The runtime the adapter runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability the runtime lacks, with the reason. */
  readonly unsupported: Unsupported;
  /**
   * Bind a validated target and start delivering datagrams to `events`.
   * Rejects with the core's listen errors (`listenError`).
   */
  open(
    target: UdpBindTarget,
    settings: DatagramSettings,
    events: DatagramEvents<UdpAddress>,
  ): Promise<DatagramSocket<UdpAddress>>;
}

/**
 * Builds a UDP transport from an adapter's open function: the bind resolution and option
 * checks are the same on every runtime, so they live here.
 *
 * @param adapter The runtime's open function, runtime and capabilities.
 * @param options The options given to `udp()`.
 * @returns The transport.
 * @throws {import("../errors.ts").UnknownOptionError} for any key of `options`.
 *
 * @example An adapter whose open always fails, to show the shape
 * ```ts
 * import { udpTransport } from "@tcp-echo/core/transport";
 *
 * const transport = udpTransport({
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: {},
 *   open: () => Promise.reject(new Error("no sockets here")),
 * });
 * if (transport.bind({ host: "::1", port: 7 }).description !== "udp://[::1]:7") throw new Error("bind");
 * ```
 */
export function udpTransport(adapter: UdpAdapter, options: UdpOptions = {}): UdpTransport {
  rejectUnknownOptions("create a udp transport", options, []);
  return {
    kind: "datagram",
    name: "udp",
    runtime: adapter.runtime,
    unsupported: adapter.unsupported,
    bind(bindOptions) {
      const target = resolveUdpBind(bindOptions, adapter);
      return {
        description: formatAddress({ transport: "udp", ...target }),
        open: (settings, events) => adapter.open(target, settings, events),
      };
    },
  };
}
