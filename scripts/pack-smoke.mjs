#!/usr/bin/env node
/**
 * `npm run smoke:pack`: do the packages work as users install them? Assumes `npm run build`.
 * Packs every public package with `npm pack`, installs all the tarballs at once into a fresh
 * project in a temporary directory (offline: their only dependencies are each other), then on
 * Node.js, Deno and Bun:
 *
 *   cli      runs the `tcp-echo` bin with `--port 0`, echoes a message through it, runs three quick
 *            cases of the installed `tcp-echo-conformance` bin against it, sends SIGTERM and
 *            expects exit code 0 (skipped, saying so, when packages/cli/dist/bin.js is absent)
 *   runner   starts the bin the way each runtime's package runner does (npx, bunx --bun,
 *            deno run -A npm:) and checks that it runs on that runtime
 *   server   runs a script that imports { listen } from "@tcp-echo/server", echoes a message
 *            through a client and shuts down (packages/server/test/smoke.mjs)
 *
 * Prints one line per runtime and check; exits 1 on any failure. Removes the directory after.
 *
 *   node scripts/pack-smoke.mjs [--keep]   --keep leaves the temporary project for a look
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { publishedPackages } from "./published-packages.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const { values } = parseArgs({ options: { keep: { type: "boolean", default: false } } });
const PROCESS_MS = 20_000;
/** Quick wire-level cases the installed `tcp-echo-conformance` runs against each runtime's CLI. */
const CONFORMANCE_CASES = ["exact-256-byte-values", "half-close-with-data", "half-close-empty"];
const env = {
  ...process.env,
  // `node_modules/.bin/tcp-echo` starts with `#!/usr/bin/env node`: the node running this script.
  PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
  NO_COLOR: "1",
  DENO_NO_UPDATE_CHECK: "1",
};
const runtimes = {
  node: [process.execPath],
  // --unstable-net: the server smoke serves UDP, which Deno 2.9 has only behind it.
  deno: [bin("deno"), "run", "-A", "--unstable-net"],
  bun: [bin("bun")],
};

function exec(cmd, args, cwd, timeout = 120_000) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[cmd, ...args].join(" ")} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Starts a process; `stop()` kills it if it is still running. */
function start(command, cwd) {
  const child = spawn(command[0], command.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  running.add(child);
  exited.then(() => running.delete(child));
  return { child, exited, output: () => output };
}
const running = new Set();

/** Resolves with `value()` once `ready()` holds on new output, rejects at the deadline or exit. */
function waitFor(proc, ready, ms, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = ready(proc.output());
      if (found) finish(() => resolve(found));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${ms} ms`))), ms);
    const onExit = ({ code, signal }) => finish(() => reject(new Error(`exited (${code ?? signal}) before ${what}`)));
    const finish = (settle) => {
      clearTimeout(timer);
      proc.child.stdout.off("data", check);
      proc.child.stderr.off("data", check);
      settle();
    };
    proc.child.stdout.on("data", check);
    proc.child.stderr.on("data", check);
    proc.exited.then(onExit);
    check();
  });
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Sends `message`, half-closes, and resolves with everything echoed until the server's FIN. */
function echo(port, message) {
  const received = new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const chunks = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => {
      socket.end();
      resolve(Buffer.concat(chunks).toString());
    });
    socket.on("error", reject);
    socket.end(message);
  });
  return withDeadline(received, 5_000, "echo");
}

async function cliCheck(runtime, project) {
  const binFile = join(project, "node_modules/@tcp-echo/cli/dist/bin.js");
  const command = runtime === "node" ? [join(project, "node_modules/.bin/tcp-echo")] : [...runtimes[runtime], binFile];
  const proc = start([...command, "--port", "0"], project);
  const line = await waitFor(
    proc,
    (out) => /tcp-echo listening on \S+:(\d+) \(.*\)/.exec(out),
    PROCESS_MS,
    "startup line",
  );
  const port = Number(line[1]);
  const message = `ping from the ${runtime} smoke test\n`;
  const echoed = await echo(port, message);
  if (echoed !== message) throw new Error(`sent ${JSON.stringify(message)}, echoed ${JSON.stringify(echoed)}`);
  let conformance = "";
  const conformanceBin = join(project, "node_modules/.bin/tcp-echo-conformance");
  if (existsSync(conformanceBin)) {
    // The conformance package's own bin, from its tarball, against this runtime's server.
    const args = ["--target", `127.0.0.1:${port}`, "--only", CONFORMANCE_CASES.join(",")];
    await exec(conformanceBin, args, project, PROCESS_MS);
    conformance = `; tcp-echo-conformance passed ${CONFORMANCE_CASES.length} cases`;
  }
  proc.child.kill("SIGTERM");
  const { code, signal } = await withDeadline(proc.exited, PROCESS_MS, "exit after SIGTERM");
  if (code !== 0) throw new Error(`exit ${code ?? signal} after SIGTERM, expected 0:\n${proc.output()}`);
  return `${line[0].trim()}; echoed ${message.length} bytes${conformance}; SIGTERM -> exit 0`;
}

/**
 * The package as each runtime's package runner starts it, from the installed tarball: `npx`,
 * `bunx --bun` (without `--bun`, bunx obeys the bin's `#!/usr/bin/env node` and runs Node.js),
 * and `deno run -A npm:` (Deno ignores the shebang). Each must say it runs on its own runtime.
 */
async function runnerCheck(runtime, project) {
  const commands = {
    node: ["npx", "--offline", "--no-install", "@tcp-echo/cli", "--version"],
    deno: [bin("deno"), "run", "-A", "npm:@tcp-echo/cli", "--version"],
    bun: [bin("bun"), "x", "--bun", "@tcp-echo/cli", "--version"],
  };
  const [cmd, ...args] = commands[runtime];
  const out = (await exec(cmd, args, project, PROCESS_MS)).trim();
  if (!out.includes(`(${runtime} `)) throw new Error(`${[cmd, ...args].join(" ")} printed ${JSON.stringify(out)}`);
  return `${[cmd === bin(runtime) ? runtime : cmd, ...args].join(" ")}: ${out}`;
}

async function serverCheck(runtime, project) {
  const proc = start([...runtimes[runtime], join(project, "smoke.mjs")], project);
  const { code, signal } = await withDeadline(proc.exited, PROCESS_MS, "exit of the listen() script");
  const out = proc.output().trim();
  if (code !== 0 || !out.startsWith("OK")) throw new Error(`exit ${code ?? signal}:\n${out}`);
  return out.replace(/^OK /, "");
}

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), "tcp-echo-pack-smoke-"));
const results = [];
let failed = 0;
function report(ok, runtime, check, seconds, detail) {
  if (!ok) failed++;
  results.push([ok, runtime, check]);
  const text = String(detail).replace(/\n/g, "\n       ");
  console.log(
    `${ok ? "ok  " : "FAIL"} ${runtime.padEnd(5)} ${check.padEnd(7)} ${seconds.toFixed(1).padStart(5)} s  ${text}`,
  );
}

try {
  const packages = [];
  for (const { name, dir, pkg } of publishedPackages(root)) {
    if (name === "cli" && !existsSync(join(dir, "dist/bin.js"))) {
      console.log("skip @tcp-echo/cli: packages/cli/dist/bin.js is not built, so the bin checks are skipped too");
      continue;
    }
    packages.push({ name, dir, pkg });
  }
  const hasCli = packages.some(({ name }) => name === "cli");

  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packed = await Promise.all(
    packages.map(async ({ dir }) => {
      const out = await exec("npm", ["pack", "--json", "--pack-destination", tarballs], dir);
      return JSON.parse(out.slice(out.indexOf("[")))[0];
    }),
  );
  console.log(`packed ${packed.map((p) => `${p.name}@${p.version} (${p.entryCount} files)`).join(", ")}`);

  const project = join(work, "project");
  mkdirSync(project);
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../tarballs/${p.filename}`]));
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "tcp-echo-pack-smoke", private: true, type: "module", dependencies }, null, 2)}\n`,
  );
  // Deno reads the project's node_modules as npm installed it, like a Deno user of npm packages.
  writeFileSync(join(project, "deno.json"), `${JSON.stringify({ nodeModulesDir: "manual", lock: false })}\n`);
  copyFileSync(join(root, "packages/server/test/smoke.mjs"), join(project, "smoke.mjs"));
  const t0 = performance.now();
  await exec(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"],
    project,
  );
  console.log(
    `installed ${packed.length} tarballs offline in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${project}`,
  );

  for (const runtime of Object.keys(runtimes)) {
    const checks = hasCli
      ? [
          ["cli", cliCheck],
          ["runner", runnerCheck],
          ["server", serverCheck],
        ]
      : [["server", serverCheck]];
    for (const [check, fn] of checks) {
      const t = performance.now();
      try {
        const detail = await fn(runtime, project);
        report(true, runtime, check, (performance.now() - t) / 1000, detail);
      } catch (error) {
        report(false, runtime, check, (performance.now() - t) / 1000, error.message);
      }
    }
  }
  if (!hasCli) console.log("cli checks skipped: packages/cli/dist/bin.js is not built");
} catch (error) {
  failed++;
  console.log(`FAIL setup: ${error.message}`);
} finally {
  for (const child of running) child.kill("SIGKILL");
  await Promise.all([...running].map((child) => once(child, "close").catch(() => {})));
  if (values.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${results.length - failed} ok, ${failed} failed (${seconds} s)`);
process.exit(failed > 0 ? 1 : 0);
