import { describe, expect, test } from "vitest";
import { bootstrapMedian, RESAMPLES, random } from "../src/interval.mjs";
import { throughputVerdict } from "../src/verdict.mjs";

describe("random()", () => {
  test("gives the same sequence for the same seed and another for another seed", () => {
    const take = (seed) => Array.from({ length: 5 }, random(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  test("gives numbers in [0, 1) spread evenly", () => {
    const next = random(1);
    const values = Array.from({ length: 10_000 }, next);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((a, b) => a + b) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
  });
});

describe("bootstrapMedian()", () => {
  const noisy = [0.82, 1.12, 0.91, 1.05, 0.87, 1.15, 0.95, 0.8, 1.08, 0.99, 0.85, 1.1, 0.93, 1.02, 0.97];

  test("gives the same interval for the same pairs and seed", () => {
    expect(bootstrapMedian(noisy)).toEqual(bootstrapMedian([...noisy]));
    expect(bootstrapMedian(noisy, { seed: 3 })).toEqual(bootstrapMedian(noisy, { seed: 3 }));
  });

  test("records what it rests on: pairs, level, resamples and seed", () => {
    expect(bootstrapMedian(noisy, { seed: 9 })).toMatchObject({
      n: 15,
      estimate: 0.97,
      level: 0.95,
      resamples: RESAMPLES,
      seed: 9,
    });
  });

  test("gives [1, 1] when every pair ratio is 1, and the throughput target is met", () => {
    const interval = bootstrapMedian([1, 1, 1, 1, 1]);
    expect(interval).toMatchObject({ n: 5, estimate: 1, low: 1, high: 1 });
    expect(throughputVerdict(interval)).toBe("met");
  });

  test("gives an interval wholly under 97% for pairs that are clearly slower: missed", () => {
    const low = [0.85, 0.87, 0.83, 0.86, 0.88, 0.84, 0.86, 0.85, 0.89, 0.82, 0.86, 0.87, 0.84, 0.85, 0.86];
    const interval = bootstrapMedian(low);
    expect(interval.estimate).toBe(0.86);
    expect(interval.high).toBeLessThan(0.97);
    expect(throughputVerdict(interval)).toBe("missed");
  });

  test("gives an interval across 93% and 97% for widely scattered pairs: undecided", () => {
    const interval = bootstrapMedian(noisy);
    expect(interval.low).toBeLessThanOrEqual(0.93);
    expect(interval.high).toBeGreaterThanOrEqual(0.97);
    expect(throughputVerdict(interval)).toBe("undecided");
  });

  test("gives the range of the pairs for 5 pairs, since a resampled median falls on an end that often", () => {
    expect(bootstrapMedian([1.05, 0.9, 1.1, 1, 0.95])).toMatchObject({ estimate: 1, low: 0.9, high: 1.1 });
  });

  test("narrows as pairs are added", () => {
    const width = (values) => {
      const { low, high } = bootstrapMedian(values);
      return high - low;
    };
    expect(width([...noisy, ...noisy, ...noisy])).toBeLessThan(width(noisy));
  });

  test("leaves out values that are not finite numbers", () => {
    expect(bootstrapMedian([1, Number.NaN, Number.POSITIVE_INFINITY, undefined, 1, 1])).toMatchObject({
      n: 3,
      low: 1,
      high: 1,
    });
  });

  test("returns undefined for no pairs", () => {
    expect(bootstrapMedian([])).toBeUndefined();
    expect(bootstrapMedian([Number.NaN])).toBeUndefined();
  });

  test("throws a RangeError for a level outside (0, 1) or resamples below 1", () => {
    expect(() => bootstrapMedian([1], { level: 95 })).toThrow(RangeError);
    expect(() => bootstrapMedian([1], { resamples: 0 })).toThrow(/resamples must be a whole number above 0/);
  });

  test("holds the true median about 95% of the time, about 4 points either side from 15 pairs at 6 points of scatter", () => {
    // Seeded normal data (Box-Muller), so this simulation gives the same figures on every run.
    const next = random(42);
    const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const trials = 200;
    let covered = 0;
    let halfWidth = 0;
    for (let t = 0; t < trials; t++) {
      const pairs = Array.from({ length: 15 }, () => 1 + 0.06 * normal());
      const { low, high } = bootstrapMedian(pairs, { resamples: 2000, seed: t });
      if (low <= 1 && 1 <= high) covered++;
      halfWidth += (high - low) / 2 / trials;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
    expect(halfWidth).toBeGreaterThan(0.03);
    expect(halfWidth).toBeLessThan(0.05);
  });
});
