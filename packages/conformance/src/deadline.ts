/**
 * Resolves as `promise` does, or rejects once `ms` have passed, naming what was awaited.
 * Every wait in the suite goes through this: a case fails with a reason, it never hangs.
 *
 * @example Give up on a promise after a deadline
 * ```ts
 * import { withDeadline } from "@tcp-echo/conformance";
 *
 * await withDeadline(Promise.resolve(1), 1000, "a resolved promise");
 * ```
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
