import type { ListenOptions, Server } from "node:net";
import type { SocketAddress } from "@tcp-echo/core";
import type { AcceptSink, ListenSettings, StreamListener, TcpBindTarget } from "@tcp-echo/core/transport";
import { mapListenError } from "./errors.ts";

/**
 * `server.listen()`'s options for a TCP or TLS target. `reusePort` is set only when asked for:
 * the core refuses it before Node.js 22.12, whose types do not list it.
 */
export function listenOptions(target: TcpBindTarget, settings: ListenSettings): ListenOptions {
  const options: ListenOptions & { reusePort?: boolean } = {
    host: target.hostname,
    port: target.port,
    backlog: settings.backlog,
    ipv6Only: target.ipv6Only,
  };
  if (target.reusePort) options.reusePort = true;
  return options;
}

/**
 * Listens with a `net.Server` (or a `tls.Server`): resolves once it listens, with the listener
 * the core drives, or rejects with the core's error for `description`. Later server errors are
 * accept errors.
 */
export function listenServer<A extends SocketAddress>(
  server: Server,
  options: Parameters<Server["listen"]>[0],
  description: string,
  sink: AcceptSink<A>,
  address: (server: Server) => A,
): Promise<StreamListener<A>> {
  return new Promise<StreamListener<A>>((resolve, reject) => {
    const failed = (error: Error) => reject(mapListenError(error, description));
    server.once("error", failed);
    server.listen(options, () => {
      server.off("error", failed);
      server.on("error", (error) => sink.acceptError(error));
      resolve(new NodeListener(server, address(server)));
    });
  });
}

class NodeListener<A extends SocketAddress> implements StreamListener<A> {
  readonly address: A;
  readonly #server: Server;

  constructor(server: Server, address: A) {
    this.#server = server;
    this.address = address;
  }

  // server.close() releases the address at once (and unlinks a unix socket's file); its
  // callback would also wait for every connection.
  close(): Promise<void> {
    if (this.#server.listening) this.#server.close();
    return Promise.resolve();
  }
}

/** The port a listening server is bound to. */
export function boundPort(server: Server): number {
  const bound = server.address();
  return typeof bound === "object" && bound !== null ? bound.port : 0;
}
