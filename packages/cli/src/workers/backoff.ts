/** Options of {@link Backoff}, in milliseconds. */
export interface BackoffOptions {
  /** The first delay. Default 100. */
  readonly initial?: number;
  /** The longest delay. Default 10 s. */
  readonly max?: number;
  /** A worker that ran this long before it exited starts again from `initial`. Default 30 s. */
  readonly resetAfter?: number;
}

/**
 * The delays between restarts of one worker: 100 ms, doubling up to 10 s while the worker keeps
 * exiting soon after it starts, and 100 ms again once it has run 30 s.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #resetAfter: number;
  #next: number;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initial ?? 100;
    this.#max = options.max ?? 10_000;
    this.#resetAfter = options.resetAfter ?? 30_000;
    this.#next = this.#initial;
  }

  /**
   * The delay before the next start of a worker that has just exited.
   *
   * @param ranMs How long it ran.
   * @returns Milliseconds to wait.
   */
  delay(ranMs: number): number {
    if (ranMs >= this.#resetAfter) this.#next = this.#initial;
    const delay = this.#next;
    this.#next = Math.min(this.#max, delay * 2);
    return delay;
  }
}
