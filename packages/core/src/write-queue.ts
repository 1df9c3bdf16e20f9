/**
 * The one write queue: the high-water mark, the drain signal and "half-close or close once
 * everything is sent" exist once, here, for every adapter. The adapter gives one primitive,
 * `send()`, which takes what the runtime takes now (Bun), takes all into a buffer of its own
 * that it reports as `buffered` while past the runtime's mark (Node), or completes later
 * (Deno); the queue offers one chunk at a time, in order, and counts that buffer as unsent.
 * A connection with nothing queued offers a chunk to `send()` itself and makes its queue only
 * when the runtime does not take that chunk whole at once, or its buffer reaches the mark (see
 * `takeOver()`), and at a half-close or close: a connection whose echoes all go straight out
 * never holds one.
 *
 * @module
 */

import type { StreamSocket } from "./transport/stream.ts";

// The queue's state is one small integer (an idle server holds one queue per connection):
// bits 0-1 what is outstanding, bits 2-3 what follows once everything queued is sent, bits 4-5
// how far that went, bit 6 a drain is owed, bit 7 the socket closed.

/** Nothing offered is outstanding. */
const READY = 0;
/** The runtime took part of a chunk; the rest waits for `writable()`. */
const WAITING_WRITABLE = 1;
/** A send's promise is pending. */
const WAITING_PROMISE = 2;
const WAITING = 3;

/** What follows once everything queued is sent (bits 2-3), and how far `#finish()` went (bits 4-5). */
const OPEN = 0;
const CLOSE_WRITE = 1;
const CLOSE = 2;
const AFTER_SHIFT = 2;
const FINISHED_SHIFT = 4;
const ENDING = 3;

const NEED_DRAIN = 64;
const CLOSED = 128;

/** Who hears that the unsent bytes fell below the high-water mark after a false `write()`. */
export interface WriteQueueOwner {
  writesDrained(): void;
}

/** Writes for one socket, in order, with a high-water mark. */
export class WriteQueue {
  /** Bytes accepted by `write()` so far. */
  bytesAccepted: number;
  /** Bytes the runtime has taken so far. */
  bytesSent: number;
  readonly #socket: StreamSocket;
  readonly #highWaterMark: number;
  readonly #owner: WriteQueueOwner;
  // Made on the first send that completes later (Deno): Node and Bun never need them,
  // and an idle server holds one queue per connection.
  #onSettled: ((taken: number) => void) | undefined;
  #onFailed: ((error: unknown) => void) | undefined;
  /** Chunks not yet offered; made on first use, as most writes go straight out. */
  #waiting: Uint8Array[] | undefined;
  /** The chunk offered and not wholly taken yet. */
  #current: Uint8Array | undefined;
  #bits = READY;

  /**
   * @param socket The adapter's socket.
   * @param highWaterMark Unsent bytes at which `write()` starts returning false.
   * @param owner Told when the unsent bytes fall below the mark after a false `write()`.
   * @param sent Bytes the owner already sent without a queue, each chunk taken whole at once.
   */
  constructor(socket: StreamSocket, highWaterMark: number, owner: WriteQueueOwner, sent = 0) {
    this.#socket = socket;
    this.#highWaterMark = highWaterMark;
    this.#owner = owner;
    this.bytesAccepted = sent;
    this.bytesSent = sent;
  }

  /** Bytes accepted and not yet handed to the kernel: not taken by the runtime, or held in its buffer. */
  get unsent(): number {
    return this.bytesAccepted - this.bytesSent + this.#socket.buffered;
  }

  /**
   * Queues `chunk`, sending at once when nothing is ahead of it.
   * @returns false when the unsent bytes reached the high-water mark.
   */
  write(chunk: Uint8Array): boolean {
    this.bytesAccepted += chunk.length;
    if ((this.#bits & WAITING) !== READY) {
      if (this.#waiting === undefined) this.#waiting = [chunk];
      else this.#waiting.push(chunk);
    } else {
      this.#offer(chunk);
    }
    return this.#belowMark();
  }

  /**
   * Takes over from a send the owner made itself with nothing queued, which the runtime did not
   * take whole at once.
   * @param chunk The chunk the owner offered.
   * @param taken What `send(chunk)` returned.
   * @returns false when the unsent bytes reached the high-water mark, as from `write()`.
   */
  takeOver(chunk: Uint8Array, taken: number | Promise<number>): boolean {
    this.bytesAccepted += chunk.length;
    this.#follow(chunk, taken);
    return this.#belowMark();
  }

  /** The runtime can take more: after a short send, or its own buffer emptied. */
  writable(): void {
    if ((this.#bits & WAITING) !== WAITING_WRITABLE) {
      this.#progressed();
      return;
    }
    const chunk = this.#current as Uint8Array;
    this.#current = undefined;
    this.#bits &= ~WAITING;
    this.#offer(chunk);
  }

  /** Half-close once everything queued is sent. */
  closeWrite(): void {
    if (this.#after() !== OPEN) return;
    this.#bits |= CLOSE_WRITE << AFTER_SHIFT;
    if ((this.#bits & WAITING) === READY) this.#finish();
  }

  /** Close once everything queued is sent. */
  close(): void {
    if (this.#after() === CLOSE) return;
    this.#bits = (this.#bits & ~(ENDING << AFTER_SHIFT)) | (CLOSE << AFTER_SHIFT);
    if ((this.#bits & WAITING) === READY) this.#finish();
  }

  /** The socket closed: drop what is left. */
  dispose(): void {
    this.#bits |= CLOSED;
    this.#waiting = undefined;
    this.#current = undefined;
  }

  #belowMark(): boolean {
    if (this.unsent < this.#highWaterMark) return true;
    this.#bits |= NEED_DRAIN;
    return false;
  }

  #offer(chunk: Uint8Array): void {
    this.#follow(chunk, this.#socket.send(chunk));
  }

  /** Goes on from one send's result, offering the waiting chunks while each is taken whole. */
  #follow(first: Uint8Array, result: number | Promise<number>): void {
    let chunk: Uint8Array | undefined = first;
    let taken = result;
    while (chunk !== undefined) {
      if (typeof taken !== "number") {
        this.#current = chunk;
        this.#bits |= WAITING_PROMISE;
        if (this.#onSettled === undefined) this.#makeSettlers();
        taken.then(this.#onSettled, this.#onFailed);
        return;
      }
      if (taken < 0) return;
      this.bytesSent += taken;
      if (taken < chunk.length) {
        this.#current = chunk.subarray(taken);
        this.#bits |= WAITING_WRITABLE;
        this.#progressed();
        return;
      }
      chunk = this.#waiting?.shift();
      if (chunk !== undefined) taken = this.#socket.send(chunk);
    }
    this.#progressed();
    if (this.#after() !== OPEN) this.#finish();
  }

  // Apart from #follow(): a function that makes a closure gets a context at every call, and
  // #follow() runs for every chunk a send takes later.
  #makeSettlers(): void {
    this.#onSettled = (count) => this.#settled(count);
    this.#onFailed = (error) => this.#failed(error);
  }

  #settled(taken: number): void {
    const chunk = this.#current as Uint8Array;
    this.#current = undefined;
    this.#bits &= ~WAITING;
    if ((this.#bits & CLOSED) !== 0 || taken < 0) return;
    this.bytesSent += taken;
    const next = taken < chunk.length ? chunk.subarray(taken) : this.#waiting?.shift();
    if (next !== undefined) this.#offer(next);
    else {
      this.#progressed();
      if (this.#after() !== OPEN) this.#finish();
    }
    // A socket closing after its last byte reads no more; one that half-closed still reads.
    if ((this.#bits & CLOSED) === 0 && this.#after() !== CLOSE) this.#socket.sendSettled();
  }

  #failed(error: unknown): void {
    this.#bits &= ~WAITING;
    if ((this.#bits & CLOSED) === 0) this.#socket.reset(error);
    this.dispose();
  }

  #progressed(): void {
    if ((this.#bits & NEED_DRAIN) !== 0 && this.unsent < this.#highWaterMark) {
      this.#bits &= ~NEED_DRAIN;
      this.#owner.writesDrained();
    }
  }

  /** What follows once everything queued is sent: OPEN, CLOSE_WRITE or CLOSE. */
  #after(): number {
    return (this.#bits >> AFTER_SHIFT) & ENDING;
  }

  #finish(): void {
    const after = this.#after();
    if ((this.#bits & CLOSED) !== 0 || ((this.#bits >> FINISHED_SHIFT) & ENDING) === after) return;
    this.#bits = (this.#bits & ~(ENDING << FINISHED_SHIFT)) | (after << FINISHED_SHIFT);
    if (after === CLOSE) this.#socket.close();
    else this.#socket.closeWrite();
  }
}
