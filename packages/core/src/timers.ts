/**
 * Timers from the global scope. Every runtime tcp-echo targets has them (they are in the WinterTC
 * minimum common API), but they are not ECMAScript, and the core compiles against ECMAScript
 * alone so that no runtime's types can leak in.
 *
 * @module
 */

/** An opaque timer handle: a number in Deno and browsers, an object in Node and Bun. */
export type TimerHandle = unknown;

/** The subset of the global timer functions the core uses. */
export interface Timers {
  setTimeout(callback: () => void, milliseconds: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, milliseconds: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** The global timers, typed. */
export const timers: Timers = globalThis as unknown as Timers;
