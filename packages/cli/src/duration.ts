import { UsageError } from "./usage-error.ts";

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest timer every runtime keeps: 2^31 - 1 ms, about 24.8 days (596 h). Node.js and Bun
 * run a longer one after 1 ms and Deno at once, so a longer duration would mean "now".
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** A duration longer than {@link MAX_DURATION_MS}: the flag's one-line error says so. */
export class DurationTooLongError extends RangeError {
  override readonly name = "DurationTooLongError";
}

const TOO_LONG = "at most 596h, the longest timer the runtimes keep";
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/**
 * Parses a duration as the command's flags take it: `500ms`, `30s`, `2m`, `1h`, or a bare
 * number of seconds. `0` means "off" to the flags that take it.
 *
 * @param text The duration as typed.
 * @returns Whole milliseconds, rounded to the nearest.
 * @throws {DurationTooLongError} Over {@link MAX_DURATION_MS}.
 * @throws {RangeError} For anything else: a negative number, an unknown unit, an empty string.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new RangeError(`Cannot parse duration ${JSON.stringify(text)}: use a number with ms, s, m or h, e.g. 30s`);
  }
  const [, amount = "", unit = "s"] = match;
  const ms = Math.round(Number(amount) * (UNITS[unit] ?? 1000));
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) {
    throw new DurationTooLongError(`Cannot parse duration ${JSON.stringify(text)}: ${TOO_LONG}`);
  }
  return ms;
}

/**
 * Parses a duration flag's value, for the flags' one-line errors.
 *
 * @param value The value as typed.
 * @param flag The flag (or variable) it came from, as the error names it: `--idle-timeout`.
 * @param expected What the error says a good value is: `expected a duration such as 10s`.
 * @returns Whole milliseconds.
 * @throws {UsageError} `invalid <flag> '<value>': <expected>`, or that it is over 596h.
 */
export function parseDurationFlag(value: string, flag: string, expected: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    const why = error instanceof DurationTooLongError ? TOO_LONG : expected;
    throw new UsageError(`invalid ${flag} '${value}': ${why}`);
  }
}

/**
 * Formats milliseconds in the largest unit that keeps the number whole: `10s`, `1500ms`, `2m`.
 *
 * @param ms Milliseconds, 0 or more.
 * @returns The duration as `--help` and the log spell it.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  for (const unit of ["h", "m", "s"] as const) {
    const size = UNITS[unit] ?? 1;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
