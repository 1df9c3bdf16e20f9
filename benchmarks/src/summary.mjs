/**
 * From raw samples to what the report says: per scenario and runtime, the median and spread of
 * each figure for ours and the control, the ratios taken pair by pair within one run, and the
 * targets with how far each one is missed. Pure: render.mjs recomputes it from a results file.
 */
import { MEMORY_SCENARIO, SCENARIOS } from "./scenarios.mjs";
import { RUNTIMES } from "./servers.mjs";

/** The issue's targets, as limits on ours / control. */
export const TARGETS = Object.freeze({
  throughput: { min: 0.97 },
  p99: { max: 1.05 },
  idleMemory: { max: 1.1 },
  peakMemory: { max: 1.1 },
});

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
 * Summarize a run's samples.
 * @param {object[]} samples every session of the run, `run` numbering the A B pairs
 * @returns {{ rows: object[], targets: object[], failures: object[], headroom: object[] }}
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
      const ratios = {};
      const pairs = pairsOf(mine);
      for (const [name, metric] of Object.entries(RATIOS)) {
        const values = pairs.map(([a, b]) => METRICS[metric](a) / METRICS[metric](b));
        ratios[name] = describe(values);
      }
      const ours = side("ours");
      const control = side("control");
      const clientCpu = Math.max(ours.clientCpuPercent?.max ?? 0, control.clientCpuPercent?.max ?? 0);
      const clientBound = clientCpu >= CLIENT_BOUND_PERCENT ? clientCpu : undefined;
      const row = { scenario: scenario.id, runtime, pairs: pairs.length, ours, control, ratios, clientBound };
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
  return { rows, targets, failures, headroom };
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

function targetsOf(row, scenario) {
  const out = [];
  const base = { scenario: row.scenario, runtime: row.runtime };
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const points = (x) => `${(Math.abs(x) * 100).toFixed(1)} points`;
  const throughput = row.ratios.throughput?.median;
  if (throughput !== undefined) {
    const met = throughput >= TARGETS.throughput.min;
    out.push({
      ...base,
      target: "throughput >= 97% of control",
      value: throughput,
      met,
      text:
        `${pct(throughput)} of the control's throughput${met ? "" : `: ${points(TARGETS.throughput.min - throughput)} short of 97%`}` +
        (row.clientBound === undefined
          ? ""
          : ` (the load client reached ${Math.round(row.clientBound)}% CPU here: the faster side may be held at the client's ceiling)`),
    });
  }
  const p99 = row.ratios.p99?.median;
  if (p99 !== undefined) {
    const met = p99 <= TARGETS.p99.max;
    out.push({
      ...base,
      target: "p99 within 5% of control",
      value: p99,
      met,
      text: `p99 ${p99 >= 1 ? `${pct(p99 - 1)} above` : `${pct(1 - p99)} below`} the control's${met ? "" : `: ${points(p99 - TARGETS.p99.max)} over the 5% allowance`}`,
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
        target: `${label} within 10% of control`,
        value: ratio,
        met,
        text: `${label} ${ratio >= 1 ? `${pct(ratio - 1)} above` : `${pct(1 - ratio)} below`} the control's${met ? "" : `: ${points(ratio - TARGETS[key].max)} over the 10% allowance`}`,
      });
    }
  }
  return out;
}
