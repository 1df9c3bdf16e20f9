/**
 * The servers under test: per runtime, tcp-echo through its real entrypoint ("ours") and the raw
 * control, each started pinned to one core on a TCP port, a TLS port or a unix socket, and
 * stopped with SIGTERM.
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
 * Where a server listens: a free TCP port on 127.0.0.1, the same with TLS (the certificate and
 * key files), or a unix socket's path.
 * @typedef {{ transport: "tcp" } | { transport: "tls", cert: string, key: string } | { transport: "unix", path: string }} Listen
 */

/** What Deno needs for each transport: a unix socket is a file, and TLS reads its key from one. */
const DENO_PERMISSIONS = Object.freeze({
  tcp: ["--allow-net"],
  tls: ["--allow-net", "--allow-read"],
  unix: ["--allow-net", "--allow-read", "--allow-write"],
});

/**
 * The command line of one server, its entry relative to the repository root. Both kinds get the
 * same runtime flags and the same listening options, so a difference is the code's, not the
 * runtime's.
 * @param {RuntimeName} runtime
 * @param {ServerKind} kind
 * @param {Record<RuntimeName, string>} bin
 * @param {Listen} [listen] TCP on a free port when omitted
 * @returns {{ argv: string[], entry: string }}
 */
export function serverCommand(runtime, kind, bin, listen = { transport: "tcp" }) {
  const entry = (kind === "ours" ? OURS : CONTROLS)[runtime];
  const flags = [...listenFlags(listen), ...(kind === "ours" ? ["--quiet"] : [])];
  const argv = {
    node: [bin.node, entry],
    deno: [bin.deno, "run", ...DENO_PERMISSIONS[listen.transport], entry],
    bun: [bin.bun, "run", entry],
  }[runtime];
  return { argv: [...argv, ...flags], entry };
}

function listenFlags(listen) {
  if (listen.transport === "unix") return ["--unix", listen.path];
  const tcp = ["--host", "127.0.0.1", "--port", "0"];
  return listen.transport === "tls" ? [...tcp, "--tls-cert", listen.cert, "--tls-key", listen.key] : tcp;
}

/** @typedef {{ transport: "tcp" | "tls", port: number } | { transport: "unix", path: string }} ServerAddress */

const UNIX_LINE = /listening on unix:(\S+)/;
const TCP_LINE = /listening on (tls:\/\/)?(\[[^\]]+\]|[^\s\]/]+):(\d+)/;

/**
 * The address in a startup line such as `tcp-echo listening on 127.0.0.1:40123 (bun 1.4.5)`,
 * `... on tls://127.0.0.1:40123` or `... on unix:/tmp/x/echo.sock`.
 * @param {string} line
 * @returns {ServerAddress | undefined}
 */
export function parseStartupLine(line) {
  const unix = UNIX_LINE.exec(line);
  if (unix !== null) return { transport: "unix", path: unix[1] };
  const tcp = TCP_LINE.exec(line);
  if (tcp === null) return undefined;
  return { transport: tcp[1] === undefined ? "tcp" : "tls", port: Number(tcp[3]) };
}

/**
 * @typedef {object} RunningServer
 * @property {number} pid
 * @property {ServerAddress} address
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
        const address = parseStartupLine(line);
        if (address === undefined || exited !== undefined) continue;
        clearTimeout(timer);
        resolve({ pid: child.pid, address, startupLine: line, stderrTail, stop, command: processCommand(child.pid) });
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
