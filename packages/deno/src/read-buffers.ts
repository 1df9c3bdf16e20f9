import type { SocketEvents } from "@tcp-echo/core/transport";

const SMALL = 4 * 1024;
const LARGE = 64 * 1024;

// Deno's conn.read() fills a buffer the caller provides. A fresh buffer per read costs a
// malloc, a memset and, under load, full GCs; the core lends chunks back instead (see
// SocketEvents), so two buffers take turns: one is read into while the bytes echoed from the
// other are still being written. A buffer is read into again only once every byte the
// connection had accepted for writing when it was handed over has been sent. An idle
// connection holds one small buffer, as the raw Deno.listen control does; a read that fills it
// switches to a large one for streams, and small reads switch back.
export class ReadBuffers {
  readonly #events: SocketEvents;
  #current: Uint8Array = new Uint8Array(SMALL);
  #spare: Uint8Array | undefined;
  /** `bytesAccepted` when the spare was handed over: it is free once `bytesSent` reaches this. */
  #spareUntil = 0;

  constructor(events: SocketEvents) {
    this.#events = events;
  }

  /** The buffer to read into next. */
  next(): Uint8Array {
    return this.#current;
  }

  /** Hands the `n` bytes read into `buffer` to the core, then picks the next buffer. */
  delivered(buffer: Uint8Array, n: number): void {
    const events = this.#events;
    const kept = events.onData(n === buffer.byteLength ? buffer : buffer.subarray(0, n));
    const size = n === buffer.byteLength ? LARGE : n < SMALL / 4 ? SMALL : buffer.byteLength;
    if (kept) {
      this.#current = new Uint8Array(size);
      return;
    }
    const until = events.bytesAccepted;
    if (events.bytesSent >= until) {
      if (size !== buffer.byteLength) this.#current = new Uint8Array(size);
      return;
    }
    const spare = this.#spare;
    this.#current =
      spare !== undefined && spare.byteLength === size && events.bytesSent >= this.#spareUntil
        ? spare
        : new Uint8Array(size);
    this.#spare = buffer;
    this.#spareUntil = until;
  }
}
