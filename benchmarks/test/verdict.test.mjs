import { describe, expect, test } from "vitest";
import { lossVerdict, MIN_PAIRS, p99Verdict, TARGETS, throughputVerdict } from "../src/verdict.mjs";

const interval = (estimate, low, high, n = 15) => ({ n, estimate, low, high });

describe("TARGETS", () => {
  test("holds the issue's thresholds", () => {
    expect(TARGETS.throughput).toEqual({ min: 0.97, floor: 0.93 });
    expect(TARGETS.p99).toEqual({ max: 1.05 });
    expect(TARGETS.loss).toEqual({ maxExcess: 0.001 });
  });
});

describe("throughputVerdict()", () => {
  test("is met when the median is at least 97% and the lower end above 93%", () => {
    expect(throughputVerdict(interval(0.97, 0.931, 1.01))).toBe("met");
    expect(throughputVerdict(interval(1.02, 0.99, 1.05))).toBe("met");
  });

  test("is undecided when the median is at 97% or more but the lower end reaches 93%", () => {
    expect(throughputVerdict(interval(0.98, 0.93, 1.02))).toBe("undecided");
    expect(throughputVerdict(interval(1.0, 0.85, 1.1))).toBe("undecided");
  });

  test("is undecided when the median is under 97% and the upper end reaches it", () => {
    expect(throughputVerdict(interval(0.96, 0.94, 0.97))).toBe("undecided");
  });

  test("is missed when the upper end is under 97%", () => {
    expect(throughputVerdict(interval(0.95, 0.94, 0.969))).toBe("missed");
    expect(throughputVerdict(interval(0.6, 0.5, 0.7))).toBe("missed");
  });

  test(`is undecided from fewer than ${MIN_PAIRS} pairs or no interval, however clear the figures`, () => {
    expect(throughputVerdict(interval(1, 1, 1, MIN_PAIRS - 1))).toBe("undecided");
    expect(throughputVerdict(interval(0.5, 0.5, 0.5, 1))).toBe("undecided");
    expect(throughputVerdict(undefined)).toBe("undecided");
    expect(throughputVerdict(interval(1, 1, 1, MIN_PAIRS))).toBe("met");
  });
});

describe("p99Verdict()", () => {
  test("is met when the whole interval is at or under 105%", () => {
    expect(p99Verdict(interval(1.0, 0.9, 1.05))).toBe("met");
    expect(p99Verdict(interval(0.8, 0.7, 0.9))).toBe("met");
  });

  test("is missed when the whole interval is over 105%", () => {
    expect(p99Verdict(interval(1.2, 1.051, 1.3))).toBe("missed");
  });

  test("is undecided when the interval reaches both sides of 105%", () => {
    expect(p99Verdict(interval(1.0, 0.95, 1.08))).toBe("undecided");
    expect(p99Verdict(interval(1.1, 1.05, 1.2))).toBe("undecided");
  });

  test(`is undecided from fewer than ${MIN_PAIRS} pairs or no interval`, () => {
    expect(p99Verdict(interval(1, 1, 1, 2))).toBe("undecided");
    expect(p99Verdict(undefined)).toBe("undecided");
  });
});

describe("lossVerdict()", () => {
  test("is met when the whole interval of ours' loss minus the control's is at or under 0.1 point", () => {
    expect(lossVerdict(interval(0, 0, 0))).toBe("met");
    expect(lossVerdict(interval(-0.02, -0.03, 0.001))).toBe("met");
  });

  test("is missed when the whole interval is over 0.1 point", () => {
    expect(lossVerdict(interval(0.02, 0.0011, 0.03))).toBe("missed");
  });

  test("is undecided when the interval reaches both sides of 0.1 point", () => {
    expect(lossVerdict(interval(0, -0.01, 0.01))).toBe("undecided");
  });

  test(`is undecided from fewer than ${MIN_PAIRS} pairs or no interval`, () => {
    expect(lossVerdict(interval(0, 0, 0, MIN_PAIRS - 1))).toBe("undecided");
    expect(lossVerdict(undefined)).toBe("undecided");
  });
});
