/**
 * Settles with `promise`, or rejects after `ms` with a message that says what was awaited.
 * `what` may be a function, read at the deadline, to report the state then.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Timed out after ${ms} ms waiting for ${typeof what === "function" ? what() : what}`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
