/**
 * Read buffers of one size that connections gave back, kept for the next connection that needs
 * that size: a connection moving between buffer sizes then costs no allocation while others are
 * moving too. `trim()`, called once a period, drops as many as sat unused through the whole
 * period since the last call (the buffers are alike, so which ones does not matter), and the
 * list never holds more than `limit`: a server gone quiet holds none of them within two periods.
 *
 * @example Two connections trading a buffer
 * ```ts
 * const spares = new SpareBuffers(16);
 * spares.give(new Uint8Array(65536)); // one connection stepped away from 64 KiB
 * const buffer = spares.take() ?? new Uint8Array(65536); // another steps to it: no allocation
 * spares.trim(); // 0: nothing was left unused
 * ```
 */
export class SpareBuffers {
  readonly #buffers: Uint8Array[] = [];
  readonly #limit: number;
  /** The fewest buffers the list held since the last trim(): that many sat unused throughout. */
  #unused = 0;

  /** @param limit the most buffers kept; one given back beyond it is left to the collector */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A buffer given back earlier, the last given first; undefined when there is none. */
  take(): Uint8Array | undefined {
    const buffer = this.#buffers.pop();
    if (this.#buffers.length < this.#unused) this.#unused = this.#buffers.length;
    return buffer;
  }

  /** Keeps a buffer nothing reads into or writes from any more, unless the list is full. */
  give(buffer: Uint8Array): void {
    if (this.#buffers.length < this.#limit) this.#buffers.push(buffer);
  }

  /** Drops as many buffers as sat unused since the last call, and returns how many are left. */
  trim(): number {
    this.#buffers.length -= this.#unused;
    this.#unused = this.#buffers.length;
    return this.#unused;
  }
}
