/**
 * The backpressure of a datagram socket whose runtime takes every send and completes it later
 * (Node's `dgram`, Deno's `send()`): bytes handed over and not completed yet are counted, and
 * the socket is full above the high-water mark until they are back under it.
 *
 * @module
 */

/**
 * Counts a datagram socket's bytes in flight against its high-water mark.
 *
 * @example Full above the mark, writable again below it
 * ```ts
 * import { SendBudget } from "@tcp-echo/core/transport";
 *
 * let writable = 0;
 * const budget = new SendBudget(100, () => writable++);
 * if (!budget.take(60) || budget.take(60)) throw new Error("full past 100 bytes");
 * budget.release(60);
 * if (writable !== 1) throw new Error("writable once back under the mark");
 * ```
 */
export class SendBudget {
  readonly #highWaterMark: number;
  readonly #onWritable: () => void;
  #outstanding = 0;
  #full = false;

  /**
   * Starts with nothing in flight.
   *
   * @param highWaterMark Bytes in flight allowed before the socket is full.
   * @param onWritable Called once each time the socket stops being full.
   */
  constructor(highWaterMark: number, onWritable: () => void) {
    this.#highWaterMark = highWaterMark;
    this.#onWritable = onWritable;
  }

  /**
   * A send of `bytes` was handed to the runtime.
   * @returns false when the socket is now full (the send stands; say so to the core).
   */
  take(bytes: number): boolean {
    this.#outstanding += bytes;
    if (this.#outstanding <= this.#highWaterMark) return true;
    this.#full = true;
    return false;
  }

  /** A send of `bytes` completed or failed; calls `onWritable` when that ends a full spell. */
  release(bytes: number): void {
    this.#outstanding -= bytes;
    if (this.#full && this.#outstanding <= this.#highWaterMark) {
      this.#full = false;
      this.#onWritable();
    }
  }
}
