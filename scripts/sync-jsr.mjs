#!/usr/bin/env node
/**
 * Keeps each package's JSR config (`deno.json`, or `jsr.json` where a package has no deno.json) in
 * step with its package.json: the same name and version, and an `exports` map whose entries are
 * the package.json entries mapped from `./dist/*.js` back to `./src/*.ts`, plus `./bin` for a
 * package with a `bin` (the CLI; `.` when it has no `exports`). It also writes `VERSION` in
 * packages/cli/src/version.ts, and checks that the root deno.json lists every package with a JSR
 * config as a workspace member (that is how `@tcp-echo/*` imports become `jsr:` dependencies).
 *
 *   node scripts/sync-jsr.mjs           write the differences (the changesets `version` step)
 *   node scripts/sync-jsr.mjs --check   change nothing; name each difference and exit 1 if any
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { jsrConfigFile, publishedPackages } from "./published-packages.mjs";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });

/** The file an export condition tree finally points to for a runtime without conditions. */
function defaultTarget(target) {
  if (typeof target === "string") return target;
  if (target === null || typeof target !== "object") return undefined;
  return defaultTarget(target.default ?? target.import);
}

/** `./dist/a/b.js` -> `./src/a/b.ts`; anything else is returned as is. */
export function sourceOf(path) {
  const match = /^\.\/dist\/(.+)\.(?:m?js|cjs)$/.exec(path);
  return match ? `./src/${match[1]}.ts` : path;
}

/** The JSR `exports` a package.json implies. */
export function jsrExports(pkg) {
  const exports = {};
  const map = typeof pkg.exports === "string" || pkg.exports?.["."] === undefined ? { ".": pkg.exports } : pkg.exports;
  if (pkg.exports !== undefined) {
    for (const [key, target] of Object.entries(map)) {
      if (key === "./package.json") continue;
      const file = defaultTarget(target);
      if (file !== undefined) exports[key] = sourceOf(file);
    }
  }
  if (pkg.bin !== undefined) {
    // A command is run from JSR by a module path: `deno run -A jsr:@tcp-echo/cli/bin`.
    const bin = typeof pkg.bin === "string" ? pkg.bin : Object.values(pkg.bin)[0];
    exports[pkg.exports === undefined ? "." : "./bin"] = sourceOf(bin.startsWith("./") ? bin : `./${bin}`);
  }
  return exports;
}

const differences = [];
const writes = [];
const members = [];

for (const { name, dir, pkg } of publishedPackages(root)) {
  const configFile = jsrConfigFile(dir);
  if (configFile === undefined) continue;
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const where = relative(root, configFile);
  members.push(`./packages/${name}`);
  const want = { name: pkg.name, version: pkg.version, exports: jsrExports(pkg) };
  let changed = false;
  for (const [field, value] of Object.entries(want)) {
    if (isDeepStrictEqual(config[field], value)) continue;
    differences.push(
      `${where}: ${field} is ${JSON.stringify(config[field])}, package.json implies ${JSON.stringify(value)}`,
    );
    config[field] = value;
    changed = true;
  }
  for (const [key, file] of Object.entries(want.exports)) {
    if (!existsSync(join(dir, file)))
      differences.push(`${where}: exports["${key}"] points to ${file}, which does not exist`);
  }
  if (changed) {
    const ordered = { name: config.name, version: config.version, ...config };
    writes.push([configFile, `${JSON.stringify(ordered, null, 2)}\n`]);
  }

  const versionFile = join(dir, "src/version.ts");
  if (name === "cli" && existsSync(versionFile)) {
    const source = readFileSync(versionFile, "utf8");
    const pattern = /(export const VERSION(?:\s*:\s*string)?\s*=\s*)(["'])([^"']*)\2/;
    const found = pattern.exec(source);
    if (found === null) {
      differences.push(`${relative(root, versionFile)}: has no \`export const VERSION = "..."\``);
    } else if (found[3] !== pkg.version) {
      differences.push(`${relative(root, versionFile)}: VERSION is "${found[3]}", package.json has "${pkg.version}"`);
      writes.push([versionFile, source.replace(pattern, `$1$2${pkg.version}$2`)]);
    }
  }
}

const rootConfig = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const workspace = rootConfig.workspace ?? [];
for (const member of members) {
  if (!workspace.includes(member)) differences.push(`deno.json: workspace does not list ${member}`);
}

if (values.check) {
  for (const line of differences) console.log(`jsr out of step: ${line}`);
  if (differences.length > 0) {
    console.log(
      "run `node scripts/sync-jsr.mjs` to write package.json's name, version and exports into the JSR configs",
    );
    process.exit(1);
  }
  console.log(`jsr configs in step with package.json: ${members.length} packages`);
} else {
  for (const [file, text] of writes) writeFileSync(file, text);
  // Biome has the last word on JSON layout, so a sync leaves `npm run lint` clean.
  const json = writes.map(([file]) => file).filter((file) => file.endsWith(".json"));
  if (json.length > 0)
    execFileSync(join(root, "node_modules/.bin/biome"), ["format", "--write", ...json], { stdio: "ignore" });
  for (const line of differences) console.log(`synced ${line}`);
  const unfixable = differences.filter((line) => line.includes("does not exist") || line.startsWith("deno.json:"));
  if (unfixable.length > 0) process.exit(1);
}
