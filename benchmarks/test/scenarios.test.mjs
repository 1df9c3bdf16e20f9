import { describe, expect, test } from "vitest";
import {
  loadTiming,
  MEMORY_SCENARIO,
  measuresIdleMemory,
  QUICK_SCENARIOS,
  SCENARIOS,
  scenarioById,
} from "../src/scenarios.mjs";

describe("the memory scenario", () => {
  const idle = scenarioById(MEMORY_SCENARIO);

  test("holds the issue's 5,000 connections over TCP, primed by 64 B ping-pong, K=1", () => {
    expect(MEMORY_SCENARIO).toBe("idle-5000c");
    expect(idle).toMatchObject({
      title: "5,000 idle connections",
      transport: "tcp",
      mode: "pingpong",
      connections: 5000,
      size: 64,
      inflight: 1,
      memoryOnly: true,
    });
  });

  test("is in the matrix `npm run bench` runs, and not in --quick", () => {
    expect(SCENARIOS).toContain(idle);
    expect(QUICK_SCENARIOS).not.toContain(MEMORY_SCENARIO);
  });

  test("is the only memory-only scenario beside memory after a stream: 64b-1000c stays a throughput scenario", () => {
    expect(SCENARIOS.filter((s) => s.memoryOnly).map((s) => s.id)).toEqual([MEMORY_SCENARIO, "idle-after-256k-1000c"]);
  });
});

describe("loadTiming()", () => {
  test("cuts the memory scenario's load to no warm-up and 500 ms measured", () => {
    const idle = scenarioById(MEMORY_SCENARIO);
    expect(loadTiming(idle, { warmupMs: 1000, durationMs: 3000 })).toEqual({ warmupMs: 0, durationMs: 500 });
    expect(loadTiming(idle, { warmupMs: 200, durationMs: 300 })).toEqual({ warmupMs: 0, durationMs: 300 });
  });

  test("leaves every other scenario at the run's timing", () => {
    for (const scenario of SCENARIOS.filter((s) => !s.memoryOnly))
      expect(loadTiming(scenario, { warmupMs: 1000, durationMs: 3000 })).toEqual({ warmupMs: 1000, durationMs: 3000 });
  });
});

describe("measuresIdleMemory()", () => {
  test("is true where 100 connections or more are held open", () => {
    const ids = SCENARIOS.filter(measuresIdleMemory).map((s) => s.id);
    expect(ids).toEqual([
      "1k-100c-k1",
      "1k-100c-k16",
      "64b-1000c",
      "idle-5000c",
      "idle-after-256k-1000c",
      "tls-1k-100c-k1",
      "unix-1k-100c-k16",
    ]);
  });

  test("is false for UDP sources and for a connect-heavy load", () => {
    expect(measuresIdleMemory(scenarioById("udp-64-100s-k16"))).toBe(false);
    expect(measuresIdleMemory(scenarioById("proxy-v1-64b-connect"))).toBe(false);
  });
});
