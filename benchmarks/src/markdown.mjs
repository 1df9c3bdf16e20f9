/**
 * The results as markdown tables: throughput, latency, server cost, memory, the targets and the
 * client's headroom. Every figure is a median over the runs; ranges are [min-max].
 */
import { MEMORY_SCENARIO, SCENARIOS } from "./scenarios.mjs";
import { CLIENT_BOUND_PERCENT } from "./summary.mjs";

const num = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x, digits = 1) => (x === undefined ? "-" : `${num(x * 100, digits)}%`);
const med = (d, digits) => num(d?.median, digits);
/** ` [min-max]` when there was more than one run. */
const range = (d, f) => (d === undefined || d.n < 2 ? "" : ` [${f(d.min)}-${f(d.max)}]`);
const title = (id) => SCENARIOS.find((s) => s.id === id)?.title ?? id;

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

function table(head, rows) {
  const align = head.map((h) => (h.startsWith(":") ? ":--" : "--:"));
  const names = head.map((h) => h.replace(/^:/, ""));
  return [`| ${names.join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function verdict(targets, row, prefix) {
  const t = targets.find(
    (x) => x.scenario === row.scenario && x.runtime === row.runtime && x.target.startsWith(prefix),
  );
  if (t === undefined) return "-";
  return t.met ? "met" : `**missed**`;
}

/**
 * Render a results object (see bench.mjs) as markdown.
 * @param {object} result
 * @returns {string}
 */
export function renderMarkdown(result) {
  const { rows, targets, failures, headroom } = result.summary;
  const m = result.machine;
  const out = [];
  out.push(
    `Run of ${result.startedAt.slice(0, 10)} (${result.kind}, ${result.method.runs} interleaved run${result.method.runs === 1 ? "" : "s"}, ` +
      `${result.method.warmupMs} ms warm-up + ${result.method.durationMs} ms measured per session, ${result.elapsedS} s in all) ` +
      `on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}; ` +
      `node ${m.runtimes.node}, deno ${m.runtimes.deno}, bun ${m.runtimes.bun}; commit ${m.commit ?? "unknown"}. ` +
      `Pinning: ${result.method.pinning}. Figures are medians with [min-max] over the runs; ` +
      `ours/control ratios are taken pair by pair within a run.`,
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
      "medians with [min-max] over the runs.",
    "",
  );
  out.push(
    table(
      [":Scenario", ":Runtime", "tcp-echo", "control", "ours / control [min-max]", ":target >= 97%"],
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        rate(r.scenario, r.ours, { spread: true }),
        rate(r.scenario, r.control, { spread: true }),
        `${pct(r.ratios.throughput?.median)}${range(r.ratios.throughput, (x) => pct(x))}`,
        verdict(targets, r, "throughput"),
      ]),
    ),
  );

  out.push("", "### Round-trip latency (us)", "");
  const lat = (side) => `${med(side.p50Us, 1)} / ${med(side.p99Us, 1)} / ${med(side.p999Us, 1)}`;
  out.push(
    table(
      [
        ":Scenario",
        ":Runtime",
        "tcp-echo p50 / p99 / p99.9",
        "control p50 / p99 / p99.9",
        "p99 ours / control",
        ":target <= +5%",
      ],
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        lat(r.ours),
        lat(r.control),
        `${pct(r.ratios.p99?.median)}${range(r.ratios.p99, (x) => pct(x))}`,
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

  out.push("", "### Targets", "");
  const missed = targets.filter((t) => !t.met);
  if (targets.length === 0) out.push("No pair of ours and control completed: no target could be checked.");
  else if (missed.length === 0) out.push(`All ${targets.length} targets met.`);
  else {
    out.push(`${targets.length - missed.length} of ${targets.length} targets met. Missed:`, "");
    for (const t of missed) out.push(`- ${t.runtime}, ${title(t.scenario)}: ${t.text}.`);
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
    `Latest full run: ${result.startedAt.slice(0, 10)}, ${result.method.runs} interleaved runs of ` +
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
        "throughput ours / control",
        "p99 ours / control (us)",
        "memory ours / control",
      ],
      rows.map((r) => [
        title(r.scenario),
        r.runtime,
        rate(r.scenario, r.ours).replace(/ \(.*\)$/, ""),
        rate(r.scenario, r.control).replace(/ \(.*\)$/, ""),
        `${pct(r.ratios.throughput?.median)}${r.ratios.throughput?.median < 0.97 ? " (missed)" : ""}`,
        `${med(r.ours.p99Us)} / ${med(r.control.p99Us)}${r.ratios.p99?.median > 1.05 ? " (missed)" : ""}`,
        memory(r),
      ]),
    ),
  );
  const missed = targets.filter((t) => !t.met);
  out.push("");
  if (targets.length > 0) {
    out.push(
      missed.length === 0
        ? `All ${targets.length} targets met.`
        : `${targets.length - missed.length} of ${targets.length} targets met; missed: ` +
            missed
              .map((t) => `${t.runtime} ${SCENARIOS.find((s) => s.id === t.scenario)?.short}: ${t.text}`)
              .join("; ") +
            ".",
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
