import type { SocketAddress } from "@tcp-echo/core";
import type { StreamListener } from "@tcp-echo/core/transport";
import type { SocketListener } from "bun";

/** A `Bun.listen` listener as the core drives it, for every transport. */
export class BunListener<A extends SocketAddress> implements StreamListener<A> {
  readonly address: A;
  readonly #listener: SocketListener<unknown>;
  #stopped = false;

  constructor(listener: SocketListener<unknown>, address: A) {
    this.#listener = listener;
    this.address = address;
  }

  // stop(false) releases the address (and unlinks a unix socket's file) and leaves accepted
  // sockets running.
  close(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#listener.stop(false);
    }
    return Promise.resolve();
  }
}
