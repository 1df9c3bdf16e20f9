import { expect, describe as group, test } from "vitest";
import { describe, kibDelta, summarize } from "../src/summary.mjs";
import { IDLE_KIB, idlePairs, sample } from "./fixtures.mjs";

/** A sample's client figures with UDP loss. */
const withLoss = (s, loss) => ({ client: { ...s.client, udp: { loss, totalLost: 0, kernelRcvbufErrors: 0 } } });

group("describe()", () => {
  test("gives the median of an odd count and the mean of the middle two of an even count", () => {
    expect(describe([3, 1, 2])?.median).toBe(2);
    expect(describe([4, 1, 3, 2])?.median).toBe(2.5);
  });

  test("reports min, max and spread relative to the median, skipping what is not a number", () => {
    expect(describe([10, undefined, 12, Number.NaN, 8])).toEqual({ n: 3, median: 10, min: 8, max: 12, spread: 0.4 });
  });

  test("returns undefined for no values", () => {
    expect(describe([])).toBeUndefined();
  });
});

group("kibDelta()", () => {
  test("signs a difference in KiB to 2 decimals, and leaves one that rounds to 0 unsigned", () => {
    expect(kibDelta(0.271)).toBe("+0.27");
    expect(kibDelta(-0.5)).toBe("-0.50");
    expect(kibDelta(-0.004)).toBe("0.00");
    expect(kibDelta(-0.5, false)).toBe("0.50");
  });
});

group("summarize()", () => {
  const pair = (run, ours, control, extra = {}) => [
    sample({ run, server: "ours", rate: ours, ...extra }),
    sample({ run, server: "control", rate: control, ...extra }),
  ];

  test("takes ratios pair by pair within a run, not as a ratio of medians", () => {
    // Run 2 is twice as fast for both: the pairwise ratios stay 0.9, 0.9, 0.9.
    const samples = [...pair(1, 900, 1000), ...pair(2, 1800, 2000), ...pair(3, 900, 1000)];
    const [row] = summarize(samples).rows;
    expect(row.pairs).toBe(3);
    expect(row.ratios.throughput.median).toBeCloseTo(0.9);
    expect(row.ratios.throughput.spread).toBeCloseTo(0);
    expect(row.ours.messagesPerSec.median).toBe(900);
  });

  /** `count` pairs, each with the same figures. */
  const pairs = (count, ours, control, extra = {}) =>
    Array.from({ length: count }, (_, i) => pair(i + 1, ours, control, extra)).flat();

  test("reports a missed throughput target with its interval and the points it is short by", () => {
    const { targets } = summarize(pairs(5, 950, 1000));
    const throughput = targets.find((t) => t.target.startsWith("throughput"));
    expect(throughput).toMatchObject({ verdict: "missed", met: false, interval: { low: 0.95, high: 0.95 }, pairs: 5 });
    expect(throughput.text).toBe(
      "95.0% [95.0%, 95.0%] of the control's throughput: missed, 2.0 points short of 97%, the whole interval below it",
    );
  });

  test("meets the throughput target at 97% and the p99 target at +5%", () => {
    const samples = [1, 2, 3, 4, 5].flatMap((run) => [
      sample({ run, server: "ours", rate: 970, p99: 105 }),
      sample({ run, server: "control", rate: 1000, p99: 100 }),
    ]);
    const { targets } = summarize(samples);
    expect(targets.map((t) => t.verdict)).toEqual(["met", "met"]);
    expect(targets.map((t) => t.met)).toEqual([true, true]);
  });

  test("gives no throughput or p99 verdict from fewer than 5 pairs, however clear", () => {
    const { targets } = summarize(pairs(4, 500, 1000));
    expect(targets.map((t) => t.verdict)).toEqual(["undecided", "undecided"]);
    expect(targets[0].text).toBe(
      "50.0% [50.0%, 50.0%] of the control's throughput: undecided, 4 pairs, a verdict needs 5",
    );
  });

  test("keeps every pair's figures and ratios, and the intervals, in the row", () => {
    const [row] = summarize([...pair(1, 900, 1000), ...pair(2, 1100, 1000)]).rows;
    expect(row.perPair).toEqual([
      expect.objectContaining({
        run: 1,
        ours: { messagesPerSec: 900, p99Us: 100 },
        control: { messagesPerSec: 1000, p99Us: 100 },
        ratios: expect.objectContaining({ throughput: 0.9, p99: 1 }),
      }),
      expect.objectContaining({ run: 2, ratios: expect.objectContaining({ throughput: 1.1 }) }),
    ]);
    expect(row.intervals.throughput).toMatchObject({ n: 2, estimate: 1, low: 0.9, high: 1.1, level: 0.95 });
    expect(row.intervals.p99).toMatchObject({ n: 2, low: 1, high: 1 });
  });

  const oursKiB = IDLE_KIB.ours;
  const controlKiB = IDLE_KIB.control;

  test("judges memory per idle connection on 5,000 held connections by ours minus the control's, in KiB", () => {
    const { rows, targets } = summarize([
      ...idlePairs("node", oursKiB, controlKiB),
      ...idlePairs("deno", controlKiB, oursKiB),
      ...idlePairs("bun", oursKiB, controlKiB),
    ]);
    const [node] = rows;
    expect(node.perPair[0].ours.idleKiB).toBeCloseTo(2.3);
    expect(node.perPair[0].control.idleKiB).toBeCloseTo(2.03);
    expect(node.perPair.map((p) => p.idleExcessKiB.toFixed(2))).toEqual(["0.27", "0.32", "0.22", "0.37", "0.25"]);
    expect(node.intervals.idleExcessKiB).toMatchObject({ n: 5 });
    expect(node.intervals.idleExcessKiB.estimate).toBeCloseTo(0.27);
    const memory = (runtime) => targets.find((t) => t.runtime === runtime && t.target.startsWith("memory per idle"));
    expect(memory("node")).toMatchObject({
      scenario: "idle-5000c",
      target: "memory per idle connection at or below control",
      verdict: "missed",
      met: false,
      pairs: 5,
    });
    expect(memory("node").value).toBeCloseTo(0.27);
    expect(memory("node").text).toBe(
      "memory per idle connection 2.30 / 2.03 KiB (ours / control), +0.27 [+0.22, +0.37] KiB: missed (allowance 0 KiB), 0.27 KiB over it, the whole interval over it",
    );
    // Deno's ours is the lower here: at or below its control.
    expect(memory("deno")).toMatchObject({ verdict: "met", target: "memory per idle connection at or below control" });
    expect(memory("deno").text).toMatch(
      /, -0\.27 \[-0\.37, -0\.22\] KiB: met \(allowance 0 KiB\), the whole interval at or under it$/,
    );
    // Bun may hold 0.5 KiB more than its control.
    expect(memory("bun")).toMatchObject({
      verdict: "met",
      target: "memory per idle connection within 0.5 KiB of control",
    });
  });

  test("gives the memory scenario no throughput or p99 target and no client headroom, and no memory verdict from 4 pairs", () => {
    const samples = idlePairs("node", oursKiB.slice(0, 4), controlKiB.slice(0, 4));
    const { rows, targets, headroom } = summarize(samples);
    expect(rows[0].intervals).not.toHaveProperty("throughput");
    expect(rows[0].intervals).not.toHaveProperty("p99");
    expect(targets.map((t) => t.target)).toEqual(["memory per idle connection at or below control"]);
    expect(targets[0].verdict).toBe("undecided");
    expect(targets[0].text).toMatch(/: undecided \(allowance 0 KiB\), 4 pairs, a verdict needs 5$/);
    expect(headroom).toEqual([]);
  });

  test("shows memory per idle connection, without a verdict, wherever 100 connections or more are held", () => {
    const { rows, targets } = summarize(idlePairs("node", oursKiB, controlKiB, "64b-1000c"));
    expect(rows[0].intervals.idleExcessKiB.estimate).toBeCloseTo(0.27);
    expect(rows[0].intervals.throughput).toBeDefined();
    expect(targets.some((t) => t.target.includes("memory"))).toBe(false);
    const single = summarize(pair(1, 1000, 1000)).rows[0];
    expect(single.intervals).not.toHaveProperty("idleExcessKiB");
    expect(single.perPair[0]).not.toHaveProperty("idleExcessKiB");
  });

  test("leaves failed sessions out of the figures and lists them", () => {
    const failed = { ...sample({ run: 2, server: "ours", rate: 1 }), ok: false, error: "byte 7 differs" };
    const { rows, failures } = summarize([
      ...pair(1, 1000, 1000),
      failed,
      sample({ run: 2, server: "control", rate: 1000 }),
    ]);
    expect(rows[0].pairs).toBe(1);
    expect(failures).toEqual([
      { runtime: "node", server: "ours", scenario: "pingpong-64b", run: 2, error: "byte 7 differs" },
    ]);
  });

  test("flags a row where the load client ran at 90% CPU or more", () => {
    const { rows, targets } = summarize(pair(1, 900, 1000, { client: 95 }));
    expect(rows[0].clientBound).toBe(95);
    expect(targets[0].text).toMatch(/load client reached 95% CPU/);
    expect(summarize(pair(1, 900, 1000)).rows[0].clientBound).toBeUndefined();
  });

  test("gives a TLS scenario's throughput as a share of TCP's, per runtime and server, pass by pass", () => {
    // Pass 2 is twice as fast for every session: the shares stay 0.6 and 0.65.
    const samples = [1, 2, 3, 4, 5].flatMap((run) => {
      const k = run === 2 ? 2 : 1;
      return [
        ...pair(run, 1000 * k, 1000 * k, { scenario: "stream-64k-10c" }),
        ...pair(run, 600 * k, 650 * k, { scenario: "tls-stream-64k-10c" }),
      ];
    });
    const { transports } = summarize(samples);
    expect(transports).toHaveLength(1);
    expect(transports[0]).toMatchObject({
      scenario: "tls-stream-64k-10c",
      tcp: "stream-64k-10c",
      transport: "tls",
      runtime: "node",
      shares: { ours: { n: 5, low: 0.6, high: 0.6 }, control: { n: 5 } },
    });
    expect(transports[0].shares.ours.estimate).toBeCloseTo(0.6);
    expect(transports[0].shares.control.estimate).toBeCloseTo(0.65);
  });

  test("gives no share of TCP without the TCP scenario in the same passes", () => {
    const alone = pair(1, 600, 650, { scenario: "unix-stream-64k-10c" });
    expect(summarize(alone).transports).toEqual([]);
    const apart = [...alone, ...pair(2, 1000, 1000, { scenario: "stream-64k-10c" })];
    expect(summarize(apart).transports).toEqual([]);
  });

  test("gives UDP rows both sides' loss, pair by pair, and a verdict on ours minus the control's", () => {
    const scenario = "udp-64-100s-k16";
    const at = (oursLoss, controlLoss, count = 5) =>
      summarize(
        pairs(count, 1000, 1000, { scenario }).map((s) => ({
          ...s,
          ...withLoss(s, s.server === "ours" ? oursLoss : controlLoss),
        })),
      );
    const level = at(0.05, 0.05);
    expect(level.rows[0].perPair[0]).toMatchObject({ ours: { loss: 0.05 }, control: { loss: 0.05 }, lossExcess: 0 });
    expect(level.rows[0].ours.loss.median).toBe(0.05);
    const loss = level.targets.find((t) => t.target.startsWith("loss"));
    expect(loss).toMatchObject({ verdict: "met", value: 0, interval: { low: 0, high: 0 }, pairs: 5 });
    expect(loss.text).toBe(
      "loss 5.000% against the control's 5.000%, ours minus the control's 0.000 points [0.000 points, 0.000 points]: met, the whole interval within the 0.1-point allowance",
    );
    const worse = at(0.07, 0.05).targets.find((t) => t.target.startsWith("loss"));
    expect(worse.verdict).toBe("missed");
    expect(worse.text).toMatch(
      /ours minus the control's \+2\.000 points .*: missed, 1\.900 points over the 0\.1-point allowance/,
    );
    expect(at(0, 0, 4).targets.find((t) => t.target.startsWith("loss")).verdict).toBe("undecided");
    // TCP rows have no loss, and no loss target.
    const tcp = summarize(pairs(5, 1000, 1000));
    expect(tcp.rows[0].perPair[0]).not.toHaveProperty("lossExcess");
    expect(tcp.targets.some((t) => t.target.startsWith("loss"))).toBe(false);
  });

  test("names the fastest server of each scenario for the client headroom", () => {
    const samples = [...pair(1, 900, 1000), ...pair(1, 1200, 1100, { runtime: "bun" })];
    const { headroom } = summarize(samples);
    expect(headroom).toEqual([
      expect.objectContaining({ scenario: "pingpong-64b", runtime: "bun", server: "ours", messagesPerSec: 1200 }),
    ]);
  });
});
