/**
 * How far one run's ratio can be trusted: a percentile bootstrap of the median of the per-pair
 * ratios. On a shared 2-core VM the same code moves 10-30 points between runs, so a ratio without
 * an interval cannot tell a 3% cost from noise.
 *
 * The median, not the mean: one session disturbed by other work on the machine moves the mean of
 * 15 pairs by a fifteenth of its disturbance and the median hardly at all, and the median is the
 * point estimate the tables have always reported.
 *
 * The generator is seeded, so the same pairs always give the same interval: a results file
 * re-renders to the same tables, and a test can name the interval it expects.
 *
 * What to expect from it: with 5 pairs the interval is the range of the pair ratios (a resampled
 * median falls on the lowest or highest pair more than 2.5% of the time); with 15 pairs whose
 * ratios scatter by 6 points it is about 4 points either side of the median, and in simulation it
 * holds the true median about 94% of the time (test/interval.test.mjs).
 */

/**
 * Resamples per interval: the 2.5% and 97.5% quantiles then sit within about 0.3 percentile points
 * of where they would sit with endless resamples (the binomial standard error is 0.16). The ends
 * are pair ratios (or the mean of two), so another seed can still move one to the neighbouring
 * pair when it sits on that edge: hence one fixed seed.
 */
export const RESAMPLES = 10_000;

/** The interval's coverage. */
export const LEVEL = 0.95;

/** The default seed; any fixed number would do, this one is only what every results file uses. */
export const SEED = 0x7ec0;

/**
 * A small seeded generator (mulberry32): Math.random() cannot be seeded, and a bootstrap needs
 * only speed and evenness, not cryptographic strength.
 * @param {number} seed a 32-bit integer
 * @returns {() => number} a function returning numbers in [0, 1)
 * @example Same seed, same sequence
 * ```js
 * const a = random(1);
 * const b = random(1);
 * assert.equal(a(), b());
 * ```
 */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The median of numbers sorted ascending; the mean of the middle two for an even count. */
function sortedMedian(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @typedef {object} Interval
 * @property {number} n the pairs it rests on
 * @property {number} estimate the median of the per-pair ratios
 * @property {number} low the interval's lower end
 * @property {number} high the interval's upper end
 * @property {number} level its coverage, 0.95
 * @property {number} resamples
 * @property {number} seed
 */

/**
 * The median of `values` with a percentile bootstrap interval: resample the pairs with
 * replacement `resamples` times, take each resample's median, and read the interval off the
 * sorted medians. Values that are not finite numbers (a pair whose control measured 0) are left out.
 * @param {number[]} values one ratio per pair
 * @param {{ resamples?: number, level?: number, seed?: number }} [options]
 * @returns {Interval | undefined} undefined when no value is a finite number
 * @throws {RangeError} when `level` is not between 0 and 1 or `resamples` is not a whole number above 0
 * @example Identical pairs leave no doubt
 * ```js
 * const { low, high } = bootstrapMedian([1, 1, 1, 1, 1]);
 * assert.deepEqual([low, high], [1, 1]);
 * ```
 */
export function bootstrapMedian(values, { resamples = RESAMPLES, level = LEVEL, seed = SEED } = {}) {
  if (!(level > 0 && level < 1)) throw new RangeError(`Cannot bootstrap: level must be between 0 and 1, got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`Cannot bootstrap: resamples must be a whole number above 0, got ${resamples}`);
  const data = Float64Array.from(values.filter((v) => typeof v === "number" && Number.isFinite(v)));
  const n = data.length;
  if (n === 0) return undefined;
  const next = random(seed);
  const draw = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) draw[i] = data[Math.floor(next() * n)];
    medians[b] = sortedMedian(draw.sort());
  }
  medians.sort();
  const tail = (1 - level) / 2;
  return {
    n,
    estimate: sortedMedian(data.sort()),
    low: medians[Math.floor(tail * resamples)],
    high: medians[Math.ceil((1 - tail) * resamples) - 1],
    level,
    resamples,
    seed,
  };
}
