#!/usr/bin/env node
/**
 * `npm test`: every check, in order, failing fast on none of them: build, types, lint, core
 * purity, package checks (publint, attw, JSR dry run, doc lint), unit tests, the conformance
 * suite inside Node, Deno and Bun, the conformance table (docs/conformance.md, which must be
 * committed up to date), the conformance bin against the real entrypoints and socat, the packed
 * tarballs on every runtime, the examples on every runtime, then the packages' own tests (CLI
 * processes, server, benchmark smoke), then the container image (podman) and Kubernetes manifests.
 * Prints a summary with each runtime's pass, fail and skip counts; exits 1 when any step failed.
 *
 *   npm test                    everything
 *   npm test -- --only=conformance,lint   a subset, by step id
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const vitest = join(root, "node_modules/vitest/vitest.mjs");
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };

/** The conformance suite, run by vitest inside each runtime (see packages/conformance/vitest.config.ts). */
const conformance = {
  node: [process.execPath, [vitest, "run"]],
  // --unstable-net: Deno 2.9 has Deno.listenDatagram, which the UDP cases serve with, only behind it.
  deno: [bin("deno"), ["run", "-A", "--unstable-net", vitest, "run"]],
  bun: [bin("bun"), ["--bun", vitest, "run", "--pool=threads"]],
};

const steps = [
  { id: "build", title: "build (tsup)", cmd: bin("turbo"), args: ["run", "build", "--output-logs=errors-only"] },
  {
    id: "typecheck",
    title: "typecheck (tsc)",
    cmd: bin("turbo"),
    args: ["run", "typecheck", "--output-logs=errors-only"],
  },
  { id: "lint", title: "lint and format (biome)", cmd: bin("biome"), args: ["ci", "."] },
  { id: "purity", title: "core imports no runtime", cmd: process.execPath, args: ["scripts/check-core-purity.mjs"] },
  {
    id: "packages",
    title: "package checks (publint, attw, JSR)",
    cmd: process.execPath,
    args: ["scripts/check-packages.mjs"],
  },
  { id: "unit", title: "unit tests (core)", cmd: process.execPath, args: [vitest, "run"], cwd: "packages/core" },
  ...Object.entries(conformance).map(([runtime, [cmd, args]]) => ({
    id: "conformance",
    runtime,
    title: `conformance on ${runtime}`,
    cmd,
    args,
    cwd: "packages/conformance",
  })),
  {
    id: "conformance",
    title: "conformance table",
    cmd: process.execPath,
    args: ["scripts/conformance-table.mjs", "--check"],
    // The table needs all three runtimes' results from this run; a partial run leaves it alone.
    unless: (results) =>
      Object.keys(conformance).find((runtime) => !results.some((r) => r.step.runtime === runtime)) &&
      "not every runtime's conformance ran",
  },
  {
    id: "blackbox",
    title: "black-box conformance (bin)",
    cmd: process.execPath,
    args: ["packages/conformance/blackbox/run.mjs"],
  },
  {
    id: "pack",
    title: "packed tarballs on node, deno, bun",
    cmd: process.execPath,
    args: ["scripts/pack-smoke.mjs"],
  },
  { id: "examples", title: "examples type-check (tsc)", cmd: bin("tsc"), args: ["-p", "examples"] },
  {
    id: "examples",
    title: "examples on node, deno, bun",
    cmd: process.execPath,
    args: ["examples/per-client-limit/check.mjs"],
  },
  {
    id: "examples",
    title: "documented examples (Node 20 syntax)",
    cmd: process.execPath,
    args: ["scripts/check-examples.mjs"],
  },
  ...workspaceTests(),
  {
    id: "deploy",
    title: "container image and manifests",
    cmd: process.execPath,
    args: [vitest, "run"],
    cwd: "deploy",
  },
];

/** Every other workspace with a `test` script runs its own (CLI process tests, benchmark smoke). */
function workspaceTests() {
  const tests = [];
  for (const dir of ["packages/cli", "packages/server", "benchmarks"]) {
    const manifest = join(root, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, scripts = {} } = JSON.parse(readFileSync(manifest, "utf8"));
    if (scripts.test)
      tests.push({ id: dir.split("/").pop(), title: `${name} tests`, cmd: "npm", args: ["run", "test"], cwd: dir });
  }
  return tests;
}

const { values } = parseArgs({ options: { only: { type: "string" } } });
const only = values.only?.split(",");
const selected = only ? steps.filter((step) => only.includes(step.id)) : steps;

function run(step) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(step.cmd, step.args, { cwd: join(root, step.cwd ?? "."), env, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`cannot run ${step.cmd}: ${error.message}`);
      resolve({ code: 1, seconds: (performance.now() - started) / 1000 });
    });
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const resultsFile = (runtime) => join(root, `.vitest-results/conformance-${runtime}.json`);

function conformanceCounts(runtime) {
  const file = resultsFile(runtime);
  if (!existsSync(file)) return undefined;
  const { cases } = JSON.parse(readFileSync(file, "utf8"));
  const count = (state) => cases.filter((c) => c.state === state).length;
  return { passed: count("passed"), failed: count("failed"), skipped: count("skipped"), cases };
}

const results = [];
for (const step of selected) {
  console.log(`\n━━ ${step.title} ━━`);
  const skipped = step.unless?.(results);
  if (skipped) {
    console.log(`skipped: ${skipped}`);
    continue;
  }
  // A run that dies before its reporter writes must not leave an older run's results behind.
  if (step.runtime !== undefined) rmSync(resultsFile(step.runtime), { force: true });
  const outcome = await run(step);
  results.push({ step, ...outcome });
}

console.log("\n━━ summary ━━");
for (const { step, code, seconds } of results) {
  const mark = code === 0 ? "ok  " : "FAIL";
  let detail = "";
  if (step.id === "conformance") {
    const counts = conformanceCounts(step.runtime);
    if (counts) detail = `  ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  }
  console.log(`${mark} ${step.title.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s${detail}`);
}
const durations = results.filter((r) => r.step.runtime !== undefined);
if (durations.length > 0) {
  console.log(
    `conformance durations: ${durations.map((r) => `${r.step.runtime} ${r.seconds.toFixed(1)} s`).join(", ")}`,
  );
}
for (const runtime of Object.keys(conformance)) {
  if (!results.some((r) => r.step.runtime === runtime)) continue;
  for (const c of conformanceCounts(runtime)?.cases ?? []) {
    if (c.state === "skipped") console.log(`skip ${runtime}: ${c.name} (${c.note ?? "no reason given"})`);
  }
}
const failed = results.filter((r) => r.code !== 0);
if (failed.length > 0) {
  console.log(`\n${failed.length} of ${results.length} steps failed: ${failed.map((r) => r.step.title).join(", ")}`);
  process.exit(1);
}
console.log(`\nall ${results.length} steps passed`);
