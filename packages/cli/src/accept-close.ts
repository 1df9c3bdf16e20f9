import type { Transport, TransportSocket } from "@tcp-echo/core";

/**
 * Works around a bug in `@tcp-echo/deno` and `@tcp-echo/bun` 0.1.0: they hand a socket's events
 * to it only after `sink.connection()` returns, so a socket the core closes inside that call (a
 * connection over `--max-connections`) never reports its close. It then stays counted against
 * the limit, which shrinks with every rejection, and a shutdown waits for it until the timeout;
 * Bun also loses its remote address for the log. Closing it one microtask later, once the
 * adapter has wired the events, avoids all three. Remove it when the adapters report a close
 * that happens before their `start()`.
 *
 * @param transport The adapter.
 * @returns The same transport, with closes made during `sink.connection()` deferred.
 */
export function deferAcceptCloses(transport: Transport): Transport {
  return {
    runtime: transport.runtime,
    unsupported: transport.unsupported,
    listen(request, sink) {
      return transport.listen(request, {
        acceptError: (error) => sink.acceptError(error),
        connection(socket) {
          const own = Object.getOwnPropertyDescriptor(socket, "close");
          let closeLater = false;
          const defer: TransportSocket["close"] = () => {
            closeLater = true;
          };
          Object.defineProperty(socket, "close", { configurable: true, writable: true, value: defer });
          try {
            return sink.connection(socket);
          } finally {
            if (own === undefined) Reflect.deleteProperty(socket, "close");
            else Object.defineProperty(socket, "close", own);
            if (closeLater) queueMicrotask(() => socket.close());
          }
        },
      });
    },
  };
}
