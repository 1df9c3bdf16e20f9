/**
 * The results as markdown tables: throughput, latency, server cost, memory, TLS and unix sockets
 * against plain TCP, the targets and the client's headroom. Every figure is a median over the pairs; ranges are [min-max], intervals
 * [low, high] (95%, see interval.mjs), verdicts met, missed or undecided (see verdict.mjs).
 */
import { MEMORY_SCENARIO, SCENARIOS } from "./scenarios.mjs";
import { CLIENT_BOUND_PERCENT, pairCount } from "./summary.mjs";
import { MIN_PAIRS, SETTLING_PAIRS, TARGETS } from "./verdict.mjs";

const num = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x, digits = 1) => (x === undefined ? "-" : `${num(x * 100, digits)}%`);
const med = (d, digits) => num(d?.median, digits);
/** ` [min-max]` when there was more than one pair. */
const range = (d, f) => (d === undefined || d.n < 2 ? "" : ` [${f(d.min)}-${f(d.max)}]`);
const title = (id) => SCENARIOS.find((s) => s.id === id)?.title ?? id;
const short = (id) => SCENARIOS.find((s) => s.id === id)?.short ?? id;
const whole = (x) => `${Math.round(x * 100)}%`;
/** A bootstrap interval as `[low, high]`; `-` for a row summarized before intervals existed. */
const interval = (i) => (i === undefined ? "-" : `[${pct(i.low)}, ${pct(i.high)}]`);

const isStream = (id) => SCENARIOS.find((s) => s.id === id)?.mode === "stream";

/** A throughput cell: msg/s first for ping-pong, MiB/s first for streams; `spread` adds [min-max]. */
function rate(id, side, { spread = false } = {}) {
  const [main, other] = isStream(id) ? ["mibPerSec", "messagesPerSec"] : ["messagesPerSec", "mibPerSec"];
  const digits = { mibPerSec: 1, messagesPerSec: 0 };
  const unit = { mibPerSec: "MiB/s", messagesPerSec: "msg/s" };
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

/** How the shares of TCP are taken, for the text above their table. */
const shareMethod = (over) =>
  `throughput over ${over} as a share of plain TCP's under the same load (the scenario of the same title ` +
  "without the prefix), on the same runtime and server, taken pass by pass: the median with its 95% interval. " +
  "A share needs both scenarios in the run.";

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
  out.push(
    `Run of ${result.startedAt.slice(0, 10)} (${result.kind}, ${pairs} interleaved pair${pairs === 1 ? "" : "s"} per cell, ` +
      `${result.method.warmupMs} ms warm-up + ${result.method.durationMs} ms measured per session, ${result.elapsedS} s in all) ` +
      `on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}; ` +
      `node ${m.runtimes.node}, deno ${m.runtimes.deno}, bun ${m.runtimes.bun}; commit ${m.commit ?? "unknown"}. ` +
      `Pinning: ${result.method.pinning}. Figures are medians with [min-max] over the pairs; ` +
      `ours/control ratios are taken pair by pair, and their median comes with a 95% bootstrap interval [low, high] ` +
      `and a verdict: met, missed, or undecided when the interval cannot tell (no verdict from fewer than ${MIN_PAIRS} pairs).`,
  );
  const noise = [
    m.loadAverageStart &&
      `load average ${m.loadAverageStart[0]} at the start, ${m.loadAverageEnd?.[0] ?? "-"} at the end`,
    result.method.note,
  ].filter(Boolean);
  if (noise.length > 0) out.push("", `Conditions: ${noise.join("; ")}.`);

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
      rows.map((r) => [
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
      "missed when the whole interval is over it.",
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
        "p99 ours / control",
        "95% interval",
        ":verdict",
      ],
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        lat(r.ours),
        lat(r.control),
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
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        `${med(r.ours.serverCpuUsPerMessage, 2)} / ${med(r.control.serverCpuUsPerMessage, 2)}`,
        pct(r.ratios.cpuPerMessage?.median),
        `${med(r.ours.serverCpuPercent)} / ${med(r.control.serverCpuPercent)}`,
        `${med(r.ours.clientCpuPercent)} / ${med(r.control.clientCpuPercent)}`,
        `${num((r.ours.peakRssKiB?.median ?? Number.NaN) / 1024, 1)} / ${num((r.control.peakRssKiB?.median ?? Number.NaN) / 1024, 1)}`,
      ]),
    ),
  );

  const memoryRows = rows.filter((r) => (SCENARIOS.find((s) => s.id === r.scenario)?.connections ?? 0) >= 100);
  if (memoryRows.length > 0) {
    out.push("", "### Memory per idle connection and peak memory", "");
    out.push(
      "Idle memory is the server's RSS growth while the scenario's connections are open and primed but silent, divided by their number. " +
        `The 10% target applies to the ${title(MEMORY_SCENARIO)} scenario.`,
      "",
    );
    const kib = (d) => num((d?.median ?? Number.NaN) / 1024, 2);
    out.push(
      table(
        [
          ":Scenario",
          ":Runtime",
          "KiB per idle conn (ours / control)",
          "ours / control",
          "peak RSS ours / control",
          ":target <= +10%",
        ],
        memoryRows.map((r) => [
          title(r.scenario),
          r.runtime,
          `${kib(r.ours.idleBytesPerConnection)} / ${kib(r.control.idleBytesPerConnection)}`,
          pct(r.ratios.idleMemory?.median),
          pct(r.ratios.peakMemory?.median),
          r.scenario === MEMORY_SCENARIO
            ? [verdict(targets, r, "memory per idle"), verdict(targets, r, "peak RSS")].join(" / ")
            : "-",
        ]),
      ),
    );
  }

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

  out.push("", "### Targets", "");
  const missed = targets.filter((t) => verdictOf(t) === "missed");
  const { undecided, fewPairs, open } = undecidedOf(targets);
  if (targets.length === 0) out.push("No pair of ours and control completed: no target could be checked.");
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
        [":Scenario", ":fastest server", "msg/s", "server CPU %", "client CPU %", "client user %", ":client headroom"],
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
      `${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}; node ${m.runtimes.node}, deno ${m.runtimes.deno}, ` +
      `bun ${m.runtimes.bun}; commit ${m.commit ?? "unknown"}.` +
      (result.method.note ? ` Conditions: ${result.method.note}.` : ""),
    "",
  );
  const kib = (d) => num((d?.median ?? Number.NaN) / 1024, 1);
  const mib = (d) => num((d?.median ?? Number.NaN) / 1024, 0);
  const memory = (r) =>
    r.scenario === MEMORY_SCENARIO
      ? `idle ${kib(r.ours.idleBytesPerConnection)} / ${kib(r.control.idleBytesPerConnection)} KiB per conn, ` +
        `peak ${mib(r.ours.peakRssKiB)} / ${mib(r.control.peakRssKiB)} MiB`
      : "";
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
        "memory ours / control",
      ],
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        rate(r.scenario, r.ours).replace(/ \(.*\)$/, ""),
        rate(r.scenario, r.control).replace(/ \(.*\)$/, ""),
        `${pct(r.ratios.throughput?.median)} ${interval(r.intervals?.throughput)}`,
        verdict(targets, r, "throughput"),
        `${med(r.ours.p99Us)} / ${med(r.control.p99Us)}: ${pct(r.ratios.p99?.median)} ${interval(r.intervals?.p99)}`,
        verdict(targets, r, "p99"),
        memory(r),
      ]),
    ),
  );
  const tls = shareTable(result, (t) => t.transport === "tls");
  if (tls !== undefined) out.push("", `The cost of TLS: ${shareMethod("TLS")}`, "", tls);
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
