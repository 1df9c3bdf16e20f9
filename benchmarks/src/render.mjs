#!/usr/bin/env node
/**
 * Render a results file as markdown and SVG beside it:
 *
 *   node src/render.mjs [results/latest.json]   writes latest.md, throughput.svg, ratio.svg
 *
 * Rendering results/latest.json also refreshes the block of the repository's README.md between
 * the bench:results markers (its Performance section).
 * The summary is recomputed from the raw samples, so an older file renders with today's rules.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { renderHeadline, renderMarkdown } from "./markdown.mjs";
import { scenarioById } from "./scenarios.mjs";
import { summarize } from "./summary.mjs";
import { ratioChart, throughputChart } from "./svg.mjs";

export { renderHeadline, renderMarkdown };

export const README_START = "<!-- bench:results:start -->";
export const README_END = "<!-- bench:results:end -->";

/**
 * Replace the block between the bench:results markers of a README with the run's headline and
 * charts; the rest of the file is left as it is.
 * @param {string} path the README
 * @param {object} result
 * @param {string} resultsDir the folder holding latest.md and the charts, linked relative to the README
 * @returns {boolean} false when the file or its markers are missing
 */
export function updateReadme(path, result, resultsDir) {
  if (!existsSync(path)) return false;
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end < start) return false;
  const link = (name) => relative(dirname(path), join(resultsDir, name)).split(sep).join("/");
  const block = [
    README_START,
    "",
    renderHeadline(result),
    "",
    `![Throughput per scenario and runtime, tcp-echo beside the raw control](${link("throughput.svg")})`,
    "",
    `![tcp-echo throughput as a share of the raw control's](${link("ratio.svg")})`,
    "",
    `Every table of this run (latency percentiles, server CPU, memory, client headroom): [${link("latest.md")}](${link("latest.md")}).`,
    "",
    "",
  ].join("\n");
  writeFileSync(path, text.slice(0, start) + block + text.slice(end));
  return true;
}

/**
 * Write latest.md, throughput.svg and ratio.svg for a results object into `dir`; a run of
 * comparisons alone (no ours / control row), or of memory-only scenarios alone, has no charts.
 * @param {object} result
 * @param {string} dir
 * @returns {string[]} the file names written
 */
export function renderAll(result, dir) {
  const charted = result.summary.rows.some((r) => !scenarioById(r.scenario)?.memoryOnly);
  const charts = charted ? { "throughput.svg": throughputChart(result), "ratio.svg": ratioChart(result) } : {};
  const files = {
    "latest.md": `# tcp-echo benchmark results\n\n${renderMarkdown(result)}\n`,
    ...charts,
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return Object.keys(files);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const file = resolve(process.argv[2] ?? join(benchDir, "results", "latest.json"));
  const result = JSON.parse(readFileSync(file, "utf8"));
  result.summary = summarize(result.samples);
  const written = renderAll(result, dirname(file)).map((name) => join(dirname(file), name));
  const readme = join(benchDir, "..", "README.md");
  const results = join(benchDir, "results");
  if (file === join(results, "latest.json") && updateReadme(readme, result, results)) written.push(readme);
  process.stdout.write(`wrote ${written.join(", ")}\n`);
}
