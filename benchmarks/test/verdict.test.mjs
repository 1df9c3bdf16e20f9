import { describe, expect, test } from "vitest";
import {
  ceilingVerdict,
  idleMemoryAllowanceKiB,
  idleMemoryVerdict,
  lossVerdict,
  MIN_PAIRS,
  p99Verdict,
  TARGETS,
  throughputVerdict,
} from "../src/verdict.mjs";

const interval = (estimate, low, high, n = 15) => ({ n, estimate, low, high });

describe("TARGETS", () => {
  test("holds the issue's thresholds", () => {
    expect(TARGETS.throughput).toEqual({ min: 0.97, floor: 0.93 });
    expect(TARGETS.p99).toEqual({ max: 1.05 });
    expect(TARGETS.loss).toEqual({ maxExcess: 0.001 });
    // Issue #10: "Deno at or below its control; Bun within 0.5 KiB of its control; Node at or below its control."
    expect(TARGETS.idleMemory).toEqual({ maxExcessKiB: { node: 0, deno: 0, bun: 0.5 } });
  });

  test("has no peak RSS target: the issue sets none", () => {
    expect(Object.keys(TARGETS)).toEqual(["throughput", "p99", "loss", "idleMemory"]);
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

describe("ceilingVerdict()", () => {
  test("is met at or under the limit, missed over it, undecided across it", () => {
    expect(ceilingVerdict(interval(1, 0, 2), 2)).toBe("met");
    expect(ceilingVerdict(interval(3, 2.01, 4), 2)).toBe("missed");
    expect(ceilingVerdict(interval(2, 1, 3), 2)).toBe("undecided");
    expect(ceilingVerdict(interval(3, 2, 4), 2)).toBe("undecided");
  });

  test(`is undecided from fewer than ${MIN_PAIRS} pairs or no interval`, () => {
    expect(ceilingVerdict(interval(0, 0, 0, MIN_PAIRS - 1), 1)).toBe("undecided");
    expect(ceilingVerdict(undefined, 1)).toBe("undecided");
  });
});

describe("idleMemoryVerdict()", () => {
  test("holds Node.js and Deno at or below their control: the whole interval at or under 0 KiB", () => {
    for (const runtime of ["node", "deno"]) {
      expect(idleMemoryVerdict(interval(-0.3, -0.5, 0), runtime)).toBe("met");
      expect(idleMemoryVerdict(interval(0.27, 0.05, 0.51), runtime)).toBe("missed");
      expect(idleMemoryVerdict(interval(0.1, -0.1, 0.2), runtime)).toBe("undecided");
    }
  });

  test("lets Bun hold up to 0.5 KiB more than its control", () => {
    expect(idleMemoryVerdict(interval(0.27, 0.05, 0.5), "bun")).toBe("met");
    expect(idleMemoryVerdict(interval(0.7, 0.51, 0.9), "bun")).toBe("missed");
    expect(idleMemoryVerdict(interval(0.45, 0.3, 0.6), "bun")).toBe("undecided");
  });

  test(`is undecided from fewer than ${MIN_PAIRS} pairs or no interval`, () => {
    expect(idleMemoryVerdict(interval(2, 2, 2, MIN_PAIRS - 1), "node")).toBe("undecided");
    expect(idleMemoryVerdict(undefined, "bun")).toBe("undecided");
  });

  test("refuses a runtime without an allowance", () => {
    expect(idleMemoryAllowanceKiB("bun")).toBe(0.5);
    expect(() => idleMemoryVerdict(interval(0, 0, 0), "workerd")).toThrow(
      "No idle memory allowance for runtime 'workerd'",
    );
    expect(() => idleMemoryAllowanceKiB("toString")).toThrow(RangeError);
  });
});
