// The comparisons' summary and tables: tcp-echo against itself (2 workers and 1; a PROXY header
// and none), the ratio of the second side over the first pair by pair, with its interval and no
// verdict, and how evenly the workers shared the load.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseBenchArgs } from "../src/args.mjs";
import { renderMarkdown } from "../src/markdown.mjs";
import { renderAll } from "../src/render.mjs";
import { COMPARISON_SCENARIOS, SCENARIOS } from "../src/scenarios.mjs";
import { summarize } from "../src/summary.mjs";
import { result, sample } from "./fixtures.mjs";

/** A 2-worker session: worker 1 took `share` of 1,000 connections and of 1,800 ms of CPU. */
function twoWorkers(s, share) {
  const workers = [
    { worker: 1, pid: 11, connections: 1000 * share, cpuMs: 1800 * share },
    { worker: 2, pid: 12, connections: 1000 * (1 - share), cpuMs: 1800 * (1 - share) },
  ];
  return {
    ...s,
    sharing: "reusePort",
    serverFigures: { ...s.serverFigures, workers: { supervisorCpuMs: 20, workers } },
  };
}

const oneWorker = (s) => ({
  ...s,
  serverFigures: {
    ...s.serverFigures,
    workers: { supervisorCpuMs: 10, workers: [{ worker: 1, pid: 11, connections: 1000, cpuMs: 950 }] },
  },
});

// Five pairs: node with 2 workers 10% faster in every pair, bun 5% to 15% faster; the PROXY
// header costs node 4% of its connections per second.
const samples = [1, 2, 3, 4, 5].flatMap((run) => [
  oneWorker(sample({ run, server: "workers-1", scenario: "workers-64b-1000c", rate: 1000, p99: 100 })),
  twoWorkers(sample({ run, server: "workers-2", scenario: "workers-64b-1000c", rate: 1100, p99: 90 }), 0.5),
  oneWorker(sample({ run, runtime: "bun", server: "workers-1", scenario: "workers-64b-1000c", rate: 1000 })),
  twoWorkers(
    sample({
      run,
      runtime: "bun",
      server: "workers-2",
      scenario: "workers-64b-1000c",
      rate: [1050, 1100, 1150, 1075, 1125][run - 1],
    }),
    [0.5, 0.6, 0.55, 0.45, 0.4][run - 1],
  ),
  sample({ run, server: "plain", scenario: "proxy-v1-64b-connect", rate: 10_000, p99: 800 }),
  sample({ run, server: "proxy-v1", scenario: "proxy-v1-64b-connect", rate: 9600, p99: 840 }),
]);
const summary = summarize(samples);
const run = { ...result(samples, summary), kind: "subset" };
run.method.comparisons = {
  workers: {
    pinning: "server processes on CPUs 0,1, load client on CPU 1 (taskset): a second worker shares the client's core",
  },
  "proxy-v1": { pinning: "server on CPU 0, load client on CPU 1 (taskset)" },
};

describe("summarize() of comparisons", () => {
  test("keeps them out of the ours / control rows and their targets", () => {
    expect(summary.rows).toEqual([]);
    expect(summary.targets).toEqual([]);
  });

  test("takes the second side over the first pair by pair, with the interval and no verdict", () => {
    const node = summary.comparisons.find((c) => c.scenario === "workers-64b-1000c" && c.runtime === "node");
    expect(node).toMatchObject({ compare: "workers", sides: ["workers-1", "workers-2"], pairs: 5 });
    expect(node.ratios.throughput.median).toBeCloseTo(1.1);
    expect(node.intervals.throughput).toMatchObject({ n: 5 });
    expect(node.intervals.throughput.low).toBeCloseTo(1.1);
    expect(node.ratios.p99.median).toBeCloseTo(0.9);
    expect(node).not.toHaveProperty("verdict");
    const bun = summary.comparisons.find((c) => c.scenario === "workers-64b-1000c" && c.runtime === "bun");
    expect(bun.intervals.throughput.low).toBeCloseTo(1.05);
    expect(bun.intervals.throughput.high).toBeCloseTo(1.15);
  });

  test("says how evenly the workers shared connections and CPU, and what the supervisor used", () => {
    const bun = summary.comparisons.find((c) => c.scenario === "workers-64b-1000c" && c.runtime === "bun");
    const { balance } = bun.test;
    expect(balance.sessions).toBe(5);
    expect(balance.sharing).toBe("reusePort");
    expect(balance.perWorker.map((w) => w.connections.median)).toEqual([500, 500]);
    // The busier worker's share per session: 50, 60, 55, 55, 60%.
    expect(balance.busiestConnectionShare).toMatchObject({ median: 0.55, min: 0.5, max: 0.6 });
    expect(balance.busiestCpuShare.median).toBeCloseTo(0.55);
    expect(balance.supervisorCpuPercent.median).toBeCloseTo(2);
    expect(bun.base.balance.perWorker).toHaveLength(1);
  });

  test("gives the PROXY header's cost as with / without", () => {
    const [proxy] = summary.comparisons.filter((c) => c.compare === "proxy-v1");
    expect(proxy.sides).toEqual(["plain", "proxy-v1"]);
    expect(proxy.ratios.throughput.median).toBeCloseTo(0.96);
    expect(proxy.ratios.p99.median).toBeCloseTo(1.05);
  });

  test("leaves a run without comparisons with none", () => {
    expect(summarize([sample({ run: 1, server: "ours", rate: 1 })]).comparisons).toEqual([]);
  });
});

describe("renderMarkdown() of comparisons", () => {
  const markdown = renderMarkdown(run);

  test("has no ours / control table in a run of comparisons alone", () => {
    expect(markdown).not.toContain("### Throughput");
    expect(markdown).not.toContain("### Targets");
    expect(markdown).toContain("it has no target and no verdict. Each section says how its processes were pinned.");
    expect(markdown).not.toContain("Pinning: server on CPU 0");
  });

  test("says plainly that 2 workers cannot double anything on 2 cores shared with the client", () => {
    expect(markdown).toContain("### tcp-echo with 2 workers against 1");
    expect(markdown).toContain("on this machine 2 workers cannot be expected to double anything");
    expect(markdown).toContain(
      "2 cores, shared by the supervisor, the workers and the load client (pinning: server processes on CPUs 0,1, load client on CPU 1",
    );
    expect(markdown).toMatch(
      /\| Workers: 64 B x 1,000 connections, K=1 \| node \| 1,000 .*msg\/s \| 1,100 .*msg\/s \| 110\.0% \[110\.0%, 110\.0%\] \|/,
    );
  });

  test("has a balance row per runtime: connections and CPU per worker, the busier one's share", () => {
    expect(markdown).toMatch(
      /\| Workers: 64 B x 1,000 connections, K=1 \| bun \| reusePort \| 500 \/ 500 \| 55\.0% \[50\.0%-60\.0%\] \|/,
    );
  });

  test("calls the PROXY ratio the cost of the header, in connections per second", () => {
    expect(markdown).toContain("### The cost of the PROXY header");
    expect(markdown).toContain("the ratio is **the cost of the header**");
    expect(markdown).toMatch(
      /\| PROXY v1: a connection per 64 B message, 100 at a time \| node \| 10,000 .*conn\/s \| 9,600 .*conn\/s \| 96\.0% \[96\.0%, 96\.0%\] \|/,
    );
  });

  test("every table row has as many cells as its header", () => {
    const blocks = markdown.split("\n\n").filter((b) => b.startsWith("|"));
    expect(blocks).toHaveLength(3);
    for (const block of blocks) {
      const [head, ...rows] = block.split("\n");
      const cells = (line) => line.split(" | ").length;
      for (const row of rows.slice(1)) expect(cells(row)).toBe(cells(head));
    }
  });

  test("renderAll() writes no chart for a run of comparisons alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "tcp-echo-bench-render-"));
    try {
      expect(renderAll(run, dir)).toEqual(["latest.md"]);
      expect(readdirSync(dir)).toEqual(["latest.md"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("picking the comparisons", () => {
  test("by name only: the matrix, and --transports tcp, leave them out", () => {
    expect(parseBenchArgs([]).scenarios).toEqual(SCENARIOS);
    expect(parseBenchArgs(["--transports", "tcp"]).scenarios.some((s) => s.compare)).toBe(false);
    const ids = COMPARISON_SCENARIOS.map((s) => s.id);
    expect(parseBenchArgs(["--scenarios", ids.join(",")]).scenarios.map((s) => s.id)).toEqual(ids);
    expect(parseBenchArgs(["--scenarios", "workers-1k-100c-k16,1k-100c-k16"]).scenarios.map((s) => s.id)).toEqual([
      "1k-100c-k16",
      "workers-1k-100c-k16",
    ]);
  });
});
