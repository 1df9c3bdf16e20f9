/**
 * What happens to an error thrown by a user's callback that has no connection to blame (a
 * close callback, an accept-error callback): it is thrown again from a timer, so that every
 * runtime reports it the same way, as an uncaught exception, instead of one losing it and
 * another killing the accept loop.
 *
 * @module
 */

import { timers } from "./timers.ts";

/** Throws `error` from a fresh timer turn, where the runtime reports it as uncaught. */
export function reportUncaught(error: unknown): void {
  timers.setTimeout(() => {
    throw error;
  }, 0);
}
