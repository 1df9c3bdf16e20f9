/**
 * The results as markdown tables: throughput, latency, server cost, memory, TLS and unix sockets
 * against plain TCP, UDP loss, the targets and the client's headroom. Every figure is a median over the pairs; ranges are [min-max], intervals
 * [low, high] (95%, see interval.mjs), verdicts met, missed or undecided (see verdict.mjs).
 */
import { kernelOf } from "./machine.mjs";
import { loadTiming, MEMORY_SCENARIO, measuresIdleMemory, SCENARIOS, scenarioById } from "./scenarios.mjs";
import {
  CLIENT_BOUND_PERCENT,
  describe,
  kibInterval,
  kibPerConnection,
  lossPct,
  lossPoints,
  pairCount,
} from "./summary.mjs";
import { idleMemoryAllowanceKiB, MIN_PAIRS, SETTLING_PAIRS, TARGETS } from "./verdict.mjs";

const num = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x, digits = 1) => (x === undefined ? "-" : `${num(x * 100, digits)}%`);
const med = (d, digits) => num(d?.median, digits);
/** A median in KiB as MiB, to 1 decimal. */
const mib = (d) => num((d?.median ?? Number.NaN) / 1024, 1);
/** ` [min-max]` when there was more than one pair. */
const range = (d, f) => (d === undefined || d.n < 2 ? "" : ` [${f(d.min)}-${f(d.max)}]`);
const title = (id) => scenarioById(id)?.title ?? id;
const short = (id) => scenarioById(id)?.short ?? id;
const whole = (x) => `${Math.round(x * 100)}%`;
/** A bootstrap interval as `[low, high]`; `-` for a row summarized before intervals existed. */
const interval = (i) => (i === undefined ? "-" : `[${pct(i.low)}, ${pct(i.high)}]`);

/**
 * What the mean round trip says, beside the p99 verdict: every scenario is a closed loop, so by
 * Little's law the mean round trip is what is in flight over the throughput.
 */
const LITTLE =
  "Every load here is a closed loop (each connection or source keeps a fixed number of messages in flight), " +
  "so by Little's law the mean round trip is what is in flight over the throughput: the mean's ratio is the " +
  "inverse of the throughput's, shown beside it, and a server 3% slower is 3% slower on the mean round trip. " +
  "Where the two part (streams time a chunk from its last byte written, not from its place in the window; " +
  "a few stalls of a second weigh on a mean), the tail is the reason. What p99 adds beyond the mean is the " +
  "tail's shape: how one event loop takes turns over the connections, its collections, and the machine's noise.";

/** The median over the pairs of control / ours throughput: what the mean round trip's ratio follows. */
const inverseThroughput = (r) => describe((r.perPair ?? []).map((p) => 1 / p.ratios.throughput))?.median;

const isStream = (id) => scenarioById(id)?.mode === "stream";
const isUdp = (id) => scenarioById(id)?.transport === "udp";
/** Rows with a throughput and p99 to report: all but a memory-only scenario's. */
const loadRows = (rows) => rows.filter((r) => !scenarioById(r.scenario)?.memoryOnly);

/**
 * A throughput cell: msg/s first for ping-pong, datagrams/s for UDP, connections/s for a
 * connect-heavy load (one message each), MiB/s first for streams; `spread` adds [min-max].
 */
function rate(id, side, { spread = false } = {}) {
  const [main, other] = isStream(id) ? ["mibPerSec", "messagesPerSec"] : ["messagesPerSec", "mibPerSec"];
  const digits = { mibPerSec: 1, messagesPerSec: 0 };
  const perSecond = isUdp(id) ? "dgram/s" : scenarioById(id)?.reconnect ? "conn/s" : "msg/s";
  const unit = { mibPerSec: "MiB/s", messagesPerSec: perSecond };
  const d = side[main];
  const span = spread ? range(d, (x) => num(x, digits[main])) : "";
  return `${med(d, digits[main])}${span} ${unit[main]} (${med(side[other], digits[other])} ${unit[other]})`;
}

/** A share with its interval: `62.0% [58.1%, 65.3%]`, `-` when there is none. */
const share = (i) => (i === undefined ? "-" : `${pct(i.estimate)} ${interval(i)}`);

/**
 * Each TLS or unix scenario's throughput as a share of the TCP scenario with the same load, for
 * tcp-echo and the control, beside tcp-echo's throughput over both.
 * @param {object} result
 * @param {(share: import("./transport-share.mjs").TransportShare) => boolean} pick
 */
function shareTable(result, pick) {
  const { rows, transports = [] } = result.summary;
  const ours = (id, runtime) => {
    const side = rows.find((r) => r.scenario === id && r.runtime === runtime)?.ours;
    return side?.messagesPerSec === undefined ? "-" : rate(id, side).replace(/ \(.*\)$/, "");
  };
  const picked = transports.filter(pick);
  if (picked.length === 0) return undefined;
  return table(
    [
      ":Scenario",
      ":Runtime",
      "tcp-echo over TCP",
      "tcp-echo over this transport",
      "share of TCP, tcp-echo [95% interval]",
      "share of TCP, raw control [95% interval]",
    ],
    picked.map((t) => [
      title(t.scenario),
      t.runtime,
      ours(t.tcp, t.runtime),
      ours(t.scenario, t.runtime),
      share(t.shares.ours),
      share(t.shares.control),
    ]),
  );
}

/** A loss cell: the median with [min-max] over the pairs. */
const lossCell = (d) => (d === undefined ? "-" : `${lossPct(d.median)}${range(d, lossPct)}`);

/**
 * UDP: each side's loss (lost / sent over the datagrams sent in the measured window) with
 * ours' minus the control's, its interval and verdict, and how many datagrams the kernel
 * dropped at a full receive buffer against all that were lost in a session.
 * @param {object} result
 * @returns {string | undefined} undefined when the run has no UDP scenario
 */
function lossTable(result) {
  const { rows, targets } = result.summary;
  const udp = rows.filter((r) => isUdp(r.scenario));
  if (udp.length === 0) return undefined;
  const dropped = (side) => `${med(side.kernelRcvbufErrors)} / ${med(side.lostDatagrams)}`;
  return table(
    [
      ":Scenario",
      ":Runtime",
      "tcp-echo loss",
      "control loss",
      "ours - control [95% interval]",
      ":verdict",
      "kernel drops / lost, tcp-echo",
      "kernel drops / lost, control",
    ],
    udp.map((r) => {
      const i = r.intervals?.lossExcess;
      return [
        title(r.scenario),
        r.runtime,
        lossCell(r.ours.loss),
        lossCell(r.control.loss),
        i === undefined ? "-" : `${lossPoints(i.estimate)} [${lossPoints(i.low)}, ${lossPoints(i.high)}]`,
        verdict(targets, r, "loss"),
        dropped(r.ours),
        dropped(r.control),
      ];
    }),
  );
}

/** What the loss table says, for the text above it. */
const LOSS_METHOD =
  "Loss is lost / sent over the datagrams sent in the measured window; a datagram not echoed within " +
  "200 ms is lost (its slot is reused, so the load goes on). The target is loss no higher than the control's: " +
  "ours minus the control's, pair by pair, median with its 95% interval, met when the whole interval is at or " +
  `under +${(TARGETS.loss.maxExcess * 100).toFixed(1)} point, missed when the whole interval is over it. ` +
  "Kernel drops are the datagrams the kernel dropped at a full receive buffer (the server's or the client's; " +
  "/proc/net/snmp RcvbufErrors) against all datagrams lost in the session, medians per session: where they are " +
  "equal, every loss was a full socket buffer, none the server's own.";

/** How the shares of TCP are taken, for the text above their table. */
const shareMethod = (over) =>
  `throughput over ${over} as a share of plain TCP's under the same load (the scenario of the same title ` +
  "without the prefix), on the same runtime and server, taken pass by pass: the median with its 95% interval. " +
  "A share needs both scenarios in the run.";

/**
 * Memory per idle connection where a scenario holds connections open: both sides' KiB per
 * connection, ours minus the control's pair by pair with its interval, and on the memory scenario
 * the runtime's allowance and the verdict; then peak RSS, which has no target.
 * @param {object} result
 * @returns {string | undefined} undefined when no scenario of the run holds connections open
 */
function memoryTable(result) {
  const { rows, targets } = result.summary;
  const held = rows.filter((r) => {
    const scenario = scenarioById(r.scenario);
    return scenario !== undefined && measuresIdleMemory(scenario);
  });
  if (held.length === 0) return undefined;
  const judged = (r) => r.scenario === MEMORY_SCENARIO;
  const excess = (i) => (i === undefined ? "-" : kibInterval(i));
  const both = (r, metric) =>
    `${kibPerConnection(r.ours[metric]?.median)} / ${kibPerConnection(r.control[metric]?.median)}`;
  const anonymous = result.method.idleMemory === "RssAnon";
  return table(
    [
      ":Scenario",
      ":Runtime",
      "KiB per idle conn (ours / control)",
      "ours - control KiB [95% interval]",
      "allowance",
      ":verdict",
      ...(anonymous ? ["whole RSS KiB per conn (ours / control)"] : []),
      "peak RSS MiB (ours / control)",
      "peak RSS ours / control",
    ],
    held.map((r) => [
      title(r.scenario),
      r.runtime,
      both(r, "idleBytesPerConnection"),
      excess(r.intervals?.idleExcessKiB),
      judged(r) ? `${idleMemoryAllowanceKiB(r.runtime)} KiB` : "-",
      judged(r) ? verdict(targets, r, "memory per idle") : "-",
      ...(anonymous ? [both(r, "idleRssBytesPerConnection")] : []),
      `${mib(r.ours.peakRssKiB)} / ${mib(r.control.peakRssKiB)}`,
      pct(r.ratios.peakMemory?.median),
    ]),
  );
}

/** How memory is measured and judged, for the text above its table. */
function memoryMethod(result) {
  const scenario = scenarioById(MEMORY_SCENARIO);
  const { warmupMs, durationMs } = loadTiming(scenario, result.method);
  const { node, deno, bun } = TARGETS.idleMemory.maxExcessKiB;
  const measured =
    result.method.idleMemory === "RssAnon"
      ? "Memory per idle connection is the growth of the server's anonymous resident memory (RssAnon: its heap, " +
        "malloc and stacks, what it holds for its own data) from before the scenario's connections open to their " +
        "being open, primed with one round trip each and silent, divided by their number, in KiB. The whole RSS's " +
        "growth is shown beside it, for information: it also counts file-backed pages, mostly the runtime's own " +
        "executable paged in as its optimising compiler first runs, a one-off that does not grow with the " +
        "connections, and after the warm-up every session runs first, small (0.04-0.08 KiB a connection over " +
        "5,000 on Bun and Node.js in 15 pairs). "
      : "Memory per idle connection is the server's RSS growth from before the scenario's connections open to " +
        "their being open, primed with one round trip each and silent, divided by their number, in KiB. ";
  return (
    measured +
    `The target is judged on the ${title(MEMORY_SCENARIO)} scenario (${num(scenario.connections)} connections held; ` +
    `its load after the sample only checks that every connection still echoes: ${warmupMs} ms warm-up + ` +
    `${durationMs} ms measured, and no throughput or p99 target): ours minus the control's, pair by pair, ` +
    `the median with its 95% interval, against an allowance per runtime: ${node} KiB on Node.js and ${deno} KiB on Deno ` +
    `(at or below the control), ${bun} KiB on Bun. Met when the whole interval is at or under the allowance, ` +
    "missed when the whole interval is over it, undecided otherwise. Other scenarios show the same figures without " +
    "a verdict: the issue's target is about 5,000 held connections, and with fewer a runtime's allocations in " +
    "fixed steps (heap pages, buffer pools) weigh more on each one. " +
    "Peak RSS (VmHWM, the whole session) is information only: the issue sets no target for it."
  );
}

function table(head, rows) {
  const align = head.map((h) => (h.startsWith(":") ? ":--" : "--:"));
  const names = head.map((h) => h.replace(/^:/, ""));
  return [`| ${names.join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** A target's verdict; a summary stored before verdicts existed has only `met`. */
const verdictOf = (t) => t.verdict ?? (t.met ? "met" : "missed");

function verdict(targets, row, prefix) {
  const t = targets.find(
    (x) => x.scenario === row.scenario && x.runtime === row.runtime && x.target.startsWith(prefix),
  );
  if (t === undefined) return "-";
  const v = verdictOf(t);
  return v === "missed" ? "**missed**" : v;
}

/**
 * The undecided targets in two groups: too few pairs for any verdict (a quick run: one line says
 * so), and intervals that reach both sides of a threshold (each is listed, with a command).
 */
function undecidedOf(targets) {
  const undecided = targets.filter((t) => verdictOf(t) === "undecided");
  return {
    undecided,
    fewPairs: undecided.filter((t) => t.pairs < MIN_PAIRS),
    open: undecided.filter((t) => !(t.pairs < MIN_PAIRS)),
  };
}

/** The command that reruns the undecided cells with enough pairs to settle them. */
function settleCommand(undecided) {
  const ids = (list, key) => [...new Set(list.map((t) => t[key]))].join(",");
  return `npm run bench -- --runtimes ${ids(undecided, "runtime")} --scenarios ${ids(undecided, "scenario")} --pairs ${SETTLING_PAIRS}`;
}

/**
 * Render a results object (see bench.mjs) as markdown.
 * @param {object} result
 * @returns {string}
 */
export function renderMarkdown(result) {
  const { rows, targets, failures, headroom } = result.summary;
  const m = result.machine;
  const pairs = pairCount(result.method);
  const out = [];
  const comparisons = result.summary.comparisons ?? [];
  const compared =
    "Comparisons run tcp-echo against itself under two settings; their ratio (the second side over the first) is " +
    "taken pair by pair, and its median comes with a 95% bootstrap interval [low, high]; it has no target and no verdict.";
  out.push(
    `Run of ${result.startedAt.slice(0, 10)} (${result.kind}, ${pairs} interleaved pair${pairs === 1 ? "" : "s"} per cell, ` +
      `${result.method.warmupMs} ms warm-up + ${result.method.durationMs} ms measured per session, ${result.elapsedS} s in all) ` +
      `on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, ${kernelOf(m)}; ` +
      `node ${m.runtimes.node}, deno ${m.runtimes.deno}, bun ${m.runtimes.bun}; commit ${m.commit ?? "unknown"}. ` +
      (rows.length === 0 && comparisons.length > 0
        ? `Figures are medians with [min-max] over the pairs. ${compared} Each section says how its processes were pinned.`
        : `Pinning: ${result.method.pinning}. ${allocatorNote(result.method)}Figures are medians with [min-max] over the pairs; ` +
          `ours/control ratios are taken pair by pair, and their median comes with a 95% bootstrap interval [low, high] ` +
          `and a verdict: met, missed, or undecided when the interval cannot tell (no verdict from fewer than ${MIN_PAIRS} pairs).` +
          (comparisons.length > 0 ? ` ${compared}` : "")),
  );
  if (result.method.baseline !== undefined) out.push("", baselineNote(result.method.baseline));
  const noise = [
    m.loadAverageStart &&
      `load average ${m.loadAverageStart[0]} at the start, ${m.loadAverageEnd?.[0] ?? "-"} at the end`,
    result.method.note,
  ].filter(Boolean);
  if (noise.length > 0) out.push("", `Conditions: ${noise.join("; ")}.`);

  // A run of comparisons alone has no ours / control row: its tables are the comparisons'.
  if (rows.length > 0 || comparisons.length === 0) {
    // A run of the memory scenario alone has no throughput to show.
    const load = loadRows(rows);
    if (load.length > 0 || rows.length === 0) {
      out.push("", "### Throughput", "");
      out.push(
        "Messages per second for ping-pong, MiB/s of echoed data for streams (the other unit beside it); " +
          "medians with [min-max] over the pairs. " +
          `The target is met when ours / control is at least ${whole(TARGETS.throughput.min)} and its interval's lower end above ${whole(TARGETS.throughput.floor)}, ` +
          `missed when the interval's upper end is below ${whole(TARGETS.throughput.min)}.`,
        "",
      );
      out.push(
        table(
          [":Scenario", ":Runtime", "tcp-echo", "control", "ours / control", "95% interval", ":verdict"],
          load.map((r) => [
            title(r.scenario),
            r.runtime,
            rate(r.scenario, r.ours, { spread: true }),
            rate(r.scenario, r.control, { spread: true }),
            pct(r.ratios.throughput?.median),
            interval(r.intervals?.throughput),
            verdict(targets, r, "throughput"),
          ]),
        ),
      );

      out.push("", "### Round-trip latency (us)", "");
      out.push(
        `The p99 target is met when the whole interval of ours / control is at or under ${whole(TARGETS.p99.max)}, ` +
          "missed when the whole interval is over it. " +
          LITTLE,
        "",
      );
      const lat = (side) => `${med(side.p50Us, 1)} / ${med(side.p99Us, 1)} / ${med(side.p999Us, 1)}`;
      out.push(
        table(
          [
            ":Scenario",
            ":Runtime",
            "tcp-echo p50 / p99 / p99.9",
            "control p50 / p99 / p99.9",
            "mean ours / control (1 / throughput's)",
            "p99 ours / control",
            "95% interval",
            ":verdict",
          ],
          load.map((r) => [
            title(r.scenario),
            r.runtime,
            lat(r.ours),
            lat(r.control),
            `${pct(r.ratios.meanLatency?.median)} (${pct(inverseThroughput(r))})`,
            pct(r.ratios.p99?.median),
            interval(r.intervals?.p99),
            verdict(targets, r, "p99"),
          ]),
        ),
      );

      out.push("", "### Server cost", "");
      out.push(
        table(
          [
            ":Scenario",
            ":Runtime",
            "server CPU us/msg (ours / control)",
            "ours / control",
            "server CPU % of a core",
            "client CPU %",
            "peak RSS MiB (ours / control)",
          ],
          load.map((r) => [
            title(r.scenario),
            r.runtime,
            `${med(r.ours.serverCpuUsPerMessage, 2)} / ${med(r.control.serverCpuUsPerMessage, 2)}`,
            pct(r.ratios.cpuPerMessage?.median),
            `${med(r.ours.serverCpuPercent)} / ${med(r.control.serverCpuPercent)}`,
            `${med(r.ours.clientCpuPercent)} / ${med(r.control.clientCpuPercent)}`,
            `${mib(r.ours.peakRssKiB)} / ${mib(r.control.peakRssKiB)}`,
          ]),
        ),
      );
    }

    const memory = memoryTable(result);
    if (memory !== undefined)
      out.push("", "### Memory per idle connection and peak memory", "", memoryMethod(result), "", memory);

    const shares = shareTable(result, () => true);
    if (shares !== undefined) {
      out.push("", "### TLS and unix sockets against plain TCP", "");
      out.push(
        `The ${shareMethod("TLS or a unix socket")} TLS costs encryption at both ends, this load client's included; ` +
          "a unix socket skips the TCP/IP stack.",
        "",
        shares,
      );
    }

    const losses = lossTable(result);
    if (losses !== undefined) out.push("", "### UDP: datagram loss", "", LOSS_METHOD, "", losses);

    out.push("", "### Targets", "");
    const missed = targets.filter((t) => verdictOf(t) === "missed");
    const { undecided, fewPairs, open } = undecidedOf(targets);
    if (targets.length === 0)
      out.push(
        result.summary.rows.some((r) => r.pairs > 0)
          ? "No scenario of this run has a target: its figures are information only."
          : "No pair of ours and control completed: no target could be checked.",
      );
    else if (missed.length === 0 && undecided.length === 0) out.push(`All ${targets.length} targets met.`);
    else {
      out.push(
        `${targets.length - missed.length - undecided.length} of ${targets.length} targets met, ` +
          `${missed.length} missed, ${undecided.length} undecided.`,
      );
      if (missed.length > 0) {
        out.push("", "Missed:", "");
        for (const t of missed) out.push(`- ${t.runtime}, ${title(t.scenario)}: ${t.text}.`);
      }
      if (fewPairs.length > 0)
        out.push("", `${fewPairs.length} undecided for want of pairs: a verdict needs ${MIN_PAIRS} per cell.`);
      if (open.length > 0) {
        out.push("", `Undecided: this run cannot tell. Settle them with \`${settleCommand(open)}\`.`, "");
        for (const t of open) out.push(`- ${t.runtime}, ${title(t.scenario)}: ${t.text}.`);
      }
    }

    if (headroom.length > 0) {
      out.push("", "### Load client headroom", "");
      out.push(
        "The load client's CPU use (its own core) against the fastest server of each scenario, and the part of it " +
          "spent in the client's own code (user); the rest is the kernel's TCP work for the client's end of " +
          "each loopback connection, which any client pays. " +
          `At ${CLIENT_BOUND_PERCENT}% or more the client, not the server, may set the figure; ` +
          "the server's CPU per message (above) is then the better measure of the server's cost.",
        "",
      );
      out.push(
        table(
          [
            ":Scenario",
            ":fastest server",
            "msg/s",
            "server CPU %",
            "client CPU %",
            "client user %",
            ":client headroom",
          ],
          headroom.map((h) => [
            title(h.scenario),
            `${h.runtime} ${h.server}`,
            num(h.messagesPerSec),
            num(h.serverCpuPercent),
            num(h.clientCpuPercent),
            num(h.clientUserCpuPercent),
            h.clientBound ? "**none: client-bound**" : `${num(100 - (h.clientCpuPercent ?? 100))}% of a core`,
          ]),
        ),
      );
    }
  }

  out.push(...comparisonSections(result, comparisons));

  if (failures.length > 0) {
    out.push("", "### Failed sessions", "");
    for (const f of failures) out.push(`- run ${f.run}, ${f.runtime} ${f.server}, ${title(f.scenario)}: ${f.error}`);
  }
  return out.join("\n");
}

/**
 * The short form for README.md: one line per scenario and runtime with throughput, p99 and the
 * ratios, then the missed targets. The full tables are in results/latest.md.
 * @param {object} result
 * @returns {string}
 */
export function renderHeadline(result) {
  const { rows, targets, failures, headroom } = result.summary;
  const m = result.machine;
  const out = [];
  out.push(
    `Latest full run: ${result.startedAt.slice(0, 10)}, ${pairCount(result.method)} interleaved pairs per cell of ` +
      `${result.method.warmupMs / 1000} s warm-up + ${result.method.durationMs / 1000} s measured per session; ` +
      `${m.cpuModel}, ${m.cores} cores, ${kernelOf(m)}; node ${m.runtimes.node}, deno ${m.runtimes.deno}, ` +
      `bun ${m.runtimes.bun}; commit ${m.commit ?? "unknown"}.` +
      (result.method.note ? ` Conditions: ${result.method.note}.` : ""),
    "",
  );
  out.push(
    table(
      [
        ":Scenario",
        ":Runtime",
        "tcp-echo",
        "raw control",
        "throughput ours / control [95% interval]",
        ":verdict",
        "p99 ours / control (us): ratio [95% interval]",
        ":verdict",
      ],
      loadRows(rows).map((r) => [
        title(r.scenario),
        r.runtime,
        rate(r.scenario, r.ours).replace(/ \(.*\)$/, ""),
        rate(r.scenario, r.control).replace(/ \(.*\)$/, ""),
        `${pct(r.ratios.throughput?.median)} ${interval(r.intervals?.throughput)}`,
        verdict(targets, r, "throughput"),
        `${med(r.ours.p99Us)} / ${med(r.control.p99Us)}: ${pct(r.ratios.p99?.median)} ${interval(r.intervals?.p99)}`,
        verdict(targets, r, "p99"),
      ]),
    ),
  );
  const memory = idleMemoryHeadline(result);
  if (memory !== undefined) out.push("", memory);
  const tls = shareTable(result, (t) => t.transport === "tls");
  if (tls !== undefined) out.push("", `The cost of TLS: ${shareMethod("TLS")}`, "", tls);
  const losses = lossTable(result);
  if (losses !== undefined) out.push("", `UDP datagram loss. ${LOSS_METHOD}`, "", losses);
  const missed = targets.filter((t) => verdictOf(t) === "missed");
  const { undecided, fewPairs, open } = undecidedOf(targets);
  out.push("");
  if (targets.length > 0) {
    const met = targets.length - missed.length - undecided.length;
    const name = (t) => `${t.runtime} ${short(t.scenario)} ${t.target.split(" ")[0]}`;
    out.push(
      missed.length === 0 && undecided.length === 0
        ? `All ${targets.length} targets met.`
        : `${met} of ${targets.length} targets met, ${missed.length} missed, ${undecided.length} undecided.` +
            (missed.length === 0
              ? ""
              : ` Missed: ${missed.map((t) => `${t.runtime} ${short(t.scenario)}: ${t.text}`).join("; ")}.`) +
            (fewPairs.length === 0
              ? ""
              : ` ${fewPairs.length} undecided for want of pairs (a verdict needs ${MIN_PAIRS}).`) +
            (open.length === 0
              ? ""
              : ` Undecided (the run cannot tell): ${open.map(name).join(", ")}; settle with \`${settleCommand(open)}\`.`),
    );
  }
  const busiest = [...headroom].sort((a, b) => (b.clientCpuPercent ?? 0) - (a.clientCpuPercent ?? 0))[0];
  if (busiest !== undefined) {
    const bound = headroom.filter((h) => h.clientBound).map((h) => SCENARIOS.find((s) => s.id === h.scenario)?.short);
    out.push(
      "",
      `Load client against the fastest server of each scenario: at most ${num(busiest.clientCpuPercent)}% of its core ` +
        `(${SCENARIOS.find((s) => s.id === busiest.scenario)?.short}, ${busiest.runtime} ${busiest.server}), ` +
        `of which its own code ${num(busiest.clientUserCpuPercent)}%; ` +
        (bound.length === 0
          ? `under ${CLIENT_BOUND_PERCENT}% everywhere, so the servers set the figures.`
          : `${CLIENT_BOUND_PERCENT}% or more in ${bound.join(", ")}: there the client may set the figure, and server CPU per message is the better measure.`),
    );
  }
  if (failures.length > 0) out.push("", `${failures.length} session(s) failed: see results/latest.md.`);
  return out.join("\n");
}

/**
 * The memory target for the README: per runtime of the memory scenario, both sides' KiB per idle
 * connection, ours minus the control's with its interval, and the verdict against the allowance.
 * @param {object} result
 * @returns {string | undefined} undefined when the run did not include the memory scenario
 */
function idleMemoryHeadline(result) {
  const { rows, targets } = result.summary;
  const judged = rows.filter((r) => r.scenario === MEMORY_SCENARIO && r.intervals?.idleExcessKiB !== undefined);
  if (judged.length === 0) return undefined;
  const cells = judged.map(
    (r) =>
      `${r.runtime} ${kibPerConnection(r.ours.idleBytesPerConnection?.median)} / ` +
      `${kibPerConnection(r.control.idleBytesPerConnection?.median)} KiB, ${kibInterval(r.intervals.idleExcessKiB)} KiB: ` +
      `${verdict(targets, r, "memory per idle")} (allowance ${idleMemoryAllowanceKiB(r.runtime)})`,
  );
  return (
    `Memory per idle connection, ${title(MEMORY_SCENARIO)} held (ours / control, then ours minus ` +
    `the control's [95% interval]): ${cells.join("; ")}.`
  );
}

/** A ratio with its interval: `103.2% [97.1%, 110.0%]`. */
const withInterval = (d, i) => `${pct(d?.median)} ${interval(i)}`;
/** A share of a whole, median and [min-max]: `50.4% [50.0%-52.1%]`. */
const shareRange = (d) => (d === undefined ? "-" : `${pct(d.median)}${range(d, (x) => pct(x))}`);

/**
 * The comparisons' sections: 2 workers against 1 with how evenly the workers shared the load,
 * and the cost of the PROXY header.
 * @param {object} result
 * @param {object[]} comparisons `summary.comparisons`
 * @returns {string[]} lines
 */
function comparisonSections(result, comparisons) {
  const out = [];
  const workers = comparisons.filter((c) => c.compare === "workers");
  const proxy = comparisons.filter((c) => c.compare !== "workers");
  if (workers.length > 0) out.push("", ...workersSection(result, workers));
  if (proxy.length > 0) out.push("", ...proxySection(result, proxy));
  return out;
}

/**
 * The columns every comparison table opens with: the cell, each side's rate, and the throughput
 * and p99 ratios (second side over the first) with their intervals.
 */
function comparisonColumns(c) {
  return [
    title(c.scenario),
    c.runtime,
    rate(c.scenario, c.base, { spread: true }).replace(/ \(.*\)$/, ""),
    rate(c.scenario, c.test, { spread: true }).replace(/ \(.*\)$/, ""),
    withInterval(c.ratios.throughput, c.intervals.throughput),
    `${med(c.base.p99Us, 0)} / ${med(c.test.p99Us, 0)}`,
    withInterval(c.ratios.p99, c.intervals.p99),
  ];
}

function workersSection(result, cells) {
  const m = result.machine;
  const cpus = result.method.comparisons?.workers?.pinning ?? "-";
  const client = cells.flatMap((c) => [c.base.clientCpuPercent, c.test.clientCpuPercent]).filter(Boolean);
  const clientLow = Math.min(...client.map((d) => d.median));
  const clientHigh = Math.max(...client.map((d) => d.median));
  const clientBusy = clientLow === clientHigh ? `${num(clientLow)}%` : `${num(clientLow)}-${num(clientHigh)}%`;
  const out = ["### tcp-echo with 2 workers against 1", ""];
  out.push(
    "`--workers 2` against `--workers 1` under the same load, pair by pair (2 workers / 1 worker), with the 95% " +
      "interval; there is no target. Read it for what it is on this machine: " +
      `${m.cores} cores, shared by the supervisor, the workers and the load client (pinning: ${cpus}), ` +
      `and the load client alone keeps ${clientBusy} of a core busy (medians, the client CPU column). ` +
      "A second worker can only use what the client leaves, so **on this machine 2 workers cannot be expected to double " +
      "anything**: a ratio near 100% says the cores are spent, not that the workers do not scale; a machine with " +
      "cores to spare beside its load client measures scaling. Server CPU (% of one core, so up to 200%) and peak " +
      "RSS are summed over the supervisor and its workers. Node.js 20 shares the port through node:cluster: its " +
      "supervisor (the primary) accepts every connection and passes it to a worker in turn; Deno and Bun open a " +
      "socket per worker with SO_REUSEPORT, and the kernel spreads the connections by a hash of their addresses.",
    "",
  );
  out.push(
    table(
      [
        ":Scenario",
        ":Runtime",
        "1 worker",
        "2 workers",
        "2 workers / 1 worker [95% interval]",
        "p99 us (1 / 2)",
        "p99 2 / 1 [95% interval]",
        "server CPU % (1 / 2)",
        "client CPU % (1 / 2)",
        "peak RSS MiB (1 / 2)",
      ],
      cells.map((c) => [
        ...comparisonColumns(c),
        `${med(c.base.serverCpuPercent)} / ${med(c.test.serverCpuPercent)}`,
        `${med(c.base.clientCpuPercent)} / ${med(c.test.clientCpuPercent)}`,
        `${mib(c.base.peakRssKiB)} / ${mib(c.test.peakRssKiB)}`,
      ]),
    ),
  );
  const balanced = cells.filter((c) => c.test.balance !== undefined);
  if (balanced.length === 0) return out;
  out.push(
    "",
    "How the 2 workers shared the load, over the 2-worker sessions: each worker's connections (counted from the " +
      "`open` events of the JSON log, which carry the worker's id, between the warm-up load and the end) and its CPU " +
      "over the measured window (/proc), and per session the busier worker's share of both (50% is an even split), " +
      "medians with [min-max]; then the supervisor's own CPU with 1 worker and with 2.",
    "",
    table(
      [
        ":Scenario",
        ":Runtime",
        ":port shared by",
        "connections (worker 1 / worker 2)",
        "busier worker's share of connections",
        "CPU % of a core (worker 1 / worker 2)",
        "busier worker's share of CPU",
        "supervisor CPU % (1 worker / 2)",
      ],
      balanced.map((c) => {
        const b = c.test.balance;
        const each = (key, digits) => b.perWorker.map((w) => med(w[key], digits)).join(" / ");
        return [
          title(c.scenario),
          c.runtime,
          b.sharing ?? "-",
          each("connections", 0),
          shareRange(b.busiestConnectionShare),
          each("cpuPercent", 0),
          shareRange(b.busiestCpuShare),
          `${med(c.base.balance?.supervisorCpuPercent, 1)} / ${med(b.supervisorCpuPercent, 1)}`,
        ];
      }),
    ),
  );
  return out;
}

function proxySection(result, cells) {
  const scenario = scenarioById(cells[0].scenario);
  const out = ["### The cost of the PROXY header", ""];
  out.push(
    `Connect-heavy load: ${num(scenario?.connections)} connections at a time, each carrying one 64 B message ` +
      "(connect; the message, with the header before it in the same write; its echo; the client's FIN; the server's " +
      "close), then the next connection. tcp-echo with `--proxy-protocol`, the load client writing a v1 or v2 header " +
      "that names the connection's real addresses at the start of every connection, against tcp-echo with neither: " +
      "the ratio is **the cost of the header** (reading and checking it before the echo starts), pair by pair, with " +
      "its 95% interval; there is no target. The client's own extra work is a few more bytes in a write it makes " +
      "anyway. Throughput is connections per second; a connection's time runs from connect() to the server's close. " +
      `Pinning as in the matrix: ${result.method.comparisons?.[cells[0].compare]?.pinning ?? result.method.pinning}.`,
    "",
  );
  out.push(
    table(
      [
        ":Scenario",
        ":Runtime",
        "without",
        "with the header",
        "with / without [95% interval]",
        "p99 connection time us (without / with)",
        "p99 with / without [95% interval]",
        "server CPU us per connection (without / with)",
        "client CPU % (without / with)",
      ],
      cells.map((c) => [
        ...comparisonColumns(c),
        `${med(c.base.serverCpuUsPerMessage, 1)} / ${med(c.test.serverCpuUsPerMessage, 1)}`,
        `${med(c.base.clientCpuPercent)} / ${med(c.test.clientCpuPercent)}`,
      ]),
    ),
  );
  return out;
}

/** What "control" means in a run with `--baseline`. */
function baselineNote({ dir, commit }) {
  return (
    `Before and after: "control" here is tcp-echo itself, built in ${dir} (commit ${commit ?? "unknown"}) and started ` +
    "through the same entrypoint with the same runtime and flags as ours, so each ratio is this tree's code over that " +
    "one's, and a throughput verdict of met says this tree keeps at least 97% of the baseline's."
  );
}

/**
 * The sentence on glibc's heap trim threshold the servers ran with, or none for a run from before
 * the bench set one.
 * @param {{ mallocTrimThreshold?: string }} method
 * @returns {string}
 * @example
 * ```js
 * assert.equal(allocatorNote({}), "");
 * assert.match(allocatorNote({ mallocTrimThreshold: "268435456" }), /MALLOC_TRIM_THRESHOLD_=268435456/);
 * ```
 */
export function allocatorNote(method) {
  if (method.mallocTrimThreshold === undefined) return "";
  return `Every server ran with MALLOC_TRIM_THRESHOLD_=${method.mallocTrimThreshold} (glibc's heap trim threshold; see servers.mjs). `;
}
