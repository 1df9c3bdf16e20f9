import type { SocketEvents } from "@tcp-echo/core/transport";

const SMALL = 4 * 1024;
const LARGE = 64 * 1024;

// Deno's conn.read() fills a buffer the caller provides. A fresh buffer per read costs a
// malloc, a memset and, under load, full GCs; the core lends chunks back instead (see
// SocketEvents): once every byte written from a chunk is sent, its memory is free again. The
// socket reads only when everything written so far has been sent (the raw Deno.listen control
// does the same, and it batches: what arrives meanwhile comes in one read, not many), so one
// buffer serves every read. An idle connection holds one small buffer, as the control does; a
// read that fills it switches to a large one for streams, and small reads switch back.
export class ReadBuffers {
  readonly #events: SocketEvents;
  #buffer: Uint8Array = new Uint8Array(SMALL);

  constructor(events: SocketEvents) {
    this.#events = events;
  }

  /** The memory to read into next; call it only once every byte written so far has been sent. */
  next(): Uint8Array {
    return this.#buffer;
  }

  /** Hands the first `n` bytes of the buffer `next()` gave to the core and sizes the next read. */
  delivered(n: number): void {
    const buffer = this.#buffer;
    const kept = this.#events.onData(n === buffer.byteLength ? buffer : buffer.subarray(0, n));
    const size = n === buffer.byteLength ? LARGE : n < SMALL / 4 ? SMALL : buffer.byteLength;
    // A chunk the core keeps is never read into again; otherwise reuse unless the size changes.
    if (kept || size !== buffer.byteLength) this.#buffer = new Uint8Array(size);
  }
}
