import { describe, expect, test } from "vitest";
import { DurationTooLongError, formatDuration, parseDuration } from "../src/duration.ts";

describe("parseDuration", () => {
  test.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["10", 10_000],
    ["0", 0],
    ["0ms", 0],
  ])("reads %s as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test("takes 596h, the longest timer the runtimes keep, and refuses longer with DurationTooLongError", () => {
    expect(parseDuration("2147483647ms")).toBe(2_147_483_647);
    expect(() => parseDuration("2147483648ms")).toThrow(DurationTooLongError);
    expect(() => parseDuration("597h")).toThrow(
      'Cannot parse duration "597h": at most 596h, the longest timer the runtimes keep',
    );
  });

  test.each(["", "abc", "5x", "-1", "-1s", "1 h", "s", "1e3", "1.s", "Infinity", "1ms2"])(
    "rejects %j with a RangeError",
    (text) => {
      expect(() => parseDuration(text)).toThrow(RangeError);
    },
  );
});

describe("formatDuration", () => {
  test.each([
    [0, "0s"],
    [300, "300ms"],
    [1500, "1500ms"],
    [10_000, "10s"],
    [120_000, "2m"],
    [3_600_000, "1h"],
  ])("writes %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("formats what parseDuration reads back to the same milliseconds", () => {
    for (const text of ["250ms", "7s", "90s", "3m", "2h"]) {
      expect(parseDuration(formatDuration(parseDuration(text)))).toBe(parseDuration(text));
    }
  });
});
