/**
 * The servers under test: per runtime, tcp-echo through its real entrypoint ("ours") and the raw
 * control, each started pinned to one core and stopped with SIGTERM.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { processCommand } from "./proc.mjs";

/** @typedef {"node" | "deno" | "bun"} RuntimeName */
/** @typedef {"ours" | "control"} ServerKind */

export const RUNTIMES = Object.freeze(/** @type {const} */ (["node", "deno", "bun"]));

/**
 * The executable of each runtime: the system node, and the deno and bun binaries the workspace
 * installs, resolved past node_modules/.bin so the pid spawned is the runtime itself.
 * @param {string} root the repository root
 * @returns {Record<RuntimeName, string>}
 */
export function runtimeBinaries(root) {
  const local = (name) => {
    const path = join(root, "node_modules", ".bin", name);
    if (!existsSync(path)) throw new Error(`Cannot find ${name}: ${path} is missing (run npm install)`);
    return realpathSync(path);
  };
  return { node: process.execPath, deno: local("deno"), bun: local("bun") };
}

/** tcp-echo's real entrypoints, as a user starts them. */
export const OURS = Object.freeze({
  node: "runtimes/node/dist/main.js",
  deno: "runtimes/deno/main.ts",
  bun: "runtimes/bun/main.ts",
});

/** The raw controls: echo written straight against each runtime's own API. */
export const CONTROLS = Object.freeze({
  node: "benchmarks/controls/node.mjs",
  deno: "benchmarks/controls/deno.ts",
  bun: "benchmarks/controls/bun.ts",
});

/**
 * The command line of one server, its entry relative to the repository root. Both kinds get the
 * same runtime flags (Deno: --allow-net only), so a difference is the code's, not the runtime's.
 * @param {RuntimeName} runtime
 * @param {ServerKind} kind
 * @param {Record<RuntimeName, string>} bin
 * @returns {{ argv: string[], entry: string }}
 */
export function serverCommand(runtime, kind, bin) {
  const entry = (kind === "ours" ? OURS : CONTROLS)[runtime];
  const flags = ["--host", "127.0.0.1", "--port", "0", ...(kind === "ours" ? ["--quiet"] : [])];
  const argv = {
    node: [bin.node, entry],
    deno: [bin.deno, "run", "--allow-net", entry],
    bun: [bin.bun, "run", entry],
  }[runtime];
  return { argv: [...argv, ...flags], entry };
}

const STARTUP_LINE = /listening on (\[[^\]]+\]|[^\s\]]+):(\d+)/;

/**
 * The port in a startup line such as `tcp-echo listening on 127.0.0.1:40123 (bun 1.4.5)`.
 * @param {string} line
 * @returns {number | undefined}
 */
export function parseStartupLine(line) {
  const match = STARTUP_LINE.exec(line);
  return match === null ? undefined : Number(match[2]);
}

/**
 * @typedef {object} RunningServer
 * @property {number} pid
 * @property {number} port
 * @property {string} startupLine
 * @property {() => string} stderrTail the last lines the server wrote to stderr
 * @property {(timeoutMs?: number) => Promise<{ code: number | null, signal: string | null, killed: boolean }>} stop
 */

/**
 * Start a server and wait for its startup line.
 * @param {{ argv: string[], cwd: string, cpu: string | undefined, timeoutMs: number }} options
 * @returns {Promise<RunningServer>}
 * @throws {Error} when it exits or prints no startup line in time.
 */
export function startServer({ argv, cwd, cpu, timeoutMs }) {
  const command = cpu === undefined ? argv : ["taskset", "-c", cpu, ...argv];
  const child = spawn(command[0], command.slice(1), { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const tail = [];
  let pending = "";
  let exited;
  const exit = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const stderrTail = () => tail.join("\n");

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Cannot start ${argv.join(" ")}: no startup line within ${timeoutMs} ms\n${stderrTail()}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start ${argv.join(" ")}: ${error.message}`));
    });
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`Cannot start ${argv.join(" ")}: it exited (${signal ?? code}) before listening\n${stderrTail()}`),
      );
    });
    // Keep reading stderr for the whole run, so a chatty server never blocks on a full pipe.
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text) => {
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        const port = parseStartupLine(line);
        if (port === undefined || exited !== undefined) continue;
        clearTimeout(timer);
        resolve({ pid: child.pid, port, startupLine: line, stderrTail, stop, command: processCommand(child.pid) });
      }
    });
  });

  async function stop(timeoutMs = 5000) {
    if (exited !== undefined) return { ...exited, killed: false };
    child.kill("SIGTERM");
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const result = await Promise.race([exit, late]);
    clearTimeout(timer);
    if (result !== undefined) return { ...result, killed: false };
    child.kill("SIGKILL");
    return { ...(await exit), killed: true };
  }
}
