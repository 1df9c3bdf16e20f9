import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { renderHeadline, renderMarkdown } from "../src/markdown.mjs";
import { README_END, README_START, renderAll, updateReadme } from "../src/render.mjs";
import { summarize } from "../src/summary.mjs";
import { ratioChart, throughputChart } from "../src/svg.mjs";
import { IDLE_KIB, idlePairs, result, sample } from "./fixtures.mjs";

// Five pairs, enough for a verdict: node is 5% slower with a 20% higher p99 in every pair (both
// missed), bun level with its control (met), deno level at the median but 10 points either way
// (undecided); a sixth deno session failed.
const samples = [1, 2, 3, 4, 5].flatMap((run) => [
  sample({ run, server: "ours", rate: 950, p99: 120 }),
  sample({ run, server: "control", rate: 1000, p99: 100 }),
  sample({ run, runtime: "deno", server: "ours", rate: [900, 1000, 1100, 950, 1050][run - 1] }),
  sample({ run, runtime: "deno", server: "control", rate: 1000 }),
  sample({ run, runtime: "bun", server: "ours", rate: 2000 }),
  sample({ run, runtime: "bun", server: "control", rate: 2000 }),
]);
samples.push({
  ...sample({ run: 6, runtime: "deno", server: "ours", rate: 1 }),
  ok: false,
  error: "the server closed early",
});
const run = result(samples, summarize(samples));
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

describe("renderMarkdown()", () => {
  const markdown = renderMarkdown(run);

  test("states the machine, the runtime versions, the method and the conditions", () => {
    expect(markdown).toContain("node 20.20.2, deno 2.9.6, bun 1.4.5");
    expect(markdown).toContain("5 interleaved pairs per cell");
    expect(markdown).toContain("load average 0.5 at the start, 1.5 at the end; a test");
  });

  test("names the kernel's TCP congestion control in the results and in the README's headline", () => {
    expect(markdown).toContain("Linux 6.0, TCP congestion control cubic;");
    expect(renderHeadline(run)).toContain("Linux 6.0, TCP congestion control cubic;");
  });

  test("says which heap trim threshold the servers ran with, and nothing for a run from before it was set", () => {
    const withThreshold = renderMarkdown({ ...run, method: { ...run.method, mallocTrimThreshold: "268435456" } });
    expect(withThreshold).toContain(
      "Every server ran with MALLOC_TRIM_THRESHOLD_=268435456 (glibc's heap trim threshold",
    );
    expect(markdown).not.toContain("MALLOC_TRIM_THRESHOLD_");
  });

  test("says when the control was tcp-echo from another checkout (--baseline), and which commit", () => {
    const baseline = { dir: "/work/tcp-echo-base", commit: "25937f2" };
    const against = renderMarkdown({ ...run, method: { ...run.method, baseline } });
    expect(against).toContain(
      'Before and after: "control" here is tcp-echo itself, built in /work/tcp-echo-base (commit 25937f2)',
    );
    expect(markdown).not.toContain("Before and after");
  });

  test("has a throughput row per runtime with the ratio, its interval and the verdict", () => {
    expect(markdown).toMatch(
      /\| 64 B ping-pong, 1 connection \| node \| 950 .* msg\/s .* \| 95\.0% \| \[95\.0%, 95\.0%\] \| \*\*missed\*\* \|/,
    );
    expect(markdown).toMatch(
      /\| 64 B ping-pong, 1 connection \| deno \| .* \| 100\.0% \| \[90\.0%, 110\.0%\] \| undecided \|/,
    );
    expect(markdown).toMatch(
      /\| 64 B ping-pong, 1 connection \| bun \| 2,000 .* \| 100\.0% \| \[100\.0%, 100\.0%\] \| met \|/,
    );
  });

  test("has a p99 row per runtime with the ratio, its interval and the verdict", () => {
    expect(markdown).toMatch(
      /\| node \| 60\.0 \/ 120\.0 \/ 240\.0 \| .* \| 120\.0% \| \[120\.0%, 120\.0%\] \| \*\*missed\*\* \|/,
    );
  });

  test("shows the mean round trip's ratio beside the inverse of the throughput's, and says why they go together", () => {
    // node: mean 72 us against 60 (120%), throughput 950 against 1,000 (1 / 95% = 105.3%).
    expect(markdown).toMatch(/\| node \| 60\.0 \/ 120\.0 \/ 240\.0 \| .* \| 120\.0% \(105\.3%\) \| 120\.0% \|/);
    expect(markdown).toMatch(/\| bun \| .* \| 100\.0% \(100\.0%\) \| 100\.0% \|/);
    expect(markdown).toContain("by Little's law the mean round trip is what is in flight over the throughput");
  });

  test("says by how much each missed target is missed", () => {
    expect(markdown).toContain(
      "- node, 64 B ping-pong, 1 connection: 95.0% [95.0%, 95.0%] of the control's throughput: missed, 2.0 points short of 97%, the whole interval below it.",
    );
    expect(markdown).toContain(
      "p99 at 120.0% [120.0%, 120.0%] of the control's: missed, 15.0 points over the 5% allowance",
    );
  });

  test("lists the undecided targets with the command that settles them", () => {
    expect(markdown).toContain("3 of 6 targets met, 2 missed, 1 undecided.");
    expect(markdown).toContain("`npm run bench -- --runtimes deno --scenarios pingpong-64b --pairs 15`");
    expect(markdown).toContain(
      "- deno, 64 B ping-pong, 1 connection: 100.0% [90.0%, 110.0%] of the control's throughput: undecided, the interval reaches down to 93%.",
    );
  });

  test("lists failed sessions", () => {
    expect(markdown).toContain("- run 6, deno ours, 64 B ping-pong, 1 connection: the server closed early");
  });

  test("says in one line, not per target, that too few pairs gave no verdict", () => {
    const one = samples.filter((x) => x.run === 1);
    const quick = renderMarkdown({ ...result(one, summarize(one)), kind: "quick" });
    expect(quick).toContain(
      "0 of 6 targets met, 0 missed, 6 undecided.\n\n6 undecided for want of pairs: a verdict needs 5 per cell.",
    );
    expect(quick).not.toContain("Settle them");
  });

  test("every table row has as many cells as its header", () => {
    for (const block of markdown.split("\n\n").filter((b) => b.startsWith("|"))) {
      const [head, ...rows] = block.split("\n");
      const cells = (line) => line.split(" | ").length;
      for (const row of rows.slice(1)) expect(cells(row)).toBe(cells(head));
    }
  });
});

describe("renderHeadline()", () => {
  test("gives one line per scenario and runtime with ratios, intervals and verdicts", () => {
    const headline = renderHeadline(run);
    expect(headline).toContain(
      "| 64 B ping-pong, 1 connection | node | 950 msg/s | 1,000 msg/s | 95.0% [95.0%, 95.0%] | **missed** | 120 / 100: 120.0% [120.0%, 120.0%] | **missed** |",
    );
    expect(headline).toContain("| deno | 1,000 msg/s | 1,000 msg/s | 100.0% [90.0%, 110.0%] | undecided |");
    expect(headline).toContain("1 session(s) failed");
  });

  test("counts met, missed and undecided targets and names the undecided ones", () => {
    const headline = renderHeadline(run);
    expect(headline).toMatch(
      /3 of 6 targets met, 2 missed, 1 undecided\. Missed: node 64 B x1: 95\.0% \[95\.0%, 95\.0%\]/,
    );
    expect(headline).toContain("Undecided (the run cannot tell): deno 64 B x1 throughput; settle with `npm run bench");
  });

  test("states the load client's CPU against the fastest server, and its own code's share", () => {
    expect(renderHeadline(run)).toContain(
      "Load client against the fastest server of each scenario: at most 40% of its core (64 B x1, bun ours), of which its own code 4%; under 90% everywhere",
    );
  });
});

describe("the cost of TLS and unix sockets", () => {
  // TLS and unix streams beside the TCP stream on node, five passes: TLS at 60% of TCP for
  // tcp-echo and 65% for the control, unix at 120% for both.
  const scenarioRates = {
    "stream-64k-10c": [1000, 1000],
    "tls-stream-64k-10c": [600, 650],
    "unix-stream-64k-10c": [1200, 1200],
  };
  const withTransports = [1, 2, 3, 4, 5].flatMap((run) =>
    Object.entries(scenarioRates).flatMap(([scenario, [ours, control]]) => [
      sample({ run, scenario, server: "ours", rate: ours }),
      sample({ run, scenario, server: "control", rate: control }),
    ]),
  );
  const both = result(withTransports, summarize(withTransports));

  test("latest.md has a row per TLS or unix scenario and runtime with both servers' shares of TCP", () => {
    const markdown = renderMarkdown(both);
    expect(markdown).toContain("### TLS and unix sockets against plain TCP");
    // The fixture's streams move 64 B per message: 0.1 MiB/s over TCP, 0.0 over TLS.
    expect(markdown).toContain(
      "| TLS: 64 KiB streams x 10 connections | node | 0.1 MiB/s | 0.0 MiB/s | 60.0% [60.0%, 60.0%] | 65.0% [65.0%, 65.0%] |",
    );
    expect(markdown).toContain(
      "| Unix socket: 64 KiB streams x 10 connections | node | 0.1 MiB/s | 0.1 MiB/s | 120.0% [120.0%, 120.0%] |",
    );
  });

  test("the README block shows the cost of TLS, and only TLS", () => {
    const headline = renderHeadline(both);
    expect(headline).toContain("The cost of TLS: throughput over TLS as a share of plain TCP's");
    expect(headline).toContain(
      "| TLS: 64 KiB streams x 10 connections | node | 0.1 MiB/s | 0.0 MiB/s | 60.0% [60.0%, 60.0%] |",
    );
    const costOfTls = headline.slice(headline.indexOf("The cost of TLS")).split("\n\n").slice(0, 2).join("\n\n");
    expect(costOfTls).toContain("| TLS: 64 KiB streams");
    expect(costOfTls).not.toContain("Unix socket");
  });

  test("a run without them, or a summary stored before them, has no such table", () => {
    expect(renderMarkdown(run)).not.toContain("against plain TCP");
    const { transports: _, ...stored } = both.summary;
    expect(renderHeadline({ ...both, summary: stored })).not.toContain("The cost of TLS");
  });
});

describe("UDP", () => {
  // Five passes on node: the ping-pong level with its control and lossless, the burst 2% slower
  // and losing 6% against the control's 5%.
  const udp = [1, 2, 3, 4, 5].flatMap((run) => [
    sample({ run, scenario: "udp-64-1s-k1", server: "ours", rate: 20_000, loss: 0 }),
    sample({ run, scenario: "udp-64-1s-k1", server: "control", rate: 20_000, loss: 0 }),
    sample({ run, scenario: "udp-64-100s-k16", server: "ours", rate: 98_000, loss: 0.06 }),
    sample({ run, scenario: "udp-64-100s-k16", server: "control", rate: 100_000, loss: 0.05 }),
  ]);
  const both = result(udp, summarize(udp));
  const markdown = renderMarkdown(both);

  test("latest.md counts datagrams per second, with throughput verdicts as for TCP", () => {
    expect(markdown).toMatch(
      /\| UDP: 64 B ping-pong, 1 source \| node \| 20,000 \[20,000-20,000\] dgram\/s .* \| 100\.0% \| \[100\.0%, 100\.0%\] \| met \|/,
    );
    expect(markdown).toMatch(
      /\| UDP: 64 B x 100 sources, K=16 \| node \| 98,000 \[98,000-98,000\] dgram\/s .* \| 98\.0% \| .* \| met \|/,
    );
  });

  test("latest.md has a loss row per UDP cell: both sides, ours minus the control's, the verdict, kernel drops", () => {
    expect(markdown).toContain("### UDP: datagram loss");
    expect(markdown).toContain(
      "| UDP: 64 B ping-pong, 1 source | node | 0.000% [0.000%-0.000%] | 0.000% [0.000%-0.000%] | 0.000 points [0.000 points, 0.000 points] | met | 0 / 0 | 0 / 0 |",
    );
    expect(markdown).toContain(
      "| UDP: 64 B x 100 sources, K=16 | node | 6.000% [6.000%-6.000%] | 5.000% [5.000%-5.000%] | +1.000 points [+1.000 points, +1.000 points] | **missed** | 7,200 / 7,200 | 6,000 / 6,000 |",
    );
    expect(markdown).toContain(
      "- node, UDP: 64 B x 100 sources, K=16: loss 6.000% against the control's 5.000%, ours minus the control's +1.000 points",
    );
  });

  test("a UDP source is no connection: no memory-per-connection row", () => {
    expect(markdown).not.toContain("### Memory per idle connection");
  });

  test("the README block has the loss table too, and a run without UDP has none", () => {
    expect(renderHeadline(both)).toContain(
      "| UDP: 64 B x 100 sources, K=16 | node | 6.000% [6.000%-6.000%] | 5.000% [5.000%-5.000%] |",
    );
    expect(renderMarkdown(run)).not.toContain("datagram loss");
    expect(renderHeadline(run)).not.toContain("datagram loss");
  });

  test("the throughput chart labels UDP in datagrams per second", () => {
    expect(throughputChart(both)).toContain("dgram/s");
  });
});

describe("memory per idle connection", () => {
  // The memory scenario on every runtime (node and bun 0.27 KiB over their control, deno 0.27
  // under it) and the 1,000-connection scenario on node, which shows memory without a verdict.
  const { ours, control } = IDLE_KIB;
  const memorySamples = [
    ...idlePairs("node", ours, control),
    ...idlePairs("deno", control, ours),
    ...idlePairs("bun", ours, control),
    ...idlePairs("node", ours, control, "64b-1000c"),
  ];
  const memoryRun = result(memorySamples, summarize(memorySamples));
  const markdown = renderMarkdown(memoryRun);
  const section = (name) => markdown.slice(markdown.indexOf(name)).split("\n### ")[0];

  test("latest.md has ours minus the control's with its interval, the allowance and the verdict, per runtime", () => {
    const memory = section("### Memory per idle connection");
    expect(memory).toContain(
      "| 5,000 idle connections | node | 2.30 / 2.03 | +0.27 [+0.22, +0.37] | 0 KiB | **missed** | 48.8 / 48.8 | 100.0% |",
    );
    expect(memory).toContain("| 5,000 idle connections | deno | 2.03 / 2.30 | -0.27 [-0.37, -0.22] | 0 KiB | met |");
    expect(memory).toContain("| 5,000 idle connections | bun | 2.30 / 2.03 | +0.27 [+0.22, +0.37] | 0.5 KiB | met |");
    expect(memory).toContain("| 64 B x 1,000 connections, K=1 | node | 2.30 / 2.03 | +0.27 [+0.22, +0.37] | - | - |");
  });

  test("a run that measured anonymous memory says so and shows the whole RSS beside it; an older file keeps its wording", () => {
    const anonymous = memorySamples.map((s) => ({
      ...s,
      serverFigures: { ...s.serverFigures, idleRssBytesPerConnection: s.serverFigures.idleBytesPerConnection + 512 },
    }));
    const run = result(anonymous, summarize(anonymous));
    run.method = { ...run.method, idleMemory: "RssAnon" };
    const text = renderMarkdown(run);
    const memory = text.slice(text.indexOf("### Memory per idle connection")).split("\n### ")[0];
    expect(memory).toContain(
      "Memory per idle connection is the growth of the server's anonymous resident memory (RssAnon",
    );
    expect(memory).toContain("| whole RSS KiB per conn (ours / control) |");
    expect(memory).toContain(
      "| 5,000 idle connections | node | 2.30 / 2.03 | +0.27 [+0.22, +0.37] | 0 KiB | **missed** | 2.80 / 2.53 | 48.8 / 48.8 | 100.0% |",
    );
    expect(section("### Memory per idle connection")).toContain(
      "Memory per idle connection is the server's RSS growth",
    );
    expect(section("### Memory per idle connection")).not.toContain("whole RSS");
  });

  test("latest.md says how memory is judged, how short the memory scenario's load is, and that peak RSS has no target", () => {
    const memory = section("### Memory per idle connection");
    expect(memory).toContain("The target is judged on the 5,000 idle connections scenario (5,000 connections held;");
    expect(memory).toContain("0 ms warm-up + 500 ms measured");
    expect(memory).toContain("0 KiB on Node.js and 0 KiB on Deno (at or below the control), 0.5 KiB on Bun");
    expect(memory).toContain(
      "Peak RSS (VmHWM, the whole session) is information only: the issue sets no target for it.",
    );
  });

  test("the memory scenario has no row in the throughput, latency and server cost tables, nor in the charts", () => {
    for (const name of ["### Throughput", "### Round-trip latency", "### Server cost", "### Load client headroom"]) {
      expect(section(name)).toContain("64 B x 1,000 connections");
      expect(section(name)).not.toContain("5,000 idle connections");
    }
    expect(throughputChart(memoryRun)).not.toContain("idle x5000");
    expect(ratioChart(memoryRun)).not.toContain("5,000 idle connections");
  });

  test("the targets list the memory verdicts: 5 met, 1 missed", () => {
    // 64b-1000c: throughput and p99 met; the memory scenario: one memory target per runtime.
    expect(markdown).toContain("4 of 5 targets met, 1 missed, 0 undecided.");
    expect(markdown).toContain(
      "- node, 5,000 idle connections: memory per idle connection 2.30 / 2.03 KiB (ours / control), +0.27 [+0.22, +0.37] KiB: missed (allowance 0 KiB), 0.27 KiB over it, the whole interval over it.",
    );
  });

  test("the README block has one line per runtime with the difference, its interval and the verdict", () => {
    const headline = renderHeadline(memoryRun);
    expect(headline).toContain(
      "Memory per idle connection, 5,000 idle connections held (ours / control, then ours minus the control's [95% interval]): " +
        "node 2.30 / 2.03 KiB, +0.27 [+0.22, +0.37] KiB: **missed** (allowance 0); " +
        "deno 2.03 / 2.30 KiB, -0.27 [-0.37, -0.22] KiB: met (allowance 0); " +
        "bun 2.30 / 2.03 KiB, +0.27 [+0.22, +0.37] KiB: met (allowance 0.5).",
    );
    expect(headline).not.toContain("| 5,000 idle connections |");
    expect(renderHeadline(run)).not.toContain("Memory per idle connection");
  });

  test("every table row has as many cells as its header", () => {
    for (const block of markdown.split("\n\n").filter((b) => b.startsWith("|"))) {
      const [head, ...rows] = block.split("\n");
      for (const row of rows.slice(1)) expect(row.split(" | ").length).toBe(head.split(" | ").length);
    }
  });

  test("a run of the memory scenario alone writes latest.md, without empty throughput tables, and no chart", () => {
    const alone = memorySamples.filter((x) => x.scenario === "idle-5000c");
    const aloneRun = result(alone, summarize(alone));
    const dir = mkdtempSync(join(tmpdir(), "bench-memory-"));
    expect(renderAll(aloneRun, dir)).toEqual(["latest.md"]);
    const text = renderMarkdown(aloneRun);
    expect(text).not.toContain("### Throughput");
    expect(text).not.toContain("### Server cost");
    expect(text).toContain("### Memory per idle connection");
    expect(text).toContain("2 of 3 targets met, 1 missed, 0 undecided.");
  });
});

describe("updateReadme()", () => {
  test("replaces only the block between the markers", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bench-readme-")), "README.md");
    writeFileSync(path, `# Title\n\nbefore\n\n${README_START}\nold\n${README_END}\n\nafter\n`);
    expect(updateReadme(path, run, join(dirname(path), "benchmarks", "results"))).toBe(true);
    const text = readFileSync(path, "utf8");
    expect(text).toContain("(benchmarks/results/throughput.svg)");
    expect(text).toContain("[benchmarks/results/latest.md](benchmarks/results/latest.md)");
    expect(text).toMatch(/^# Title\n\nbefore\n\n<!-- bench:results:start -->\n/);
    expect(text).not.toContain("old");
    expect(text).toContain("![Throughput per scenario and runtime");
    expect(text).toMatch(/<!-- bench:results:end -->\n\nafter\n$/);
  });

  test("leaves a README without markers alone", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bench-readme-")), "README.md");
    writeFileSync(path, "# Title\n");
    expect(updateReadme(path, run, tmpdir())).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("# Title\n");
  });
});

describe("SVG charts", () => {
  const balanced = (svg) => {
    const open = svg.match(/<(rect|text|line|circle|title)[\s>]/g)?.length ?? 0;
    const closed = (svg.match(/<\/(rect|text|line|circle|title)>|\/>/g) ?? []).length;
    return open <= closed;
  };

  test("the throughput chart draws a bar for ours and the control of each runtime that ran", () => {
    const svg = throughputChart(run);
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<rect [^>]*fill="#2563eb"><title>/g)).toHaveLength(3);
    expect(svg.match(/<rect [^>]*fill="#9ca3af"><title>/g)).toHaveLength(3);
    expect(svg).toContain("95%");
    expect(balanced(svg)).toBe(true);
  });

  test("the ratio chart marks the 97% target, the 93% floor and a dot per runtime", () => {
    const svg = ratioChart(run);
    expect(svg).toContain("target 97%");
    expect(svg).toContain("interval floor 93%");
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(3);
    expect(balanced(svg)).toBe(true);
  });

  test("the ratio chart draws the interval as an error bar and an undecided cell as a hollow dot", () => {
    const svg = ratioChart(run);
    expect(svg).toContain("<title>deno, 64 B ping-pong, 1 connection: 100% [90%, 110%], undecided</title>");
    expect(svg).toMatch(/<circle [^>]*fill="#ffffff" stroke="#111827"[^>]*><title>deno/);
    // A bar with a cap at each end per runtime: three lines in each runtime's colour.
    expect(svg.match(/<line [^>]*stroke="#c2410c" stroke-width="2"\/>/g)).toHaveLength(3);
  });

  test("the throughput chart colours each ratio by its verdict", () => {
    const svg = throughputChart(run);
    expect(svg).toMatch(/fill="#b91c1c">95%</);
    expect(svg).toMatch(/fill="#b45309">100%</);
    expect(svg).toMatch(/fill="#374151">100%</);
  });

  test("escapes text", () => {
    const odd = result(samples, summarize(samples));
    odd.machine.runtimes.node = "<20>&";
    expect(throughputChart(odd)).toContain("node &lt;20&gt;&amp;");
  });
});

describe("results files from before the intervals", () => {
  const old = readdirSync(resultsDir).filter((name) => /^\d{4}-.*\.json$/.test(name));
  const schema1 = old
    .map((name) => JSON.parse(readFileSync(join(resultsDir, name), "utf8")))
    .filter((r) => r.schema === 1);

  test("the repository still holds one, so these cases test something", () => {
    expect(schema1.length).toBeGreaterThan(0);
  });

  test("render with intervals and verdicts recomputed from their samples", () => {
    for (const file of schema1) {
      const fresh = { ...file, summary: summarize(file.samples) };
      expect(fresh.summary.rows.every((r) => r.intervals.throughput?.n === 5)).toBe(true);
      const markdown = renderMarkdown(fresh);
      expect(markdown).toContain("5 interleaved pairs per cell");
      expect(markdown).toMatch(/\| \d+\.\d% \| \[\d+\.\d%, \d+\.\d%\] \| (met|\*\*missed\*\*|undecided) \|/);
      const dir = mkdtempSync(join(tmpdir(), "bench-old-"));
      expect(renderAll(fresh, dir)).toEqual(["latest.md", "throughput.svg", "ratio.svg"]);
    }
  });

  test("render with the summary they stored, which has no intervals or verdicts", () => {
    for (const file of schema1) {
      const markdown = renderMarkdown(file);
      expect(markdown).toMatch(/\| \d+\.\d% \| - \| (met|\*\*missed\*\*) \|/);
      expect(renderHeadline(file)).toContain("targets met");
      expect(ratioChart(file)).toContain("</svg>");
      expect(throughputChart(file)).toContain("</svg>");
    }
  });
});
