/**
 * From raw samples to what the report says: per scenario and runtime, the median and spread of
 * each figure for ours and the control, the ratios taken pair by pair within one run, a bootstrap
 * interval for the throughput and p99 ratios and for the differences (UDP loss, memory per idle
 * connection), and a verdict per target. Pure: render.mjs recomputes it from a results file, so an
 * older file is judged by today's rules.
 */
import { bootstrapMedian } from "./interval.mjs";
import { COMPARISON_SCENARIOS, COMPARISONS, MEMORY_SCENARIO, measuresIdleMemory, SCENARIOS } from "./scenarios.mjs";
import { RUNTIMES } from "./servers.mjs";
import { transportShares } from "./transport-share.mjs";
import {
  idleMemoryAllowanceKiB,
  idleMemoryVerdict,
  lossVerdict,
  MIN_PAIRS,
  p99Verdict,
  TARGETS,
  throughputVerdict,
} from "./verdict.mjs";

/** The load client's CPU share from which its own limit may be what a figure measures. */
export const CLIENT_BOUND_PERCENT = 90;

/** Each figure read from a sample, by name. */
export const METRICS = Object.freeze({
  messagesPerSec: (s) => s.client.messagesPerSec,
  mibPerSec: (s) => s.client.mibPerSec,
  meanUs: (s) => s.client.latencyUs.mean,
  p50Us: (s) => s.client.latencyUs.p50,
  p99Us: (s) => s.client.latencyUs.p99,
  p999Us: (s) => s.client.latencyUs.p999,
  serverCpuPercent: (s) => s.serverFigures.cpuPercent,
  serverCpuUsPerMessage: (s) => s.serverFigures.cpuUsPerMessage,
  clientCpuPercent: (s) => s.client.client.cpuPercent,
  clientUserCpuPercent: (s) => (s.client.client.cpuUserMs / s.client.windowMs) * 100,
  peakRssKiB: (s) => s.serverFigures.peakRssKiB,
  idleBytesPerConnection: (s) => s.serverFigures.idleBytesPerConnection,
  // The whole RSS's growth per connection, file-backed pages included: information only.
  idleRssBytesPerConnection: (s) => s.serverFigures.idleRssBytesPerConnection,
  // UDP only (undefined, so left out, elsewhere): lost / sent over the datagrams sent in the
  // measured window; datagrams lost in the whole session; and of those, how many the kernel
  // dropped at a full receive buffer (system-wide, the client's or the server's).
  loss: (s) => s.client.udp?.loss,
  lostDatagrams: (s) => s.client.udp?.totalLost,
  kernelRcvbufErrors: (s) => s.client.udp?.kernelRcvbufErrors ?? undefined,
});

/**
 * The ratios taken pair by pair: ours / control within the same run. The memory ratios and the
 * mean round trip's are information: the idle memory target is judged on a difference (see
 * `idleExcessKiB`), peak RSS has none, and the mean round trip follows the throughput (Little's law).
 */
const RATIOS = Object.freeze({
  throughput: "messagesPerSec",
  meanLatency: "meanUs",
  p99: "p99Us",
  cpuPerMessage: "serverCpuUsPerMessage",
  peakMemory: "peakRssKiB",
  idleMemory: "idleBytesPerConnection",
});

/** The ratios with a bootstrap interval, for their verdicts; a memory-only scenario has neither. */
const INTERVALS = Object.freeze(["throughput", "p99"]);

/** Bytes in a KiB: the memory target's unit. */
const KIB = 1024;

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
 * p99 and every ratio, by run; for UDP also both sides' loss and `lossExcess`, ours' minus the
 * control's; where the scenario holds connections open (see measuresIdleMemory()) both sides'
 * `idleKiB` per connection and `idleExcessKiB`, ours' minus the control's), the ratios' medians
 * and ranges, and the bootstrap intervals of the throughput and p99 ratios (none for a
 * memory-only scenario) and of the differences (`intervals`); each target has its verdict.
 * `transports` has each TLS and unix scenario's throughput as a share of plain TCP's (see
 * transport-share.mjs).
 * `comparisons` has the comparisons' cells (tcp-echo against itself; see comparisonsOf()).
 * @param {object[]} samples every session of the run, `run` numbering the A B pairs
 * @returns {{ rows: object[], targets: object[], failures: object[], headroom: object[], transports: import("./transport-share.mjs").TransportShare[], comparisons: object[] }}
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
      const udp = scenario.transport === "udp";
      const memory = measuresIdleMemory(scenario);
      const idleKiB = (s) => METRICS.idleBytesPerConnection(s) / KIB;
      const figuresOf = (s) => ({
        messagesPerSec: METRICS.messagesPerSec(s),
        p99Us: METRICS.p99Us(s),
        ...(udp ? { loss: METRICS.loss(s) } : {}),
        ...(memory ? { idleKiB: idleKiB(s) } : {}),
      });
      const perPair = pairsOf(mine).map(([a, b]) => ({
        run: a.run,
        ours: figuresOf(a),
        control: figuresOf(b),
        ratios: Object.fromEntries(
          Object.entries(RATIOS).map(([name, metric]) => [name, METRICS[metric](a) / METRICS[metric](b)]),
        ),
        ...(udp ? { lossExcess: METRICS.loss(a) - METRICS.loss(b) } : {}),
        ...(memory ? { idleExcessKiB: idleKiB(a) - idleKiB(b) } : {}),
      }));
      const ratios = Object.fromEntries(
        Object.keys(RATIOS).map((name) => [name, describe(perPair.map((p) => p.ratios[name]))]),
      );
      const intervals = Object.fromEntries(
        (scenario.memoryOnly ? [] : INTERVALS).map((name) => [
          name,
          bootstrapMedian(perPair.map((p) => p.ratios[name])),
        ]),
      );
      if (udp) intervals.lossExcess = bootstrapMedian(perPair.map((p) => p.lossExcess));
      if (memory) intervals.idleExcessKiB = bootstrapMedian(perPair.map((p) => p.idleExcessKiB));
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
    // A memory-only scenario's short load says nothing of the client's headroom.
    const best = rows
      .filter((r) => r.scenario === scenario.id && !scenario.memoryOnly)
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
  return {
    rows,
    targets,
    failures,
    headroom,
    transports: transportShares(samples),
    comparisons: comparisonsOf(samples),
  };
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

function lossTarget(i, row) {
  const { maxExcess } = TARGETS.loss;
  const allowance = `${(maxExcess * 100).toFixed(1)}-point allowance`;
  const verdict = lossVerdict(i);
  const why = {
    met: `the whole interval within the ${allowance}`,
    missed: `${lossPoints(i.estimate - maxExcess, false)} over the ${allowance}, the whole interval over it`,
    undecided: i.n < MIN_PAIRS ? fewPairs(i) : `the interval reaches both sides of the ${allowance}`,
  }[verdict];
  const side = (kind) => `${lossPct(row[kind].loss?.median)}`;
  return {
    verdict,
    text:
      `loss ${side("ours")} against the control's ${side("control")}, ours minus the control's ` +
      `${lossPoints(i.estimate)} [${lossPoints(i.low)}, ${lossPoints(i.high)}]: ${verdict}, ${why}`,
  };
}

function idleMemoryTarget(i, row) {
  const allowance = idleMemoryAllowanceKiB(row.runtime);
  const verdict = idleMemoryVerdict(i, row.runtime);
  const why = {
    met: "the whole interval at or under it",
    missed: `${kibDelta(i.estimate - allowance, false)} KiB over it, the whole interval over it`,
    undecided: i.n < MIN_PAIRS ? fewPairs(i) : "the interval reaches both sides of it",
  }[verdict];
  const side = (kind) => kibPerConnection(row[kind].idleBytesPerConnection?.median);
  return {
    verdict,
    text:
      `memory per idle connection ${side("ours")} / ${side("control")} KiB (ours / control), ` +
      `${kibInterval(i)} KiB: ${verdict} (allowance ${allowance} KiB), ${why}`,
  };
}

/**
 * What the idle memory target asks on a runtime, in the words.
 * @param {import("./servers.mjs").RuntimeName} runtime
 * @returns {string}
 * @example
 * ```js
 * assert.equal(idleMemoryGoal("node"), "at or below control");
 * assert.equal(idleMemoryGoal("bun"), "within 0.5 KiB of control");
 * ```
 */
export function idleMemoryGoal(runtime) {
  const allowance = idleMemoryAllowanceKiB(runtime);
  return allowance === 0 ? "at or below control" : `within ${allowance} KiB of control`;
}

/** Bytes per connection as KiB, to 2 decimals; `-` for none. */
export const kibPerConnection = (bytes) => (bytes === undefined ? "-" : (bytes / KIB).toFixed(2));
/**
 * A difference in KiB to 2 decimals, signed unless `signed` is false; one that rounds to 0 has no sign.
 * @param {number} x
 * @param {boolean} [signed]
 * @returns {string}
 * @example
 * ```js
 * assert.equal(kibDelta(0.271), "+0.27");
 * assert.equal(kibDelta(-0.001), "0.00");
 * ```
 */
export function kibDelta(x, signed = true) {
  const text = Math.abs(x).toFixed(2);
  if (!signed || Number(text) === 0) return text;
  return `${x > 0 ? "+" : "-"}${text}`;
}

/** A difference in KiB with its interval: `+0.27 [+0.05, +0.51]`. */
export const kibInterval = (i) => `${kibDelta(i.estimate)} [${kibDelta(i.low)}, ${kibDelta(i.high)}]`;

/** A loss as a percentage, to 3 decimals: 0.001% is one datagram in 100,000. */
export const lossPct = (x) => (x === undefined ? "-" : `${(x * 100).toFixed(3)}%`);
/** A difference of losses in percentage points, signed. */
export function lossPoints(x, signed = true) {
  const text = `${(Math.abs(x) * 100).toFixed(3)} points`;
  if (!signed) return text;
  return `${x > 0 ? "+" : x < 0 ? "-" : ""}${text}`;
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
  const loss = row.intervals.lossExcess;
  if (loss !== undefined) {
    const { verdict, text } = lossTarget(loss, row);
    out.push({
      ...base,
      target: `loss no higher than control (+${(TARGETS.loss.maxExcess * 100).toFixed(1)} point)`,
      ...interval(loss),
      verdict,
      met: verdict === "met",
      text,
    });
  }
  const idle = row.intervals.idleExcessKiB;
  if (scenario.id === MEMORY_SCENARIO && idle !== undefined) {
    const { verdict, text } = idleMemoryTarget(idle, row);
    out.push({
      ...base,
      target: `memory per idle connection ${idleMemoryGoal(row.runtime)}`,
      ...interval(idle),
      verdict,
      met: verdict === "met",
      text,
    });
  }
  return out;
}

/** The ratios a comparison takes pair by pair: its second side over its first (the baseline). */
const COMPARISON_RATIOS = Object.freeze({
  throughput: "messagesPerSec",
  p99: "p99Us",
  cpuPerMessage: "serverCpuUsPerMessage",
  peakMemory: "peakRssKiB",
});

/** Each worker's figures in one session of --workers: connections and CPU as shares of all workers'. */
function workerShares(sample) {
  const workers = sample.serverFigures?.workers?.workers;
  if (!Array.isArray(workers) || workers.length === 0) return undefined;
  const windowMs = Number(sample.client.windowMs);
  const connections = workers.reduce((sum, w) => sum + w.connections, 0);
  const cpuMs = workers.reduce((sum, w) => sum + (w.cpuMs ?? 0), 0);
  return workers.map((w) => ({
    worker: w.worker,
    connections: w.connections,
    connectionShare: connections > 0 ? w.connections / connections : undefined,
    cpuPercent: w.cpuMs === undefined || !windowMs ? undefined : (w.cpuMs / windowMs) * 100,
    cpuShare: cpuMs > 0 && w.cpuMs !== undefined ? w.cpuMs / cpuMs : undefined,
  }));
}

/**
 * How evenly one side's workers shared the load, over its sessions: per worker id, its
 * connections and its CPU (% of a core over the measured window), and per session the busier
 * worker's share of the connections and of the workers' CPU time (50% is an even split), and
 * the supervisor's own CPU.
 * @param {object[]} sessions one side's sessions
 * @returns {object | undefined} undefined when no session counted its workers
 */
function balanceOf(sessions) {
  const shares = sessions.map(workerShares).filter((x) => x !== undefined);
  if (shares.length === 0) return undefined;
  const ids = [...new Set(shares.flatMap((list) => list.map((w) => w.worker)))].sort((a, b) => a - b);
  const of = (list, id) => list.find((w) => w.worker === id);
  const busiest = (key) => shares.map((list) => Math.max(...list.map((w) => w[key] ?? Number.NaN)));
  const windowPercent = (s) => (s.serverFigures.workers.supervisorCpuMs / Number(s.client.windowMs)) * 100;
  return {
    sessions: shares.length,
    sharing: sessions.find((s) => s.sharing !== undefined)?.sharing,
    perWorker: ids.map((id) => ({
      worker: id,
      connections: describe(shares.map((list) => of(list, id)?.connections)),
      connectionShare: describe(shares.map((list) => of(list, id)?.connectionShare)),
      cpuPercent: describe(shares.map((list) => of(list, id)?.cpuPercent)),
      cpuShare: describe(shares.map((list) => of(list, id)?.cpuShare)),
    })),
    busiestConnectionShare: describe(busiest("connectionShare")),
    busiestCpuShare: describe(busiest("cpuShare")),
    supervisorCpuPercent: describe(
      sessions.filter((s) => s.serverFigures?.workers?.supervisorCpuMs !== undefined).map(windowPercent),
    ),
  };
}

/**
 * The comparisons' cells: per scenario and runtime, tcp-echo on the comparison's two sides
 * (2 workers and 1; with a PROXY header and without), the same figures as a row of the matrix,
 * the second side over the first pair by pair with the throughput and p99 intervals, and no
 * verdict: a comparison has no target. Sides with workers add how evenly those shared the load.
 * @param {object[]} samples every session of the run
 * @returns {object[]}
 */
export function comparisonsOf(samples) {
  const out = [];
  for (const scenario of COMPARISON_SCENARIOS) {
    const comparison = COMPARISONS[scenario.compare];
    const [first, second] = comparison.sides.map((side) => side.id);
    for (const runtime of RUNTIMES) {
      const mine = samples.filter((s) => s.scenario === scenario.id && s.runtime === runtime && s.ok);
      if (mine.length === 0) continue;
      const side = (id) => {
        const list = mine.filter((s) => s.server === id);
        return {
          ...Object.fromEntries(Object.entries(METRICS).map(([name, read]) => [name, describe(list.map(read))])),
          balance: balanceOf(list),
        };
      };
      const byRun = new Map();
      for (const s of mine) byRun.set(s.run, { ...byRun.get(s.run), [s.server]: s });
      const perPair = [...byRun.values()]
        .filter((p) => p[first] && p[second])
        .map((p) => ({
          run: p[first].run,
          base: { messagesPerSec: METRICS.messagesPerSec(p[first]), p99Us: METRICS.p99Us(p[first]) },
          test: { messagesPerSec: METRICS.messagesPerSec(p[second]), p99Us: METRICS.p99Us(p[second]) },
          ratios: Object.fromEntries(
            Object.entries(COMPARISON_RATIOS).map(([name, metric]) => [
              name,
              METRICS[metric](p[second]) / METRICS[metric](p[first]),
            ]),
          ),
        }));
      out.push({
        scenario: scenario.id,
        runtime,
        compare: comparison.id,
        sides: [first, second],
        pairs: perPair.length,
        base: side(first),
        test: side(second),
        ratios: Object.fromEntries(
          Object.keys(COMPARISON_RATIOS).map((name) => [name, describe(perPair.map((p) => p.ratios[name]))]),
        ),
        intervals: {
          throughput: bootstrapMedian(perPair.map((p) => p.ratios.throughput)),
          p99: bootstrapMedian(perPair.map((p) => p.ratios.p99)),
        },
        perPair,
      });
    }
  }
  return out;
}
