#!/usr/bin/env node
/**
 * `npm run check:packages`: is each published package fit to publish? Assumes `npm run build`.
 * For every public package under packages/ (the CLI once its dist/bin.js is built):
 *
 *   manifest  the fields every package carries: ESM-only exports with ./package.json, files,
 *             engines, sideEffects, keywords, repository/homepage/bugs, publishConfig with
 *             provenance, and a README.md and LICENSE beside it
 *   publint   package.json exports, files and fields (errors, warnings and suggestions all count)
 *   attw      the types resolve for ESM consumers (`attw --pack --profile esm-only`)
 *   dts       the published .d.ts name no runtime's types: no `/// <reference types>`, no
 *             `Deno.`/`Bun.`/`NodeJS.` globals, no imports of `bun`, `deno` or `node:*` (the
 *             conformance suite and the CLI, built on `node:net`/`node:util`, may import `node:*`)
 *   jsr       `deno publish --dry-run`: the JSR package builds, with no slow types
 *   doc       `deno doc --lint` over the JSR entry points: every export documented
 *   examples  `deno check --doc src/`: the code blocks of the doc comments type-check (those
 *             marked `ignore` need a running server or another runtime and are skipped)
 *   sync      the JSR config is in step with package.json (`node scripts/sync-jsr.mjs --check`)
 *
 * Prints one line per package and check, then a summary; exits 1 on any problem.
 *
 *   node scripts/check-packages.mjs [--only=core,server] [--checks=publint,attw] [--verbose]
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { parseArgs, stripVTControlCharacters } from "node:util";
import { jsrConfigFile, publishedPackages } from "./published-packages.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const { values } = parseArgs({
  options: { only: { type: "string" }, checks: { type: "string" }, verbose: { type: "boolean", default: false } },
});
const onlyPackages = values.only?.split(",");
const onlyChecks = values.checks?.split(",");

/** Packages whose public types may import Node's built-in modules (they are built on them). */
const NODE_TYPED = new Set(["conformance", "cli"]);

function run(cmd, args, cwd) {
  return new Promise((resolve) => {
    const started = performance.now();
    execFile(
      cmd,
      args,
      { cwd, timeout: 120_000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`.trim(), seconds: (performance.now() - started) / 1000 });
      },
    );
  });
}

function jsrConfig(dir) {
  const file = jsrConfigFile(dir);
  return file === undefined ? undefined : JSON.parse(readFileSync(file, "utf8"));
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** The public packages to check, with what each check needs. */
function packages() {
  const found = [];
  for (const { name, dir, pkg } of publishedPackages(root)) {
    if (onlyPackages && !onlyPackages.includes(name)) continue;
    if (name === "cli" && !existsSync(join(dir, "dist/bin.js"))) {
      console.log(`skip ${pkg.name}: packages/cli/dist/bin.js is not built`);
      continue;
    }
    found.push({ name, dir, pkg, jsr: jsrConfig(dir) });
  }
  return found;
}

const REFERENCE = /\/\/\/\s*<reference\s+(?:types|lib)\s*=\s*["']([^"']+)["']/g;
const RUNTIME_GLOBAL = /\b(Deno|Bun|NodeJS)\.[A-Za-z]/g;
const RUNTIME_IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["']((?:node:[^"']+)|bun(?::[^"']+)?|deno)["']/g;

function checkDeclarations({ name, dir }) {
  const problems = [];
  const dist = join(dir, "dist");
  if (!existsSync(dist)) return { code: 1, output: `${relative(root, dist)} does not exist: build first` };
  let files = 0;
  for (const file of walk(dist)) {
    if (!/\.d\.[cm]?ts$/.test(file)) continue;
    files++;
    const text = readFileSync(file, "utf8");
    const where = relative(root, file);
    for (const [, ref] of text.matchAll(REFERENCE)) {
      if (/^(bun|bun-types|deno|deno\..*|node|@types\/.*)$/.test(ref))
        problems.push(`${where}: /// <reference ${ref}>`);
    }
    // Doc comments may show Deno or Bun code in examples; only declarations count.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    for (const [found] of code.matchAll(RUNTIME_GLOBAL)) problems.push(`${where}: names the global ${found}..`);
    for (const [, specifier] of code.matchAll(RUNTIME_IMPORT)) {
      if (specifier.startsWith("node:") && NODE_TYPED.has(name)) continue;
      problems.push(`${where}: imports types from "${specifier}"`);
    }
  }
  if (files === 0) problems.push(`${relative(root, dist)} has no .d.ts files`);
  return { code: problems.length > 0 ? 1 : 0, output: problems.join("\n"), summary: `${files} .d.ts files` };
}

async function checkPublint({ dir }) {
  const { publint } = await import("publint");
  const { formatMessage } = await import("publint/utils");
  const { messages, pkg } = await publint({ pkgDir: dir, level: "suggestion", pack: "npm", strict: true });
  const lines = messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false })}`);
  return { code: lines.length > 0 ? 1 : 0, output: lines.join("\n"), summary: "no problems" };
}

/** Deno's output without colours and without its warnings about @types/node's triple-slash lines. */
function denoOutput(output) {
  const lines = stripVTControlCharacters(output).split("\n");
  const kept = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^Warning Failed resolving types/.test(lines[i].trim())) {
      if (/^\s*at /.test(lines[i + 1] ?? "")) i++;
      continue;
    }
    kept.push(lines[i]);
  }
  return kept.join("\n").trim();
}

/** The names a built package exports, read from the `export { ... }` lines of its .d.ts files. */
function exportedNames(dir) {
  const names = new Set();
  if (!existsSync(join(dir, "dist"))) return names;
  for (const file of walk(join(dir, "dist"))) {
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8");
    for (const [, list] of text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)) {
      for (const item of list.split(",")) {
        const name = item
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)
          .pop();
        if (name) names.add(name);
      }
    }
    for (const [, name] of text.matchAll(
      /export\s+(?:declare\s+)?(?:type|interface|class|function|const|enum)\s+(\w+)/g,
    )) {
      names.add(name);
    }
  }
  return names;
}

/**
 * `deno doc --lint`, counting only the package's own findings. In the workspace the other
 * `@tcp-echo/*` packages are local files, so deno doc calls their exported types "private" when
 * this package's API mentions them (the CLI's `main()` takes the core's `TcpTransport`) or re-exports
 * one (the adapters re-export `TcpTransport`, whose members name more core types). On JSR they are
 * another package's public API, linted when that package is; those findings are reported as a
 * count, not as failures.
 */
async function docLint({ dir, pkg, jsr }) {
  const result = await run(bin("deno"), ["doc", "--lint", ...Object.values(jsr.exports ?? {})], dir);
  const output = denoOutput(result.output);
  if (result.code === 0) return { ...result, output, summary: "no findings" };
  const dependencyExports = new Set();
  for (const dependency of Object.keys(pkg.dependencies ?? {})) {
    const name = dependency.replace(/^@tcp-echo\//, "");
    if (name !== dependency) for (const n of exportedNames(join(root, "packages", name))) dependencyExports.add(n);
  }
  const blocks = output.split(/\n(?=error\[)/).filter((block) => block.startsWith("error["));
  const own = blocks.filter((block) => {
    const file = /-->\s+(\S+?):\d+:\d+/.exec(block)?.[1] ?? "";
    if (!file.startsWith(`${dir}/`)) return false;
    const referenced = /references private type '([^']+)'/.exec(block)?.[1];
    return !(referenced && dependencyExports.has(referenced));
  });
  const elsewhere = blocks.length - own.length;
  const unexplained = blocks.length === 0;
  return {
    code: own.length > 0 || unexplained ? 1 : 0,
    seconds: result.seconds,
    output: unexplained ? output : own.join("\n"),
    summary: `no findings of its own${elsewhere > 0 ? ` (${elsewhere} about types its @tcp-echo dependencies export)` : ""}`,
  };
}

function syncLines(sync, dir) {
  const prefix = relative(root, dir);
  return sync.output
    .split("\n")
    .filter((line) => line.includes(`${prefix}/`))
    .join("\n");
}

/** The package.json fields every published package carries, and the files npm ships with it. */
function checkManifest({ name, dir, pkg }) {
  const problems = [];
  const want = (ok, problem) => ok || problems.push(problem);
  want(pkg.type === "module", `"type" is ${JSON.stringify(pkg.type)}, not "module"`);
  want(pkg.license === "MIT", `"license" is ${JSON.stringify(pkg.license)}, not "MIT"`);
  want(typeof pkg.description === "string" && pkg.description.length > 0, `no "description"`);
  want(
    pkg.main === undefined && pkg.module === undefined,
    `"main"/"module" next to "exports": ESM-only packages use "exports" alone`,
  );
  want(pkg.exports?.["./package.json"] === "./package.json", `"exports" lacks "./package.json"`);
  want(Array.isArray(pkg.files) && pkg.files.includes("dist"), `"files" does not list "dist"`);
  want(pkg.engines !== undefined && Object.keys(pkg.engines).length > 0, `no "engines"`);
  want(pkg.sideEffects !== undefined, `no "sideEffects"`);
  want(Array.isArray(pkg.keywords) && pkg.keywords.length > 0, `no "keywords"`);
  want(
    pkg.repository?.url === "git+https://github.com/tcp-echo/tcp-echo.git" &&
      pkg.repository?.directory === `packages/${name}`,
    `"repository" is not { url: "git+https://github.com/tcp-echo/tcp-echo.git", directory: "packages/${name}" }`,
  );
  want(
    typeof pkg.homepage === "string" && pkg.homepage.startsWith("https://github.com/tcp-echo/tcp-echo"),
    `no "homepage" on github.com/tcp-echo/tcp-echo`,
  );
  want(pkg.bugs !== undefined, `no "bugs"`);
  want(pkg.publishConfig?.access === "public", `"publishConfig.access" is not "public"`);
  want(pkg.publishConfig?.provenance === true, `"publishConfig.provenance" is not true`);
  for (const file of ["README.md", "LICENSE"])
    want(existsSync(join(dir, file)), `no ${file} in ${relative(root, dir)}`);
  return {
    code: problems.length > 0 ? 1 : 0,
    output: problems.join("\n"),
    summary: "fields, README and LICENSE present",
  };
}

const CHECKS = {
  manifest: (target) => checkManifest(target),
  publint: (target) => checkPublint(target),
  attw: async ({ dir }) => {
    const args = ["--pack", ".", "--profile", "esm-only", "--format", "table-flipped", "--no-emoji", "--no-color"];
    const result = await run(bin("attw"), args, dir);
    const entries = (result.output.match(/^│ "@tcp-echo\//gm) ?? []).length;
    return { ...result, summary: `esm-only profile, no problems${entries ? ` in ${entries} entry points` : ""}` };
  },
  dts: (target) => checkDeclarations(target),
  jsr: async ({ dir, jsr }) => {
    if (!jsr) return { code: 1, output: "no deno.json or jsr.json: not publishable to JSR" };
    const result = await run(bin("deno"), ["publish", "--dry-run", "--allow-dirty"], dir);
    const files = (result.output.match(/^\s+file:\/\//gm) ?? []).length;
    return { ...result, output: denoOutput(result.output), summary: `dry run of ${files} files, no slow types` };
  },
  doc: (target) => (target.jsr ? docLint(target) : { code: 1, output: "no JSR config: no entry points to lint" }),
  examples: async ({ dir }) => {
    const result = await run(bin("deno"), ["check", "--doc", "src/"], dir);
    const output = denoOutput(result.output);
    const blocks = (output.match(/^Check \S+#\d+-\d+\.\w+$/gm) ?? []).length;
    let untitled = 0;
    for (const file of walk(join(dir, "src"))) {
      if (file.endsWith(".ts")) untitled += (readFileSync(file, "utf8").match(/@example[ \t]*\r?\n/g) ?? []).length;
    }
    const note = untitled > 0 ? `; ${untitled} @example without a title` : "";
    return { ...result, output, summary: `${blocks} doc examples type-check${note}` };
  },
  sync: ({ dir, jsr }, sync) => {
    if (!jsr) return { code: 1, output: "no JSR config to keep in step" };
    const lines = syncLines(sync, dir);
    return { code: lines ? 1 : 0, output: lines, summary: "version and exports match package.json" };
  },
};

const started = performance.now();
const targets = packages();
const checkNames = Object.keys(CHECKS).filter((check) => !onlyChecks || onlyChecks.includes(check));
const sync = checkNames.includes("sync")
  ? await run(process.execPath, [join(root, "scripts/sync-jsr.mjs"), "--check"], root)
  : undefined;

const jobs = targets.flatMap((target) => checkNames.map((check) => ({ target, check })));
const results = new Array(jobs.length);
let next = 0;
async function worker() {
  while (next < jobs.length) {
    const index = next++;
    const { target, check } = jobs[index];
    const t0 = performance.now();
    try {
      const outcome = await CHECKS[check](target, sync);
      results[index] = { ...outcome, seconds: outcome.seconds ?? (performance.now() - t0) / 1000 };
    } catch (error) {
      results[index] = { code: 1, output: String(error?.stack ?? error), seconds: (performance.now() - t0) / 1000 };
    }
  }
}
await Promise.all(Array.from({ length: Math.min(8, availableParallelism()) }, worker));

let failures = 0;
for (const [index, { target, check }] of jobs.entries()) {
  const { code, output, summary, seconds } = results[index];
  const ok = code === 0;
  if (!ok) failures++;
  const detail = ok ? (summary ?? "") : "";
  console.log(
    `${ok ? "ok  " : "FAIL"} ${target.pkg.name.padEnd(22)} ${check.padEnd(8)} ${seconds.toFixed(1).padStart(5)} s  ${detail}`,
  );
  if ((!ok || values.verbose) && output) console.log(output.replace(/^/gm, "       "));
}
if (sync && sync.code !== 0) {
  const unattributed = sync.output
    .split("\n")
    .filter((line) => line.startsWith("jsr out of step: deno.json"))
    .join("\n");
  if (unattributed) {
    failures++;
    console.log(`FAIL ${"(root)".padEnd(22)} sync\n${unattributed.replace(/^/gm, "       ")}`);
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `\n${targets.length} packages x ${checkNames.length} checks: ${jobs.length - failures} ok, ${failures} failed (${seconds} s)`,
);
process.exit(failures > 0 ? 1 : 0);
