/**
 * The servers under test: per runtime, tcp-echo through its real entrypoint ("ours") and the raw
 * control, each started pinned to one core on a TCP port, a TLS port, a unix socket or a UDP
 * port, and stopped with SIGTERM.
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
 * key files), a unix socket's path, or a free UDP port on 127.0.0.1.
 * @typedef {{ transport: "tcp" } | { transport: "tls", cert: string, key: string } | { transport: "unix", path: string } | { transport: "udp" }} Listen
 */

/**
 * What Deno needs for each transport: a unix socket is a file, TLS reads its key from one, and
 * Deno's UDP (`Deno.listenDatagram`) is still behind `--unstable-net`.
 */
const DENO_PERMISSIONS = Object.freeze({
  tcp: ["--allow-net"],
  tls: ["--allow-net", "--allow-read"],
  unix: ["--allow-net", "--allow-read", "--allow-write"],
  udp: ["--allow-net", "--unstable-net"],
});

/**
 * tcp-echo's UDP guards stay on in a benchmark (the source-port and broadcast checks and the
 * per-sender token bucket run on every datagram), with the bucket raised far past any rate a
 * loopback run reaches, so none of them drops a datagram: every load client source shares the
 * address 127.0.0.1, and the default bucket (10,000 datagrams/s, 4 MiB/s per sender address)
 * would otherwise be what the benchmark measures.
 */
export const OURS_UDP_FLAGS = Object.freeze(["--udp-rate", "100000000", "--udp-bytes-rate", "100GiB"]);

/**
 * The command line of one server, its entry relative to the repository root. Both kinds get the
 * same runtime flags and the same listening options, so a difference is the code's, not the
 * runtime's. A comparison (see scenarios.mjs) runs tcp-echo on both sides, each side with its
 * own `flags`, both with the comparison's `denoFlags`; `log: "json"` writes the per-connection
 * events as JSON instead of --quiet.
 * @param {RuntimeName} runtime
 * @param {ServerKind} kind
 * @param {Record<RuntimeName, string>} bin
 * @param {Listen} [listen] TCP on a free port when omitted
 * @param {{ flags?: string[], denoFlags?: string[], log?: "quiet" | "json" }} [extra] tcp-echo only
 * @returns {{ argv: string[], entry: string }}
 */
export function serverCommand(runtime, kind, bin, listen = { transport: "tcp" }, extra = {}) {
  const { flags: sideFlags = [], denoFlags = [], log = "quiet" } = extra;
  const entry = (kind === "ours" ? OURS : CONTROLS)[runtime];
  const logFlags = log === "json" ? ["--log-format", "json"] : ["--quiet"];
  const oursOnly =
    kind !== "ours" ? [] : [...(listen.transport === "udp" ? OURS_UDP_FLAGS : []), ...sideFlags, ...logFlags];
  const flags = [...listenFlags(listen), ...oursOnly];
  const argv = {
    node: [bin.node, entry],
    deno: [bin.deno, "run", ...DENO_PERMISSIONS[listen.transport], ...denoFlags, entry],
    bun: [bin.bun, "run", entry],
  }[runtime];
  return { argv: [...argv, ...flags], entry };
}

function listenFlags(listen) {
  if (listen.transport === "unix") return ["--unix", listen.path];
  const tcp = ["--host", "127.0.0.1", "--port", "0"];
  if (listen.transport === "tls") return [...tcp, "--tls-cert", listen.cert, "--tls-key", listen.key];
  // UDP alone: tcp-echo's --udp serves UDP beside TCP, and --no-tcp leaves TCP out.
  if (listen.transport === "udp") return [...tcp, "--udp", "--no-tcp"];
  return tcp;
}

/** @typedef {{ transport: "tcp" | "tls" | "udp", port: number } | { transport: "unix", path: string }} ServerAddress */

const UNIX_LINE = /listening on unix:(\S+)/;
const PORT_LINE = /listening on (?:(tls|udp):\/\/)?(\[[^\]]+\]|[^\s\]/]+):(\d+)/;

/**
 * The address in a startup line such as `tcp-echo listening on 127.0.0.1:40123 (bun 1.4.5)`,
 * `... on tls://127.0.0.1:40123`, `... on udp://127.0.0.1:40123` or `... on unix:/tmp/x/echo.sock`,
 * a worker's `[worker 2] tcp-echo listening on ...`, or tcp-echo's JSON `listening` event
 * (`--log-format json`: `{"type":"listening",...,"transport":"tcp",...,"port":40123,...}`).
 * @param {string} line
 * @returns {ServerAddress | undefined}
 */
export function parseStartupLine(line) {
  if (line.startsWith("{")) return jsonListening(line);
  const unix = UNIX_LINE.exec(line);
  if (unix !== null) return { transport: "unix", path: unix[1] };
  const port = PORT_LINE.exec(line);
  if (port === null) return undefined;
  return { transport: /** @type {"tls" | "udp" | undefined} */ (port[1]) ?? "tcp", port: Number(port[3]) };
}

/** A JSON `listening` event's address; undefined for any other line. */
function jsonListening(line) {
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (event?.type !== "listening") return undefined;
  if (event.transport === "unix" && typeof event.path === "string") return { transport: "unix", path: event.path };
  if (["tcp", "tls", "udp"].includes(event.transport) && Number.isInteger(event.port))
    return { transport: event.transport, port: event.port };
  return undefined;
}

/**
 * @typedef {object} RunningServer
 * @property {number} pid
 * @property {ServerAddress} address
 * @property {string} startupLine the first one, with `listeners` above 1
 * @property {string[]} startupLines one per listener
 * @property {() => string} stderrTail the last lines the server wrote to stderr
 * @property {(timeoutMs?: number) => Promise<{ code: number | null, signal: string | null, killed: boolean }>} stop
 */

/**
 * glibc's heap trim threshold (`MALLOC_TRIM_THRESHOLD_`) for every server, tcp-echo and the
 * controls alike: 256 MiB, unless the bench's own environment sets one (`131072`, glibc's
 * starting value, to measure with the default). Node.js mallocs a 64 KiB buffer for each socket
 * read and frees it when a scavenge collects the Buffer; with glibc's default the freed top of the
 * heap went back to the kernel at each scavenge and was faulted in again in some sessions and not
 * in others, moving one Node.js stream session between about 1.5 and 2.6 GiB/s (about 450,000
 * against 15,000 page faults in 2.5 s) whichever server ran: a coin toss per session, which no
 * number of pairs settles. Bun's allocator is its own and ignores it.
 */
export const MALLOC_TRIM_THRESHOLD = process.env.MALLOC_TRIM_THRESHOLD_ ?? String(256 * 1024 * 1024);

/**
 * Start a server and wait for its startup line, or for `listeners` of them (one per worker of
 * `--workers`): a load that starts before every worker listens would all go to the first.
 * @param {{ argv: string[], cwd: string, cpu: string | undefined, timeoutMs: number, listeners?: number, onLine?: (line: string) => void }} options
 *   `onLine` sees every line of stderr as it comes
 * @returns {Promise<RunningServer>}
 * @throws {Error} when it exits or prints too few startup lines in time, or its listeners
 *   announce different addresses.
 */
export function startServer({ argv, cwd, cpu, timeoutMs, listeners = 1, onLine }) {
  const command = cpu === undefined ? argv : ["taskset", "-c", cpu, ...argv];
  const env = { ...process.env, MALLOC_TRIM_THRESHOLD_: MALLOC_TRIM_THRESHOLD };
  const child = spawn(command[0], command.slice(1), { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  const tail = [];
  let pending = "";
  let exited;
  const exit = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const startupLines = [];
  const addresses = [];
  const stderrTail = () => tail.join("\n");

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      const seen = listeners === 1 ? "no startup line" : `${startupLines.length} of ${listeners} startup lines`;
      reject(new Error(`Cannot start ${argv.join(" ")}: ${seen} within ${timeoutMs} ms\n${stderrTail()}`));
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
        onLine?.(line);
        if (startupLines.length >= listeners) continue;
        const address = parseStartupLine(line);
        if (address === undefined || exited !== undefined) continue;
        startupLines.push(line);
        addresses.push(JSON.stringify(address));
        if (startupLines.length < listeners) continue;
        clearTimeout(timer);
        if (new Set(addresses).size > 1) {
          child.kill("SIGKILL");
          reject(
            new Error(`Cannot start ${argv.join(" ")}: its listeners announced different addresses\n${stderrTail()}`),
          );
          continue;
        }
        resolve({
          pid: child.pid,
          address,
          startupLine: startupLines[0],
          startupLines: [...startupLines],
          stderrTail,
          stop,
          command: processCommand(child.pid),
        });
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
