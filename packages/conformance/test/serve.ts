import { transport } from "tcp-echo:binding";
import {
  type ServeOptions,
  type Server,
  type ServerEvent,
  type SocketAddress,
  serve,
  type TcpAddress,
  type TcpBindOptions,
  type TcpTransport,
} from "@tcp-echo/core";
import { withDeadline } from "../src/index.ts";

/** A server under test, and a way to wait until it holds no connection. */
export interface WatchedServer<A extends SocketAddress = TcpAddress> {
  readonly server: Server<A>;
  /** Resolves once `server.connectionCount` is 0; rejects after `ms` with the count left. */
  emptied(ms: number): Promise<void>;
}

/**
 * Watches a server's close events, to wait for its connection count to return to 0: pass
 * `onEvent` to `serve()`, then `watched(server)`.
 */
export function closeWatcher<A extends SocketAddress>(): {
  onEvent(event: ServerEvent<A>): void;
  watched(server: Server<A>): WatchedServer<A>;
} {
  const wakers = new Set<() => void>();
  return {
    onEvent(event) {
      if (event.type === "close") for (const wake of wakers) wake();
    },
    watched(server) {
      return {
        server,
        emptied(ms) {
          const emptied = new Promise<void>((resolve) => {
            const check = () => {
              if (server.connectionCount !== 0) return;
              wakers.delete(check);
              resolve();
            };
            wakers.add(check);
            check();
          });
          return withDeadline(emptied, ms, `the open-connection count to return to 0 (${server.connectionCount} open)`);
        },
      };
    },
  };
}

/**
 * `serve()` over the runtime's transport (or `over`, a wrapper around it), on 127.0.0.1 and an
 * ephemeral port unless told.
 */
export async function serveWatched(
  options: ServeOptions<TcpBindOptions, TcpAddress> = {},
  over: TcpTransport = transport,
): Promise<WatchedServer> {
  const watcher = closeWatcher<TcpAddress>();
  const server = await serve(over, {
    host: "127.0.0.1",
    port: 0,
    ...options,
    onEvent(event) {
      options.onEvent?.(event);
      watcher.onEvent(event);
    },
  });
  return watcher.watched(server);
}
