#!/usr/bin/env node
/**
 * The benchmark: tcp-echo against a raw control server on Node.js, Deno and Bun.
 *
 *   npm run bench                 the full matrix: 5 interleaved pairs per cell, results in benchmarks/results/
 *   npm run bench -- --quick      one short pair of two scenarios per runtime, results in .tmp/quick/
 *   npm run bench -- --runtimes deno --scenarios 1k-100c-k16 --pairs 15
 *                                 one cell, enough pairs to settle its verdict (about 3 minutes)
 *
 * Options (see args.mjs): --pairs N, --warmup-ms N, --duration-ms N, --runtimes node,deno,bun,
 * --scenarios id,id, --transports tcp,tls,unix,udp, --servers ours,control, --out DIR, --note TEXT
 * (recorded with the results, e.g. what else ran on the machine), --baseline DIR (before and after:
 * tcp-echo built in another checkout takes the control's place; see args.mjs), --help. Exits 2 with one line for a bad command line, 1 when any
 * session fails (a byte not echoed, a server that did not start or did not exit 0 on SIGTERM); a
 * missed or undecided performance target is reported, never an error. A full run into the default
 * folder also refreshes the block of the repository's README.md between the bench:results markers
 * (its Performance section).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, UsageError, usage } from "./args.mjs";
import { makeCertificates } from "./certificates.mjs";
import { LEVEL, RESAMPLES, SEED } from "./interval.mjs";
import { ensureLoadgen } from "./loadgen.mjs";
import { commitOf, describeMachine, kernelOf } from "./machine.mjs";
import { renderAll, renderMarkdown, updateReadme } from "./render.mjs";
import { COMPARISONS, comparisonOf, loadTiming, measuresIdleMemory, SCENARIOS } from "./scenarios.mjs";
import { MALLOC_TRIM_THRESHOLD, RUNTIMES, runtimeBinaries } from "./servers.mjs";
import { runSession } from "./session.mjs";
import { summarize } from "./summary.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(benchDir, "..");

let args;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(usage());
  process.exit(0);
}

const quick = args.quick;
const method = {
  pairs: args.pairs,
  warmupMs: args.warmupMs,
  durationMs: args.durationMs,
  settleMs: quick ? 100 : 250,
  order:
    "per scenario and runtime, pairs alternate: ours then control in odd pairs, control then ours in even pairs (A B B A ...)",
  interval: `median of the per-pair ratios, ${LEVEL * 100}% percentile bootstrap of ${RESAMPLES} resamples of the pairs, seed ${SEED}`,
  mallocTrimThreshold: MALLOC_TRIM_THRESHOLD,
  // Memory per idle connection is the growth of the anonymous RSS (files before this have VmRSS).
  idleMemory: "RssAnon",
  note: args.note,
};
const { runtimes, scenarios, servers: kinds } = args;
const outDir = resolve(args.out ?? (quick ? join(benchDir, ".tmp", "quick") : join(benchDir, "results")));
// Every full run keeps its JSON. latest.* and the README block show the last run of the whole
// matrix; a run of a subset (--runtimes, --scenarios, --servers) is kept beside them, not over them.
// A run against a baseline measures a change, not the targets: it is never the matrix's result.
const complete =
  args.baseline === undefined &&
  runtimes.length === RUNTIMES.length &&
  scenarios.length === SCENARIOS.length &&
  kinds.length === 2;
const label = quick ? "quick" : complete ? "full" : args.baseline === undefined ? "subset" : "baseline";

/** The CPUs this process may run on, from /proc (a container or CI runner may not start at 0). */
function allowedCpus() {
  try {
    const line = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "";
    return line.split(",").flatMap((part) => {
      const [from, to = from] = part.split("-").map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
    });
  } catch {
    return [];
  }
}

function hasTaskset(cpu) {
  try {
    execFileSync("taskset", ["-c", cpu, "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const allowed = allowedCpus();
const [serverCpu, clientCpu] = allowed;
const pinned = clientCpu !== undefined && hasTaskset(serverCpu);
const cpus = pinned
  ? { server: serverCpu, client: clientCpu, all: allowed.join(",") }
  : { server: undefined, client: undefined, all: undefined };
method.pinning = pinned
  ? `server on CPU ${serverCpu}, load client on CPU ${clientCpu} (taskset)`
  : "none: needs 2 CPUs and taskset";
// A comparison runs tcp-echo on its two sides (see scenarios.mjs), whatever --servers says.
const sidesOf = (scenario) => comparisonOf(scenario)?.sides.map((side) => side.id) ?? kinds;
const compared = [...new Set(scenarios.map((s) => s.compare).filter(Boolean))].map((id) => COMPARISONS[id]);
if (compared.length > 0) {
  method.comparisons = Object.fromEntries(
    compared.map((c) => [
      c.id,
      {
        ratio: c.ratio,
        sides: c.sides.map(({ id, label, flags, loadgen }) => ({ id, label, flags, loadgen: loadgen ?? [] })),
        denoFlags: c.denoFlags,
        pinning: c.sharedCpus
          ? pinned
            ? `server processes on CPUs ${cpus.all}, load client on CPU ${cpus.client} (taskset): a second worker shares the client's core`
            : "none"
          : method.pinning,
        log: c.logConnections
          ? "--log-format json with the per-connection events, which fall outside the measured window"
          : "--quiet",
      },
    ]),
  );
}

if (args.baseline !== undefined) method.baseline = { dir: args.baseline, commit: commitOf(args.baseline) };

const bin = runtimeBinaries(root);
const loadgen = ensureLoadgen(benchDir);
// One throwaway CA and server certificate for the whole run, removed when it ends.
const certificates = scenarios.some((s) => s.transport === "tls") ? makeCertificates() : undefined;
if (certificates !== undefined) {
  method.tls =
    "a throwaway CA and server certificate (EC P-256, SAN IP:127.0.0.1) made with openssl for the run; " +
    "the load client verifies nothing";
  process.once("exit", certificates.remove);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ])
    process.once(signal, () => process.exit(code));
}
const machine = describeMachine(root, bin);
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
machine.loadAverageStart = load();
const startedAt = new Date();
const sessions = method.pairs * runtimes.length * scenarios.reduce((n, s) => n + sidesOf(s).length, 0);

// Per session beyond the load itself: the 0.2 s warm-up load, two settle pauses, and about 0.4 s
// to start and stop a server and to open and close the scenario's connections, plus 0.3 ms for
// each connection beyond the first thousand (measured: 5,000 take 0.4 s to connect on Bun, 1-1.4 s
// on Node.js and Deno, and about as long to close).
const overheadMs = (scenario) => 200 + 2 * method.settleMs + 400 + Math.max(0, scenario.connections - 1000) * 0.3;
const sessionMs = (scenario) => {
  const { warmupMs, durationMs } = loadTiming(scenario, method);
  return warmupMs + durationMs + overheadMs(scenario);
};
const sessionsMs = scenarios.reduce((ms, s) => ms + sidesOf(s).length * sessionMs(s), 0);
const discarded = quick ? 0 : runtimes.length * kinds.length;
const estimateS = Math.round(
  (method.pairs * runtimes.length * sessionsMs + discarded * (700 + overheadMs(scenarios[0]))) / 1000,
);
const duration = (s) => (s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`);

const fmt = (n, digits = 0) => (n === undefined ? "-" : n.toLocaleString("en-US", { maximumFractionDigits: digits }));
const write = (line) => process.stdout.write(`${line}\n`);
write(
  `tcp-echo benchmark (${label}): ${sessions} sessions, ${method.pairs} pair(s) per cell, ${method.warmupMs} ms warm-up + ${method.durationMs} ms measured each; estimated time ${duration(estimateS)}`,
);
write(
  `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, ${kernelOf(machine)}`,
);
write(
  `runtimes: node ${machine.runtimes.node}, deno ${machine.runtimes.deno}, bun ${machine.runtimes.bun}; client: ${loadgen.cc}; pinning: ${method.pinning}`,
);
write(
  `load average (1, 5, 15 min): ${machine.loadAverageStart.join(", ")}${method.note ? `; note: ${method.note}` : ""}`,
);
if (method.baseline !== undefined)
  write(
    `control: tcp-echo from ${method.baseline.dir} (commit ${method.baseline.commit ?? "unknown"}), against this tree's`,
  );
if (!pinned) write("warning: server and client share CPUs: the figures are not comparable to a pinned run");
if (machine.tcpCongestionControl === "bbr" && scenarios.some((s) => s.transport === "tcp" || s.transport === "tls"))
  write(
    "warning: TCP congestion control is bbr: under it, one server's loopback TCP stream sessions have run two to three times apart; judge TCP streams over more pairs (benchmarks/README.md)",
  );
if (machine.loadAverageStart[0] >= 0.5)
  write("warning: other work is running (load average above 0.5): expect noisy figures, and say so with --note");

const session = (runtime, kind, scenario) => ({
  root,
  loadgen: loadgen.path,
  bin,
  runtime,
  kind,
  scenario,
  ...loadTiming(scenario, method),
  settleMs: method.settleMs,
  cpus,
  certificates,
  baseline: args.baseline,
});

// A discarded round first: disk caches, Deno's module graph and the CPU frequency settle.
if (!quick) {
  write("warm-up round (discarded)");
  for (const runtime of runtimes) {
    for (const kind of sidesOf(scenarios[0]))
      await runSession({ ...session(runtime, kind, scenarios[0]), warmupMs: 200, durationMs: 500 });
  }
}

const samples = [];
// `run` numbers the pair: one pair per cell in each pass over the matrix, so a disturbance that
// lasts a minute touches one pair of many cells rather than many pairs of one.
for (let run = 1; run <= method.pairs; run++) {
  for (const scenario of scenarios) {
    for (const runtime of runtimes) {
      // Whoever runs second in a pair inherits a warmer machine (page cache, CPU frequency, the
      // first one's exited process being reaped): alternating the order cancels that out.
      const sides = sidesOf(scenario);
      for (const kind of run % 2 === 1 ? sides : [...sides].reverse()) {
        const sample = { run, ...(await runSession(session(runtime, kind, scenario))) };
        samples.push(sample);
        const head = `[${run}/${method.pairs}] ${runtime.padEnd(4)} ${scenario.short.padEnd(22)} ${kind.padEnd(9)}`;
        if (!sample.ok) {
          write(`${head} FAILED: ${sample.error}`);
          if (sample.stderr) write(sample.stderr.replace(/^/gm, "    | "));
          continue;
        }
        const c = sample.client;
        const f = sample.serverFigures;
        const udp = scenario.transport === "udp";
        write(
          `${head} ${fmt(c.messagesPerSec).padStart(9)} ${udp ? "dgram/s" : scenario.reconnect ? "conn/s" : "msg/s"} ${fmt(c.mibPerSec, 1).padStart(7)} MiB/s` +
            (udp ? `  loss ${fmt(c.udp.loss * 100, 3)}% (${fmt(c.udp.lost)} of ${fmt(c.udp.sent)})` : "") +
            `  p50 ${fmt(c.latencyUs.p50, 1)} p99 ${fmt(c.latencyUs.p99, 1)} p99.9 ${fmt(c.latencyUs.p999, 1)} us` +
            `  server ${fmt(f.cpuPercent)}% cpu, peak ${fmt(f.peakRssKiB / 1024, 1)} MiB` +
            (measuresIdleMemory(scenario) ? `, ${fmt(f.idleBytesPerConnection / 1024, 2)} KiB/idle conn` : "") +
            `  client ${fmt(c.client.cpuPercent)}% cpu (${fmt((c.client.cpuUserMs / c.windowMs) * 100)}% user)` +
            (f.workers === undefined ? "" : `  ${workersLine(f.workers, c.windowMs)}`),
        );
      }
    }
  }
}

/** Per worker of one session: its connections and its CPU, and the supervisor's CPU. */
function workersLine(figures, windowMs) {
  const pct = (ms) => (ms === undefined ? "-" : `${fmt((ms / windowMs) * 100)}%`);
  const each = figures.workers.map((w) => `w${w.worker} ${fmt(w.connections)} conn ${pct(w.cpuMs)} cpu`);
  return `${each.join(", ")}; supervisor ${pct(figures.supervisorCpuMs)} cpu`;
}

const finishedAt = new Date();
machine.loadAverageEnd = load();
const result = {
  schema: 2,
  kind: label,
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  elapsedS: Math.round((finishedAt - startedAt) / 1000),
  machine,
  loadgen: { cc: loadgen.cc, cflags: loadgen.cflags, libs: loadgen.libs },
  method,
  scenarios,
  samples,
  summary: summarize(samples),
};

mkdirSync(outDir, { recursive: true });
const stamp = startedAt.toISOString().replace(/\..*$/, "Z").replaceAll(":", "-");
const json = `${JSON.stringify(result, null, 2)}\n`;
const files = [];
if (!quick) {
  writeFileSync(join(outDir, `${stamp}.json`), json);
  files.push(join(outDir, `${stamp}.json`));
}
if (quick || complete || args.out !== undefined) {
  writeFileSync(join(outDir, "latest.json"), json);
  files.push(join(outDir, "latest.json"), ...renderAll(result, outDir).map((name) => join(outDir, name)));
}
const readme = join(root, "README.md");
// The README shows only what the issue calls a result: the whole matrix, at least 5 pairs.
const readmeWorthy = !quick && complete && method.pairs >= 5 && args.out === undefined;
if (readmeWorthy && updateReadme(readme, result, outDir)) files.push(readme);

write("");
write(renderMarkdown(result));
write(
  `wrote ${files.map((f) => relative(process.cwd(), f)).join(", ")} in ${duration(result.elapsedS)} (estimated ${duration(estimateS)})`,
);
const failures = result.summary.failures;
if (failures.length > 0) {
  write(`${failures.length} session(s) failed`);
  process.exitCode = 1;
}
