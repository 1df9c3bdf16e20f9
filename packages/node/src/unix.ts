import { chmodSync } from "node:fs";
import { lstat, unlink } from "node:fs/promises";
import { connect, createServer } from "node:net";
import type { UnixAddress, UnixFactory, UnixOptions, UnixTransport } from "@tcp-echo/core";
import {
  createWithMode,
  type PathKind,
  type Umask,
  type UnixAdapter,
  unixAddress,
  unixTransport,
} from "@tcp-echo/core/transport";
import { listenServer } from "./listen.ts";
import { type AddressReader, NodeSocket } from "./socket.ts";
import { nodeRuntime } from "./tcp.ts";

const addresses: AddressReader<UnixAddress> = {
  // A unix socket's ends have no address on the socket object; the listener's is the path.
  local: () => unixAddress(undefined),
  remote: () => unixAddress(undefined),
};

// https://nodejs.org/api/process.html#processumaskmask
const umask: Umask = { set: (mask) => process.umask(mask), read: () => process.umask() };

const adapter: UnixAdapter = {
  ...nodeRuntime,
  unsupported: {
    reset: "a unix socket has no RST: reset() closes it",
    ...(Number(process.versions.node.split(".")[0]) < 24
      ? {
          abstractUnix:
            "node:net before Node.js 24 binds an abstract name padded with NUL bytes to 108 bytes, so no other program reaches it by its name",
        }
      : {}),
  },
  // sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, the terminating NUL included.
  maxPathBytes: process.platform === "linux" ? 107 : 103,
  listen(target, settings, sink) {
    const server = createServer({ allowHalfOpen: true, highWaterMark: settings.highWaterMark });
    const local = unixAddress(target.path);
    const reader: AddressReader<UnixAddress> = { local: () => local, remote: addresses.remote };
    server.on("connection", (socket) => {
      const wrapped = new NodeSocket(socket, reader);
      wrapped.start(sink.connection(wrapped));
    });
    // listen() binds synchronously, so the umask makes the file with `mode` before anything can
    // connect; chmod then sets exactly `mode` whatever the umask took away.
    const listening = createWithMode(target.mode, umask, () =>
      listenServer(server, { path: target.path, backlog: settings.backlog }, `unix:${local.path}`, sink, () => local),
    );
    if (target.mode === undefined) return listening;
    const mode = target.mode;
    return listening.then((listener) => {
      chmodSync(target.path, mode);
      return listener;
    });
  },
  async pathKind(path) {
    try {
      return ((await lstat(path)).isSocket() ? "socket" : "other") satisfies PathKind;
    } catch (error) {
      return (error as { code?: unknown }).code === "ENOENT" ? "absent" : "unknown";
    }
  },
  connects(path) {
    return new Promise((resolve) => {
      const socket = connect({ path });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  },
  remove: (path) => unlink(path),
};

/**
 * Unix domain sockets over `node:net`: the transport to hand `serve()` or `createListener()`.
 * Bind it to a `path` (with an optional `mode` such as `0o660`) or a Linux abstract `@name`.
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve echo on a socket file
 * ```ts ignore
 * // ignore: creates a socket file.
 * import { serve } from "@tcp-echo/core";
 * import { unix } from "@tcp-echo/node";
 *
 * const server = await serve(unix(), { path: "/tmp/echo.sock", mode: 0o660 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const unix: UnixFactory = (options?: UnixOptions): UnixTransport => unixTransport(adapter, options);
