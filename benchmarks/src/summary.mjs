/**
 * From raw samples to what the report says: per scenario and runtime, the median and spread of
 * each figure for ours and the control, the ratios taken pair by pair within one run, a bootstrap
 * interval for the throughput and p99 ratios, and a verdict per target. Pure: render.mjs
 * recomputes it from a results file, so an older file is judged by today's rules.
 */
import { bootstrapMedian } from "./interval.mjs";
import { MEMORY_SCENARIO, SCENARIOS } from "./scenarios.mjs";
import { RUNTIMES } from "./servers.mjs";
import { transportShares } from "./transport-share.mjs";
import { MIN_PAIRS, p99Verdict, TARGETS, throughputVerdict } from "./verdict.mjs";

/** The load client's CPU share from which its own limit may be what a figure measures. */
export const CLIENT_BOUND_PERCENT = 90;

/** Each figure read from a sample, by name. */
export const METRICS = Object.freeze({
  messagesPerSec: (s) => s.client.messagesPerSec,
  mibPerSec: (s) => s.client.mibPerSec,
  p50Us: (s) => s.client.latencyUs.p50,
  p99Us: (s) => s.client.latencyUs.p99,
  p999Us: (s) => s.client.latencyUs.p999,
  serverCpuPercent: (s) => s.serverFigures.cpuPercent,
  serverCpuUsPerMessage: (s) => s.serverFigures.cpuUsPerMessage,
  clientCpuPercent: (s) => s.client.client.cpuPercent,
  clientUserCpuPercent: (s) => (s.client.client.cpuUserMs / s.client.windowMs) * 100,
  peakRssKiB: (s) => s.serverFigures.peakRssKiB,
  idleBytesPerConnection: (s) => s.serverFigures.idleBytesPerConnection,
});

/** The ratios taken pair by pair: ours / control within the same run. */
const RATIOS = Object.freeze({
  throughput: "messagesPerSec",
  p99: "p99Us",
  cpuPerMessage: "serverCpuUsPerMessage",
  peakMemory: "peakRssKiB",
  idleMemory: "idleBytesPerConnection",
});

/**
 * The ratios whose verdict rests on a bootstrap interval. Memory is left to its median: its pair
 * ratios scatter by about 2 points, against 10 to 30 for throughput and p99.
 */
const INTERVALS = Object.freeze(["throughput", "p99"]);

/**
 * The pairs each cell was asked for: `method.pairs`, or `method.runs` in files of schema 1.
 * @param {{ pairs?: number, runs?: number }} method a results file's `method`
 * @returns {number | undefined}
 */
export function pairCount(method) {
  return method.pairs ?? method.runs;
}

/**
 * Median, range and relative spread of numbers.
 * @param {number[]} values
 * @returns {{ n: number, median: number, min: number, max: number, spread: number } | undefined}
 *   spread is (max - min) / median; undefined for no values
 */
export function describe(values) {
  const finite = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const mid = finite.length >> 1;
  const median = finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
  const min = finite[0];
  const max = finite[finite.length - 1];
  return { n: finite.length, median, min, max, spread: median === 0 ? 0 : (max - min) / Math.abs(median) };
}

/**
 * Summarize a run's samples. Each row keeps its pairs (`perPair`: both sides' throughput and
 * p99 and every ratio, by run), the ratios' medians and ranges, and the bootstrap intervals of
 * the throughput and p99 ratios (`intervals`); each target has its verdict. `transports` has each
 * TLS and unix scenario's throughput as a share of plain TCP's (see transport-share.mjs).
 * @param {object[]} samples every session of the run, `run` numbering the A B pairs
 * @returns {{ rows: object[], targets: object[], failures: object[], headroom: object[], transports: import("./transport-share.mjs").TransportShare[] }}
 */
export function summarize(samples) {
  const rows = [];
  const targets = [];
  const headroom = [];
  const failures = samples
    .filter((s) => !s.ok)
    .map(({ runtime, server, scenario, run, error }) => ({ runtime, server, scenario, run, error }));
  for (const scenario of SCENARIOS) {
    for (const runtime of RUNTIMES) {
      const mine = samples.filter((s) => s.scenario === scenario.id && s.runtime === runtime && s.ok);
      if (mine.length === 0) continue;
      const side = (kind) => {
        const list = mine.filter((s) => s.server === kind);
        return Object.fromEntries(Object.entries(METRICS).map(([name, read]) => [name, describe(list.map(read))]));
      };
      const perPair = pairsOf(mine).map(([a, b]) => ({
        run: a.run,
        ours: { messagesPerSec: METRICS.messagesPerSec(a), p99Us: METRICS.p99Us(a) },
        control: { messagesPerSec: METRICS.messagesPerSec(b), p99Us: METRICS.p99Us(b) },
        ratios: Object.fromEntries(
          Object.entries(RATIOS).map(([name, metric]) => [name, METRICS[metric](a) / METRICS[metric](b)]),
        ),
      }));
      const ratios = Object.fromEntries(
        Object.keys(RATIOS).map((name) => [name, describe(perPair.map((p) => p.ratios[name]))]),
      );
      const intervals = Object.fromEntries(
        INTERVALS.map((name) => [name, bootstrapMedian(perPair.map((p) => p.ratios[name]))]),
      );
      const ours = side("ours");
      const control = side("control");
      const clientCpu = Math.max(ours.clientCpuPercent?.max ?? 0, control.clientCpuPercent?.max ?? 0);
      const clientBound = clientCpu >= CLIENT_BOUND_PERCENT ? clientCpu : undefined;
      const row = {
        scenario: scenario.id,
        runtime,
        pairs: perPair.length,
        ours,
        control,
        ratios,
        intervals,
        perPair,
        clientBound,
      };
      rows.push(row);
      targets.push(...targetsOf(row, scenario));
    }
    const best = rows
      .filter((r) => r.scenario === scenario.id)
      .flatMap((r) => ["ours", "control"].map((kind) => ({ r, kind, rate: r[kind].messagesPerSec?.median ?? 0 })))
      .sort((a, b) => b.rate - a.rate)[0];
    if (best !== undefined) {
      headroom.push({
        scenario: scenario.id,
        runtime: best.r.runtime,
        server: best.kind,
        messagesPerSec: best.rate,
        serverCpuPercent: best.r[best.kind].serverCpuPercent?.median,
        clientCpuPercent: best.r[best.kind].clientCpuPercent?.median,
        clientUserCpuPercent: best.r[best.kind].clientUserCpuPercent?.median,
        clientBound: (best.r[best.kind].clientCpuPercent?.median ?? 0) >= CLIENT_BOUND_PERCENT,
      });
    }
  }
  return { rows, targets, failures, headroom, transports: transportShares(samples) };
}

function pairsOf(samples) {
  const byRun = new Map();
  for (const s of samples) {
    const pair = byRun.get(s.run) ?? {};
    pair[s.server] = s;
    byRun.set(s.run, pair);
  }
  return [...byRun.values()].filter((p) => p.ours && p.control).map((p) => [p.ours, p.control]);
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const whole = (x) => `${Math.round(x * 100)}%`;
const points = (x) => `${(Math.abs(x) * 100).toFixed(1)} points`;
const span = (i) => `[${pct(i.low)}, ${pct(i.high)}]`;
const fewPairs = (i) => `${i.n} pair${i.n === 1 ? "" : "s"}, a verdict needs ${MIN_PAIRS}`;

function throughputTarget(i) {
  const { min, floor } = TARGETS.throughput;
  const verdict = throughputVerdict(i);
  const why = {
    met: `at least ${whole(min)} with the interval above ${whole(floor)}`,
    missed: `${points(min - i.estimate)} short of ${whole(min)}, the whole interval below it`,
    undecided:
      i.n < MIN_PAIRS
        ? fewPairs(i)
        : i.estimate < min
          ? `the interval reaches ${whole(min)}`
          : `the interval reaches down to ${whole(floor)}`,
  }[verdict];
  return { verdict, text: `${pct(i.estimate)} ${span(i)} of the control's throughput: ${verdict}, ${why}` };
}

function p99Target(i) {
  const { max } = TARGETS.p99;
  const allowance = `${whole(max - 1)} allowance`;
  const verdict = p99Verdict(i);
  const why = {
    met: `the whole interval within the ${allowance}`,
    missed: `${points(i.estimate - max)} over the ${allowance}, the whole interval over it`,
    undecided: i.n < MIN_PAIRS ? fewPairs(i) : `the interval reaches both sides of ${whole(max)}`,
  }[verdict];
  return { verdict, text: `p99 at ${pct(i.estimate)} ${span(i)} of the control's: ${verdict}, ${why}` };
}

function targetsOf(row, scenario) {
  const out = [];
  const base = { scenario: row.scenario, runtime: row.runtime };
  const interval = (i) => ({ value: i.estimate, interval: { low: i.low, high: i.high }, pairs: i.n });
  const throughput = row.intervals.throughput;
  if (throughput !== undefined) {
    const { verdict, text } = throughputTarget(throughput);
    out.push({
      ...base,
      target: `throughput >= ${whole(TARGETS.throughput.min)} of control`,
      ...interval(throughput),
      verdict,
      met: verdict === "met",
      text:
        text +
        (row.clientBound === undefined
          ? ""
          : ` (the load client reached ${Math.round(row.clientBound)}% CPU here: the faster side may be held at the client's ceiling)`),
    });
  }
  const p99 = row.intervals.p99;
  if (p99 !== undefined) {
    const { verdict, text } = p99Target(p99);
    out.push({
      ...base,
      target: `p99 within ${whole(TARGETS.p99.max - 1)} of control`,
      ...interval(p99),
      verdict,
      met: verdict === "met",
      text,
    });
  }
  if (scenario.id === MEMORY_SCENARIO) {
    for (const [key, label] of [
      ["idleMemory", "memory per idle connection"],
      ["peakMemory", "peak RSS"],
    ]) {
      const ratio = row.ratios[key]?.median;
      if (ratio === undefined) continue;
      const met = ratio <= TARGETS[key].max;
      out.push({
        ...base,
        target: `${label} within ${whole(TARGETS[key].max - 1)} of control`,
        value: ratio,
        verdict: met ? "met" : "missed",
        met,
        text: `${label} ${ratio >= 1 ? `${pct(ratio - 1)} above` : `${pct(1 - ratio)} below`} the control's${met ? "" : `: ${points(ratio - TARGETS[key].max)} over the ${whole(TARGETS[key].max - 1)} allowance`}`,
      });
    }
  }
  return out;
}
