import type { SocketEvents } from "@tcp-echo/core/transport";

const SMALL = 4 * 1024;
const LARGE = 64 * 1024;
/** A read goes on in the rest of the buffer while this much is left; less, and it starts over. */
const MIN_ROOM = SMALL / 4;

// Deno's conn.read() fills a buffer the caller provides. A fresh buffer per read costs a
// malloc, a memset and, under load, full GCs; the core lends chunks back instead (see
// SocketEvents), so reads reuse memory once the bytes echoed from it have been sent:
// - Each read goes into the buffer after the bytes handed over before it, which may still be
//   being written; once every byte handed over has been sent, reading starts over at 0. Small
//   messages thus share one buffer, and an idle connection holds one small buffer, as the raw
//   Deno.listen control does.
// - A buffer full of bytes still being written is set aside as the spare, and reading goes on
//   in the previous spare if its bytes are sent, else in a new buffer: streams take turns
//   between two large buffers.
// - A read that fills a whole small buffer switches to a large one; a small read into a large
//   buffer switches back.
export class ReadBuffers {
  readonly #events: SocketEvents;
  #buffer: Uint8Array = new Uint8Array(SMALL);
  /** Where the next read goes in `#buffer`; everything before it was handed over. */
  #offset = 0;
  /** `bytesAccepted` after the last hand-over from `#buffer`: all of it is free once `bytesSent` reaches this. */
  #until = 0;
  #spare: Uint8Array | undefined;
  #spareUntil = 0;

  constructor(events: SocketEvents) {
    this.#events = events;
  }

  /** The memory to read into next. */
  next(): Uint8Array {
    const sent = this.#events.bytesSent;
    if (this.#offset > 0 && sent >= this.#until) this.#offset = 0;
    const buffer = this.#buffer;
    if (this.#offset === 0) return buffer;
    if (buffer.byteLength - this.#offset >= MIN_ROOM) return buffer.subarray(this.#offset);
    const spare = this.#spare;
    this.#buffer =
      spare !== undefined && spare.byteLength === buffer.byteLength && sent >= this.#spareUntil
        ? spare
        : new Uint8Array(buffer.byteLength);
    this.#spare = buffer;
    this.#spareUntil = this.#until;
    this.#offset = 0;
    return this.#buffer;
  }

  /** Hands the first `n` bytes of `view` (from `next()`) to the core and records what they pin. */
  delivered(view: Uint8Array, n: number): void {
    const events = this.#events;
    const kept = events.onData(n === view.byteLength ? view : view.subarray(0, n));
    const size = this.#buffer.byteLength;
    if (kept || (n === size && size < LARGE) || (n < MIN_ROOM && size > SMALL)) {
      // The core keeps the bytes, or the reads changed size: the next read gets a buffer of its
      // own, and the old one is left to whoever still holds a part of it.
      this.#buffer = new Uint8Array(n === size ? LARGE : n < MIN_ROOM ? SMALL : size);
      this.#offset = 0;
      this.#until = 0;
      this.#spare = undefined;
      return;
    }
    this.#offset += n;
    this.#until = events.bytesAccepted;
  }
}
