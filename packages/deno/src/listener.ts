import type { SocketAddress } from "@tcp-echo/core";
import type { AcceptSink, StreamListener } from "@tcp-echo/core/transport";
import { isClosedResource, isGoneBeforeAccept } from "./errors.ts";

const MAX_ACCEPT_BACKOFF_MS = 1000;

// https://docs.deno.com/api/deno/~/Deno.Listener (a TcpListener, TlsListener or UnixListener)
/** A `Deno.Listener` under the core: accepts until closed, handing each connection to `accepted`. */
export class DenoListener<A extends SocketAddress, C extends Deno.Conn> implements StreamListener<A> {
  readonly address: A;
  readonly #listener: Deno.Listener<C>;
  readonly #accepting: Promise<void>;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(listener: Deno.Listener<C>, address: A, sink: AcceptSink<A>, accepted: (conn: C) => void) {
    this.#listener = listener;
    this.address = address;
    this.#accepting = this.#acceptLoop(sink, accepted);
  }

  // The listener's async iterator ends for good on an accept error such as EMFILE: accept()
  // in a loop keeps going, backing off while descriptors are exhausted.
  async #acceptLoop(sink: AcceptSink<A>, accepted: (conn: C) => void): Promise<void> {
    let backoff = 0;
    while (!this.#closed) {
      let conn: C;
      try {
        conn = await this.#listener.accept();
        backoff = 0;
      } catch (error) {
        if (this.#closed || isClosedResource(error)) return;
        // Backing off is for a shortage (EMFILE): a reset in the queue would otherwise slow
        // every accept after it, and a flood of them fill the queue.
        if (isGoneBeforeAccept(error)) continue;
        sink.acceptError(error as Error);
        backoff = Math.min(MAX_ACCEPT_BACKOFF_MS, backoff === 0 ? 10 : backoff * 2);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
        continue;
      }
      accepted(conn);
    }
  }

  // Deno releases the port only once the pending accept() has been cancelled: until then a
  // client still connects (and is reset), and the port cannot be listened on again.
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#listener.close();
      this.#wake?.();
    }
    return this.#accepting;
  }
}
