const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?(?:\/s)?$/i;

/**
 * Parses a size as the command's flags take it: a bare number of bytes, or a number with B,
 * KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), optionally per second
 * (`4MiB/s`). `0` means "no limit" to the flags that take it.
 *
 * @param text The size as typed.
 * @returns Whole bytes, rounded down.
 * @throws {RangeError} For anything else.
 */
export function parseSize(text: string): number {
  const match = SIZE.exec(text.trim());
  if (match === null)
    throw new RangeError(`Cannot parse size ${JSON.stringify(text)}: use a number with B, KiB, MiB or GiB`);
  const [, amount = "", unit = "b"] = match;
  const bytes = Math.floor(Number(amount) * (UNITS[unit.toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`Cannot parse size ${JSON.stringify(text)}: too large`);
  return bytes;
}

/**
 * Formats bytes in the largest binary unit that keeps the number whole: `4MiB`, `1500B`.
 *
 * @param bytes Bytes, 0 or more.
 * @returns The size as `--help` and the log spell it.
 */
export function formatSize(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"] as const) {
    const size = UNITS[unit.toLowerCase()] ?? 1;
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
