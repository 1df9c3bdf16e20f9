import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { renderHeadline, renderMarkdown } from "../src/markdown.mjs";
import { README_END, README_START, updateReadme } from "../src/render.mjs";
import { summarize } from "../src/summary.mjs";
import { ratioChart, throughputChart } from "../src/svg.mjs";
import { result, sample } from "./fixtures.mjs";

const samples = [
  sample({ run: 1, server: "ours", rate: 950, p99: 120 }),
  sample({ run: 1, server: "control", rate: 1000, p99: 100 }),
  sample({ run: 1, runtime: "bun", server: "ours", rate: 2000 }),
  sample({ run: 1, runtime: "bun", server: "control", rate: 2000 }),
  { ...sample({ run: 1, runtime: "deno", server: "ours", rate: 1 }), ok: false, error: "the server closed early" },
];
const run = result(samples, summarize(samples));

describe("renderMarkdown()", () => {
  const markdown = renderMarkdown(run);

  test("states the machine, the runtime versions, the method and the conditions", () => {
    expect(markdown).toContain("node 20.20.2, deno 2.9.6, bun 1.4.5");
    expect(markdown).toContain("3 interleaved runs");
    expect(markdown).toContain("load average 0.5 at the start, 1.5 at the end; a test");
  });

  test("has a throughput row per runtime with the ratio and the verdict", () => {
    expect(markdown).toMatch(/\| 64 B ping-pong, 1 connection \| node \| 950 msg\/s .* \| 95\.0% \| \*\*missed\*\* \|/);
    expect(markdown).toMatch(/\| 64 B ping-pong, 1 connection \| bun \| 2,000 msg\/s .* \| 100\.0% \| met \|/);
  });

  test("says by how much each missed target is missed", () => {
    expect(markdown).toContain(
      "- node, 64 B ping-pong, 1 connection: 95.0% of the control's throughput: 2.0 points short of 97%.",
    );
    expect(markdown).toContain("p99 20.0% above the control's: 15.0 points over the 5% allowance.");
  });

  test("lists failed sessions", () => {
    expect(markdown).toContain("- run 1, deno ours, 64 B ping-pong, 1 connection: the server closed early");
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
  test("gives one line per scenario and runtime and the missed targets", () => {
    const headline = renderHeadline(run);
    expect(headline).toContain("| 64 B ping-pong, 1 connection | node | 950 msg/s | 1,000 msg/s | 95.0% (missed) |");
    expect(headline).toMatch(/2 of 4 targets met; missed: node 64 B x1: 95\.0% of the control's throughput/);
    expect(headline).toContain("1 session(s) failed");
  });

  test("states the load client's CPU against the fastest server, and its own code's share", () => {
    expect(renderHeadline(run)).toContain(
      "Load client against the fastest server of each scenario: at most 40% of its core (64 B x1, bun ours), of which its own code 4%; under 90% everywhere",
    );
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
    expect(svg.match(/<rect [^>]*fill="#2563eb"><title>/g)).toHaveLength(2);
    expect(svg.match(/<rect [^>]*fill="#9ca3af"><title>/g)).toHaveLength(2);
    expect(svg).toContain("95%");
    expect(balanced(svg)).toBe(true);
  });

  test("the ratio chart marks the 97% target and a dot per runtime", () => {
    const svg = ratioChart(run);
    expect(svg).toContain("target 97%");
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(2);
    expect(balanced(svg)).toBe(true);
  });

  test("escapes text", () => {
    const odd = result(samples, summarize(samples));
    odd.machine.runtimes.node = "<20>&";
    expect(throughputChart(odd)).toContain("node &lt;20&gt;&amp;");
  });
});
