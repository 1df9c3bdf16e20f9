/**
 * A deadline that a later, shorter timeout can bring forward: how long a shutdown waits.
 *
 * @module
 */

import { type TimerHandle, timers } from "./timers.ts";

/** When a shutdown stops waiting: a timer that a later, shorter timeout can bring forward. */
export class Deadline {
  /** Resolves when the deadline passes; never, for an infinite timeout. */
  readonly reached: Promise<void>;
  #at: number;
  #timer: TimerHandle | undefined;
  #reach: () => void = () => {};

  constructor(timeout: number) {
    this.reached = new Promise((resolve) => {
      this.#reach = resolve;
    });
    this.#at = Number.POSITIVE_INFINITY;
    this.hurry(timeout);
  }

  /** Whether the deadline has passed (a timeout of 0). */
  get passed(): boolean {
    return this.#at <= Date.now();
  }

  /** Moves the deadline to `timeout` ms from now, if that is sooner. */
  hurry(timeout: number): void {
    const at = Date.now() + timeout;
    if (!(at < this.#at)) return;
    this.#at = at;
    this.cancel();
    if (timeout <= 0) this.#reach();
    else this.#timer = timers.setTimeout(() => this.#reach(), timeout);
  }

  /** Stops the timer: the shutdown no longer waits. */
  cancel(): void {
    if (this.#timer !== undefined) timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
