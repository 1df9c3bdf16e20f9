/**
 * How many receives a datagram socket keeps waiting at once, on a runtime whose receive is one
 * promise per datagram (Deno's `receive()`). One receive costs an event-loop turn per datagram;
 * several let the datagrams already queued in the kernel come back together in one turn, which
 * is worth it under a burst. But every waiting receive is woken by each datagram that arrives,
 * and all but one find nothing: at one datagram in flight, four receives cost a ping-pong a
 * tenth of its rate. So the width follows the load: one receive, a probe with two now and then,
 * and the full width while receives keep completing in the same turns.
 *
 * @module
 */

/**
 * Decides the receive width from how receives complete: several in one event-loop turn mean
 * datagrams are queueing, one per turn means they are not. It holds no timers and reads no
 * clock; the socket tells it of each completed receive and whether it was the first of its turn.
 *
 * @example A burst widens it, a quiet spell narrows it again
 * ```ts
 * import { ReceiveWidth } from "@tcp-echo/core/transport";
 *
 * const width = new ReceiveWidth({ max: 4, probeEvery: 8, window: 4 });
 * const seen: number[] = [];
 * for (let i = 0; i < 8; i++) width.completed(true);
 * seen.push(width.wanted); // a probe of two after eight
 * for (let i = 0; i < 4; i++) width.completed(i % 2 === 0); // two per turn
 * seen.push(width.wanted); // the full width under a burst
 * for (let i = 0; i < 4; i++) width.completed(true); // one per turn
 * seen.push(width.wanted); // back to one
 * if (seen.join() !== "2,4,1") throw new Error(seen.join());
 * ```
 */
export class ReceiveWidth {
  /** How many receives to keep waiting now: 1, 2 during a probe, or `max`. */
  wanted = 1;
  readonly #max: number;
  readonly #probeEvery: number;
  readonly #window: number;
  #completions = 0;
  #turns = 0;

  /**
   * Starts at one receive.
   *
   * @param options `max` receives at most (1 never widens); a probe after `probeEvery`
   * completions at width one (default 1,024); a verdict every `window` completions when wider
   * (default 32).
   */
  constructor(options: { readonly max: number; readonly probeEvery?: number; readonly window?: number }) {
    this.#max = Math.max(1, Math.floor(options.max));
    this.#probeEvery = options.probeEvery ?? 1024;
    this.#window = options.window ?? 32;
  }

  /**
   * A receive completed.
   *
   * @param firstInTurn Whether no other receive completed before it in the same event-loop
   * turn (always true at width one, where the socket need not look).
   * @returns Whether `wanted` grew, so the socket starts the receives it lacks (when it
   * shrinks, the receives beyond it stop as they complete).
   */
  completed(firstInTurn: boolean): boolean {
    this.#completions += 1;
    if (firstInTurn) this.#turns += 1;
    if (this.wanted === 1) {
      if (this.#completions < this.#probeEvery || this.#max === 1) return false;
      this.#completions = 0;
      this.#turns = 0;
      this.wanted = 2;
      return true;
    }
    if (this.#completions < this.#window) return false;
    // Half again as many completions as turns: datagrams queue, and a wider read takes them.
    const queueing = this.#completions * 2 >= this.#turns * 3;
    const before = this.wanted;
    this.wanted = queueing ? this.#max : 1;
    this.#completions = 0;
    this.#turns = 0;
    return this.wanted > before;
  }
}
