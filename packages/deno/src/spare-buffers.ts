/**
 * Read buffers of one size that connections gave back, kept for the next connection that needs
 * that size; `trim()`, called once a period, drops the ones no `take()` reached since the last
 * call. A connection moving between buffer sizes then costs no allocation while others are
 * moving too, and a server gone quiet holds none of them two periods later.
 *
 * @example
 * ```ts
 * const spares = new SpareBuffers();
 * spares.give(new Uint8Array(65536));
 * const buffer = spares.take() ?? new Uint8Array(65536);
 * spares.trim(); // 0 left: the one buffer is in use again
 * ```
 */
export class SpareBuffers {
  readonly #buffers: Uint8Array[] = [];
  /** How many buffers at the bottom of the list no take() has reached since the last trim(). */
  #untouched = 0;

  /** A buffer given back earlier, the last given first; undefined when there is none. */
  take(): Uint8Array | undefined {
    const buffer = this.#buffers.pop();
    if (this.#buffers.length < this.#untouched) this.#untouched = this.#buffers.length;
    return buffer;
  }

  /** Keeps a buffer nothing reads or writes any more. */
  give(buffer: Uint8Array): void {
    this.#buffers.push(buffer);
  }

  /** Drops the buffers untouched since the last call, and returns how many are left. */
  trim(): number {
    this.#buffers.length -= this.#untouched;
    this.#untouched = this.#buffers.length;
    return this.#untouched;
  }
}
