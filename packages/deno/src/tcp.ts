import { formatAddress, type TcpFactory, type TcpOptions, type TcpTransport } from "@tcp-echo/core";
import { readDescriptors, type TcpAdapter, tcpTransport, type Unsupported } from "@tcp-echo/core/transport";
import { tcpAddressOf } from "./address.ts";
import { mapListenError } from "./errors.ts";
import { DenoListener } from "./listener.ts";
import { reusePortSupport } from "./reuse-port.ts";
import { assertDeno } from "./runtime.ts";
import { primeSignals } from "./signals.ts";
import { DenoSocket } from "./socket.ts";

// Deno lets only --allow-all read /proc/self; without it there is no budget and no default
// connection limit. The permission query keeps Deno from prompting for it.
const files = {
  readFileSync: (path: string) => Deno.readTextFileSync(path),
  readdirSync: (path: string) => Array.from(Deno.readDirSync(path)),
};

/** Every Deno transport's runtime and descriptor budget. */
export const denoRuntime: Pick<TcpAdapter, "runtime" | "descriptors"> = {
  runtime: assertDeno(),
  descriptors: () =>
    Deno.permissions.querySync({ name: "read", path: "/proc/self" }).state === "granted"
      ? readDescriptors(files)
      : undefined,
};

/** The capabilities Deno.listen lacks for TCP, and so Deno.listenTls, which runs over it. */
export const tcpUnsupported: Unsupported = {
  reuseAddressOff: "Deno.listen always sets SO_REUSEADDR and has no option to leave it off",
  ipv6Only: "Deno.listen has no IPV6_V6ONLY option: '::' is dual-stack where the system makes it so",
  reset: "Deno.Conn has no SO_LINGER: close() sends a FIN unless unread data remains",
  ...reusePortSupport(),
};

const adapter: TcpAdapter = {
  ...denoRuntime,
  unsupported: tcpUnsupported,
  // https://docs.deno.com/api/deno/~/Deno.listen
  listen(target, settings, sink) {
    primeSignals();
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        transport: "tcp",
        hostname: target.hostname,
        port: target.port,
        tcpBacklog: settings.backlog,
        ...(target.reusePort ? { reusePort: true } : {}),
      });
    } catch (error) {
      return Promise.reject(mapListenError(error, formatAddress(target)));
    }
    const { noDelay } = target;
    return Promise.resolve(
      new DenoListener(listener, tcpAddressOf(listener.addr), sink, (conn) => {
        if (noDelay) conn.setNoDelay(true);
        const socket = new DenoSocket(conn, tcpAddressOf);
        socket.start(sink.connection(socket));
      }),
    );
  },
};

/**
 * TCP over `Deno.listen`: the transport to hand `serve()` or `createListener()` on Deno.
 *
 * @param options Socket options: `noDelay` (default true).
 * @returns The transport.
 *
 * @example Serve echo with Deno
 * ```ts ignore
 * // ignore: listens on the network.
 * import { serve } from "@tcp-echo/core";
 * import { tcp } from "@tcp-echo/deno";
 *
 * const server = await serve(tcp(), { host: "127.0.0.1", port: 7007 });
 * Deno.addSignalListener("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tcp: TcpFactory = (options?: TcpOptions): TcpTransport => tcpTransport(adapter, options);
