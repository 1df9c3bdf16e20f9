// The harness's side of --workers: reading tcp-echo's JSON log per worker, sampling a supervisor
// and its workers as one server, waiting for every worker to listen, and one real session of each
// comparison on Node.js. Everything waits on events (a log line, a child's spawn), never on time.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { ensureLoadgen } from "../src/loadgen.mjs";
import { COMPARISON_SCENARIOS, COMPARISONS, loadgenArgs } from "../src/scenarios.mjs";
import { runtimeBinaries, serverCommand, startServer } from "../src/servers.mjs";
import { runSession } from "../src/session.mjs";
import { parseLogEvent, processTree, sampleTree, WorkerLog, workerFigures } from "../src/workers.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(benchDir, "..");
const children = new Set();

afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

const line = (event) => JSON.stringify({ time: "2026-12-02T00:00:00.000Z", ...event });

describe("parseLogEvent()", () => {
  test("reads a worker's event, the supervisor's way of sharing the port, and nothing from other lines", () => {
    expect(parseLogEvent(line({ type: "open", worker: 2, remote: "127.0.0.1:5000" }))).toEqual({
      type: "open",
      worker: 2,
      pid: undefined,
    });
    expect(parseLogEvent(line({ type: "listening", worker: 1, pid: 4242, port: 7 }))).toMatchObject({ pid: 4242 });
    expect(parseLogEvent(line({ type: "workers", count: 2, sharing: "cluster" }))).toEqual({
      type: "workers",
      worker: undefined,
      pid: undefined,
      sharing: "cluster",
    });
    expect(parseLogEvent("[worker 1] tcp-echo listening on 127.0.0.1:7")).toBeUndefined();
    expect(parseLogEvent("{not json")).toBeUndefined();
  });
});

describe("WorkerLog", () => {
  test("counts opens per worker and each worker's pid, and resolves once enough connections closed", async () => {
    const log = new WorkerLog();
    log.onLine(line({ type: "workers", count: 2, sharing: "reusePort" }));
    log.onLine(line({ type: "listening", worker: 1, pid: 11 }));
    log.onLine(line({ type: "listening", worker: 2, pid: 12 }));
    for (const worker of [1, 2, 2]) log.onLine(line({ type: "open", worker }));
    const closed = log.whenCloses(2, 60_000);
    log.onLine(line({ type: "close", worker: 2 }));
    log.onLine(line({ type: "close", worker: 1 }));
    await closed;
    expect(log.sharing).toBe("reusePort");
    expect([...log.pids]).toEqual([
      [1, 11],
      [2, 12],
    ]);
    expect([...log.openCounts()]).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  test("rejects, naming the count, when too few connections close in time", async () => {
    const log = new WorkerLog();
    log.onLine(line({ type: "close", worker: 1 }));
    await expect(log.whenCloses(3, 1)).rejects.toThrow("the server logged 1 of 3 closed connections within 1 ms");
  });
});

describe("workerFigures()", () => {
  test("gives each worker its CPU over the window and its connections between two counts", () => {
    const tree = (cpu) => ({ processes: cpu.map(([pid, cpuMs]) => ({ pid, cpuMs })) });
    const figures = workerFigures({
      supervisor: 10,
      start: tree([
        [10, 100],
        [11, 500],
        [12, 400],
      ]),
      end: tree([
        [10, 110],
        [11, 1500],
        [12, 1300],
      ]),
      pids: new Map([
        [2, 12],
        [1, 11],
      ]),
      opensBefore: new Map([
        [1, 5],
        [2, 3],
      ]),
      opensAfter: new Map([
        [1, 505],
        [2, 503],
      ]),
    });
    expect(figures).toEqual({
      supervisorCpuMs: 10,
      workers: [
        { worker: 1, pid: 11, cpuMs: 1000, connections: 500 },
        { worker: 2, pid: 12, cpuMs: 900, connections: 500 },
      ],
    });
  });
});

describe("processTree() and sampleTree()", () => {
  test("find a child of this process and add its memory to the tree's", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    children.add(child);
    await once(child, "spawn");
    expect(processTree(process.pid)).toContain(child.pid);
    const tree = sampleTree(process.pid);
    const own = tree.processes.find((p) => p.pid === child.pid);
    expect(own.rssKiB).toBeGreaterThan(0);
    expect(tree.rssKiB).toBe(tree.processes.reduce((sum, p) => sum + p.rssKiB, 0));
    // The anonymous part of the RSS, which memory per idle connection is measured on.
    expect(own.anonKiB).toBeGreaterThan(0);
    expect(own.anonKiB).toBeLessThanOrEqual(own.rssKiB);
    expect(tree.anonKiB).toBe(tree.processes.reduce((sum, p) => sum + p.anonKiB, 0));
    expect(tree.processes[0].pid).toBe(process.pid);
  });
});

describe("startServer() with several listeners", () => {
  test("waits for every worker's startup line, and hands on every line of stderr", async () => {
    // Prints its pid and worker 1's line at once, and worker 2's only on SIGUSR1.
    const script = [
      "process.on('SIGUSR1', () => console.error('[worker 2] tcp-echo listening on 127.0.0.1:4321 (node)'));",
      "process.on('SIGTERM', () => process.exit(0));",
      "console.error('pid ' + process.pid);",
      "console.error('[worker 1] tcp-echo listening on 127.0.0.1:4321 (node)');",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const seen = [];
    let started = false;
    let release;
    const first = new Promise((resolve) => {
      release = resolve;
    });
    const starting = startServer({
      argv: [process.execPath, "-e", script],
      cwd: root,
      cpu: undefined,
      timeoutMs: 20000,
      listeners: 2,
      onLine: (text) => {
        seen.push(text);
        if (text.startsWith("[worker 1]")) release();
      },
    }).then((server) => {
      started = true;
      return server;
    });
    await first;
    expect(started).toBe(false);
    process.kill(Number(seen[0].split(" ")[1]), "SIGUSR1");
    const server = await starting;
    expect(server.address).toEqual({ transport: "tcp", port: 4321 });
    expect(server.startupLines).toHaveLength(2);
    expect(await server.stop()).toMatchObject({ code: 0, killed: false });
  });
});

describe("one session of each comparison on Node.js", () => {
  const loadgen = ensureLoadgen(benchDir).path;
  const bin = runtimeBinaries(root);
  const session = (scenarioId, kind) =>
    runSession({
      root,
      loadgen,
      bin,
      runtime: "node",
      kind,
      scenario: COMPARISON_SCENARIOS.find((s) => s.id === scenarioId),
      warmupMs: 100,
      durationMs: 300,
      settleMs: 50,
      cpus: { server: undefined, client: undefined, all: undefined },
    });

  test("2 workers: both listen before the load, and each one's connections and CPU are counted", async () => {
    const sample = await session("workers-1k-100c-k16", "workers-2");
    expect(sample.error).toBeUndefined();
    expect(sample.ok).toBe(true);
    const { workers, processes } = sample.serverFigures;
    expect(processes).toBe(3);
    expect(workers.workers.map((w) => w.worker)).toEqual([1, 2]);
    expect(workers.workers.reduce((sum, w) => sum + w.connections, 0)).toBe(100);
    expect(workers.workers.every((w) => w.cpuMs >= 0)).toBe(true);
    expect(sample.sharing).toMatch(/^(cluster|reusePort)$/);
  });

  test("the PROXY v2 header: tcp-echo with --proxy-protocol takes the client's header on every connection", async () => {
    const sample = await session("proxy-v2-64b-connect", "proxy-v2");
    expect(sample.error).toBeUndefined();
    expect(sample.client).toMatchObject({ ok: true, reconnect: true, proxyHeader: "v2" });
    expect(sample.serverFigures.idleBytesPerConnection).toBeUndefined();
  });
});

describe("the comparisons", () => {
  test("run 1 worker against 2, and no header against a v1 or a v2 one", () => {
    expect(Object.values(COMPARISONS).map((c) => [c.id, c.sides.map((s) => s.flags.join(" "))])).toEqual([
      ["workers", ["--workers 1", "--workers 2"]],
      ["proxy-v1", ["", "--proxy-protocol"]],
      ["proxy-v2", ["", "--proxy-protocol"]],
    ]);
    expect(COMPARISONS["proxy-v1"].sides[1].loadgen).toEqual(["--proxy-header", "v1"]);
  });

  test("load the workers with two loads of the matrix and the PROXY header with a connection per message", () => {
    expect(COMPARISON_SCENARIOS.map((s) => [s.id, s.connections, s.size, s.inflight, Boolean(s.reconnect)])).toEqual([
      ["workers-64b-1000c", 1000, 64, 1, false],
      ["workers-1k-100c-k16", 100, 1024, 16, false],
      ["proxy-v1-64b-connect", 100, 64, 1, true],
      ["proxy-v2-64b-connect", 100, 64, 1, true],
    ]);
    expect(loadgenArgs(COMPARISON_SCENARIOS[2])).toEqual([
      ...["--mode", "pingpong", "--connections", "100", "--inflight", "1", "--size", "64", "--reconnect"],
    ]);
  });

  test("give Deno's workers --unstable-net and --allow-run on both sides, and log JSON instead of --quiet", () => {
    const { workers } = COMPARISONS;
    const argv = (side) =>
      serverCommand("deno", "ours", { deno: "/bin/deno" }, undefined, {
        flags: side.flags,
        denoFlags: workers.denoFlags,
        log: "json",
      }).argv;
    expect(argv(workers.sides[0])).toEqual([
      ...["/bin/deno", "run", "--allow-net", "--unstable-net", "--allow-run", "runtimes/deno/main.ts"],
      ...["--host", "127.0.0.1", "--port", "0", "--workers", "1", "--log-format", "json"],
    ]);
    expect(argv(workers.sides[1]).slice(-4)).toEqual(["--workers", "2", "--log-format", "json"]);
  });
});
