/**
 * The default connection limit, from the descriptor budget: every connection holds one
 * descriptor, and the process keeps the ones it has open plus a reserve for its own later use
 * (a log file, a DNS lookup, a reload). Beyond the limit, connections are accepted and closed at
 * once, so the server never reaches `EMFILE`, where accepting fails (Bun retries that in a busy
 * loop).
 *
 * @module
 */

import type { Descriptors } from "./transport/descriptors.ts";

/** Descriptors kept back: 5% of the limit, and at least 16. */
function reserve(limit: number): number {
  return Math.max(16, Math.ceil(limit * 0.05));
}

/**
 * The connections a process may hold open with its descriptor budget.
 *
 * @param descriptors The limit and the descriptors open now.
 * @returns At least 1.
 */
export function connectionBudget(descriptors: Descriptors): number {
  return Math.max(1, descriptors.limit - descriptors.open - reserve(descriptors.limit));
}
