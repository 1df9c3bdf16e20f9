import { formatAddress, type UnixFactory, type UnixOptions, type UnixTransport } from "@tcp-echo/core";
import {
  createWithMode,
  type PathKind,
  type Umask,
  type UnixAdapter,
  unixAddress,
  unixTransport,
} from "@tcp-echo/core/transport";
import { unixAddressOf } from "./address.ts";
import { mapListenError } from "./errors.ts";
import { DenoListener } from "./listener.ts";
import { primeSignals } from "./signals.ts";
import { DenoSocket } from "./socket.ts";
import { denoRuntime } from "./tcp.ts";

// https://docs.deno.com/api/deno/~/Deno.umask (needs --allow-sys)
const umask: Umask = { set: (mask) => Deno.umask(mask), read: () => Deno.umask() };

const adapter: UnixAdapter = {
  ...denoRuntime,
  unsupported: {
    backlog: "Deno.listen takes a backlog (tcpBacklog) for TCP only, not for a unix socket",
    reuseAddressOff: "a unix socket has no SO_REUSEADDR",
    reset: "a unix socket has no RST and Deno.UnixConn no SO_LINGER: close() ends it like any close",
    ...(Deno.build.os === "linux" ? {} : { abstractUnix: "abstract unix socket names exist on Linux only" }),
  },
  // sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, the terminating NUL included.
  maxPathBytes: Deno.build.os === "linux" ? 107 : 103,
  // https://docs.deno.com/api/deno/~/Deno.listen
  listen(target, _settings, sink) {
    primeSignals();
    const description = formatAddress(unixAddress(target.path));
    let listener: Deno.UnixListener;
    try {
      // Deno.listen binds synchronously, so the umask makes the file with `mode` before anything
      // can connect; chmod then sets exactly `mode` whatever the umask took away.
      listener = createWithMode(target.mode, umask, () => Deno.listen({ transport: "unix", path: target.path }));
    } catch (error) {
      return Promise.reject(mapListenError(error, description));
    }
    if (target.mode !== undefined) {
      try {
        Deno.chmodSync(target.path, target.mode);
      } catch (error) {
        listener.close();
        return Promise.reject(mapListenError(error, description));
      }
    }
    return Promise.resolve(
      new DenoListener(listener, unixAddressOf(listener.addr), sink, (conn) => {
        const socket = new DenoSocket(conn, unixAddressOf);
        socket.start(sink.connection(socket));
      }),
    );
  },
  async pathKind(path) {
    try {
      return ((await Deno.lstat(path)).isSocket ? "socket" : "other") satisfies PathKind;
    } catch (error) {
      // Without --allow-read for the path Deno cannot tell: that is not absence.
      return error instanceof Deno.errors.NotFound ? "absent" : "unknown";
    }
  },
  // Only a refusal proves the file stale: any other failure leaves it alone.
  async connects(path) {
    try {
      (await Deno.connect({ transport: "unix", path })).close();
      return true;
    } catch (error) {
      return !(error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.NotFound);
    }
  },
  remove: (path) => Deno.remove(path),
};

/**
 * Unix domain sockets over `Deno.listen`: the transport to hand `serve()` or `createListener()`
 * on Deno. Bind it to a `path` (with an optional `mode` such as `0o660`) or a Linux abstract
 * `@name`. A socket file needs `--allow-read --allow-write` (and `--allow-net`, which may be
 * scoped to `unix:<path>`).
 *
 * @param options None yet.
 * @returns The transport.
 *
 * @example Serve echo on a socket file
 * ```ts ignore
 * // ignore: creates a socket file.
 * import { serve } from "@tcp-echo/core";
 * import { unix } from "@tcp-echo/deno";
 *
 * const server = await serve(unix(), { path: "/tmp/echo.sock", mode: 0o660 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const unix: UnixFactory = (options?: UnixOptions): UnixTransport => unixTransport(adapter, options);
