// node:fs's calls, not node:fs/promises': on Bun the promise module adds about 900 objects to
// the heap for good, and every collection the echo's read buffers bring about then costs more.
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import {
  formatAddress,
  type UnixAddress,
  type UnixFactory,
  type UnixOptions,
  type UnixTransport,
} from "@tcp-echo/core";
import {
  createWithMode,
  type PathKind,
  type Umask,
  type UnixAdapter,
  unixAddress,
  unixTransport,
} from "@tcp-echo/core/transport";
import type { SocketHandler } from "bun";
import { mapListenError } from "./errors.ts";
import { BunListener } from "./listen.ts";
import { type AddressReader, BunSocket, forwarding } from "./socket.ts";
import { bunRuntime, listenUnsupported } from "./tcp.ts";

const unnamed = unixAddress(undefined);

// https://nodejs.org/api/process.html#processumaskmask
const umask: Umask = { set: (mask) => process.umask(mask), read: () => process.umask() };

const adapter: UnixAdapter = {
  ...bunRuntime,
  unsupported: {
    ...listenUnsupported,
    reuseAddressOff: "a unix socket has no SO_REUSEADDR",
    reset:
      "a unix socket has no RST: Bun's terminate() closes it and the client reads an orderly end of stream (ECONNRESET only for bytes the server had not read)",
  },
  // sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, the terminating NUL included.
  maxPathBytes: process.platform === "linux" ? 107 : 103,
  listen(target, _settings, sink) {
    // A unix socket's ends have no address on the Bun socket; the listener's is the path.
    const local = unixAddress(target.path);
    const addresses: AddressReader<UnixAddress> = { local: () => local, remote: () => unnamed };
    const handler: SocketHandler<BunSocket<UnixAddress>> = {
      ...forwarding<UnixAddress>(),
      open(socket) {
        const wrapped = new BunSocket(socket, addresses);
        socket.data = wrapped;
        wrapped.start(sink.connection(wrapped));
      },
    };
    try {
      // https://bun.com/docs/api/tcp: Bun.listen binds the file synchronously, so the umask
      // makes it with `mode` before anything can connect; chmod then sets exactly `mode`
      // whatever the umask took away.
      const listener = createWithMode(target.mode, umask, () =>
        Bun.listen<BunSocket<UnixAddress>>({ unix: target.path, allowHalfOpen: true, socket: handler }),
      );
      if (target.mode !== undefined) {
        try {
          chmodSync(target.path, target.mode);
        } catch (error) {
          listener.stop(true);
          throw error;
        }
      }
      return Promise.resolve(new BunListener(listener, local));
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(local)));
    }
  },
  async pathKind(path) {
    try {
      return (lstatSync(path).isSocket() ? "socket" : "other") satisfies PathKind;
    } catch (error) {
      return (error as { code?: unknown }).code === "ENOENT" ? "absent" : "unknown";
    }
  },
  connects(path) {
    return Bun.connect({ unix: path, socket: { data() {} } }).then(
      (socket) => {
        socket.end();
        return true;
      },
      () => false,
    );
  },
  async remove(path) {
    unlinkSync(path);
  },
};

/**
 * Unix domain sockets over `Bun.listen`: the transport to hand `serve()` or `createListener()`
 * on Bun. Bind it to a `path` (with an optional `mode` such as `0o660`) or a Linux abstract
 * `@name`.
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve echo on a socket file
 * ```ts ignore
 * // ignore: creates a socket file.
 * import { serve } from "@tcp-echo/core";
 * import { unix } from "@tcp-echo/bun";
 *
 * const server = await serve(unix(), { path: "/tmp/echo.sock", mode: 0o660 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const unix: UnixFactory = (options?: UnixOptions): UnixTransport => unixTransport(adapter, options);
