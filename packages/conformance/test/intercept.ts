import type { TcpAddress, TcpTransport } from "@tcp-echo/core";
import type { SocketEvents, StreamSocket } from "@tcp-echo/core/transport";

/** What {@link intercepting} puts between the adapter and the core for each accepted socket. */
export interface Interceptors {
  /** Wraps the adapter's socket before the core sees it. */
  socket?(socket: StreamSocket<TcpAddress>): StreamSocket<TcpAddress>;
  /** Wraps the core's events before the adapter calls them; `socket` is the adapter's. */
  events?(events: SocketEvents, socket: StreamSocket<TcpAddress>): SocketEvents;
}

/**
 * `inner` with every accepted socket, and the events the core returns for it, passed through
 * `interceptors`: to watch what the core asks of an adapter, or to break an adapter on purpose.
 */
export function intercepting(inner: TcpTransport, interceptors: Interceptors): TcpTransport {
  // Everything but bind() is the inner transport's own, members added to the contract later included.
  return {
    ...inner,
    bind(options) {
      const binding = inner.bind(options);
      return {
        description: binding.description,
        listen: (settings, sink) =>
          binding.listen(settings, {
            acceptError: (error) => sink.acceptError(error),
            connection(socket) {
              const events = sink.connection(interceptors.socket?.(socket) ?? socket);
              return interceptors.events?.(events, socket) ?? events;
            },
          }),
      };
    },
  };
}

/** A socket that passes every call to `socket`, except those in `overrides`. */
export function forwardingSocket(
  socket: StreamSocket<TcpAddress>,
  overrides: Partial<
    Pick<StreamSocket<TcpAddress>, "send" | "sendSettled" | "pause" | "resume" | "closeWrite" | "close" | "reset">
  >,
): StreamSocket<TcpAddress> {
  return {
    get localAddress() {
      return socket.localAddress;
    },
    get remoteAddress() {
      return socket.remoteAddress;
    },
    send: overrides.send ?? ((chunk) => socket.send(chunk)),
    get buffered() {
      return socket.buffered;
    },
    sendSettled: overrides.sendSettled ?? (() => socket.sendSettled()),
    pause: overrides.pause ?? (() => socket.pause()),
    resume: overrides.resume ?? (() => socket.resume()),
    closeWrite: overrides.closeWrite ?? (() => socket.closeWrite()),
    close: overrides.close ?? (() => socket.close()),
    reset: overrides.reset ?? ((cause) => socket.reset(cause)),
  };
}

/**
 * Events that pass every call to `events`, with `onData` replaced: the core's connection is a
 * class, so its methods and its `bytesAccepted` and `bytesSent` getters are forwarded one by one.
 */
export function forwardingEvents(events: SocketEvents, onData: (chunk: Uint8Array) => boolean): SocketEvents {
  return {
    onData,
    onEnd: () => events.onEnd(),
    onWritable: () => events.onWritable(),
    onClose: (error) => events.onClose(error),
    get bytesAccepted() {
      return events.bytesAccepted;
    },
    get bytesSent() {
      return events.bytesSent;
    },
  };
}
