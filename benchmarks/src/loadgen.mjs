/**
 * The C load client: compiled by the harness with the system's C compiler into benchmarks/.tmp/
 * (ignored by git), linked with OpenSSL for its TLS mode, run pinned to its own core, driven over
 * its stdout/stdin event lines.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const CFLAGS = ["-O2", "-std=gnu11", "-Wall", "-Wextra"];
/** OpenSSL, for --tls only; its headers come with Debian's libssl-dev. */
const LIBS = ["-lssl", "-lcrypto"];

/**
 * Compile loadgen.c unless a binary of this very source and these flags exists. The binary's name
 * carries a hash of both, and it is renamed into place, so a quick run inside `npm test` and a full
 * run started at the same time never see a half-written file.
 * @param {string} benchDir the benchmarks/ folder
 * @returns {{ path: string, cc: string, cflags: string[], libs: string[] }}
 * @throws {Error} when there is no C compiler, no OpenSSL headers, or the build fails.
 */
export function ensureLoadgen(benchDir) {
  const source = join(benchDir, "client", "loadgen.c");
  const cc = process.env.CC ?? "cc";
  let version;
  try {
    version = execFileSync(cc, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0];
  } catch {
    throw new Error(
      `Cannot build the load client: no C compiler "${cc}" on PATH. Install gcc (Debian: apt-get install gcc) or set CC.`,
    );
  }
  const hash = createHash("sha256")
    .update(readFileSync(source))
    .update([...CFLAGS, ...LIBS].join(" "))
    .update(version);
  const dir = join(benchDir, ".tmp");
  const path = join(dir, `loadgen-${hash.digest("hex").slice(0, 12)}`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    try {
      execFileSync(cc, [...CFLAGS, "-o", partial, source, ...LIBS], { stdio: ["ignore", "inherit", "pipe"] });
    } catch (error) {
      rmSync(partial, { force: true });
      const stderr = String(error.stderr ?? error.message);
      if (/openssl\/\w+\.h|-lssl|-lcrypto/.test(stderr))
        throw new Error(
          "Cannot build the load client: OpenSSL's headers or libraries are missing. Install them (Debian: apt-get install libssl-dev).",
        );
      throw new Error(`Cannot build the load client: ${cc} failed on ${source}\n${stderr}`);
    }
    renameSync(partial, path);
  }
  return { path, cc: version, cflags: CFLAGS, libs: LIBS };
}

/**
 * @typedef {object} LoadgenHooks
 * @property {() => Promise<void>} [connected] every connection is open and primed; load starts when this resolves
 * @property {() => void} [measuring] the measured window starts
 * @property {() => void} [measured] the measured window ended
 */

/**
 * Where loadgen connects: a TCP port on 127.0.0.1, with TLS or without, a UDP port on 127.0.0.1
 * (`udp`: loadgen's datagram mode), or a unix socket's path.
 * @typedef {{ port: number, tls?: boolean, udp?: boolean } | { unix: string }} LoadgenTarget
 */

/**
 * Run one load and return its result line.
 * @param {LoadgenTarget & { path: string, args: string[], warmupMs: number, durationMs: number, cpu: string | undefined }} options
 * @param {LoadgenHooks} hooks
 * @returns {Promise<Record<string, unknown> & { ok: boolean }>}
 * @throws {Error} when it prints no result or runs past its deadline.
 */
export function runLoadgen({ path, args, warmupMs, durationMs, cpu, ...target }, hooks = {}) {
  const timing = ["--warmup-ms", String(warmupMs), "--duration-ms", String(durationMs)];
  const bounds = ["--connect-timeout-ms", "10000", "--drain-timeout-ms", "10000", "--go-timeout-ms", "30000"];
  // loadgen takes the last of a repeated option: the caller's args win over these defaults.
  const argv = [path, ...targetArgs(target), ...bounds, ...timing, ...args];
  if (hooks.connected !== undefined) argv.push("--wait-go");
  const command = cpu === undefined ? argv : ["taskset", "-c", cpu, ...argv];
  const child = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  // Connect, go, drain and half-close are each bounded inside loadgen; this is the backstop.
  const deadlineMs = warmupMs + durationMs + 10000 + 30000 + 2 * 10000 + 5000;
  let stderr = "";
  // "go" may meet a loadgen that already failed and exited: its exit code tells, not EPIPE.
  child.stdin.on("error", () => {});
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    stderr += text;
  });

  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`loadgen ran past its ${deadlineMs} ms deadline`));
    }, deadlineMs);
    createInterface({ input: child.stdout }).on("line", (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.event === "connected" && hooks.connected !== undefined) {
        hooks.connected().then(
          () => child.stdin.write("go\n"),
          (error) => {
            child.kill("SIGKILL");
            reject(error);
          },
        );
      } else if (event.event === "measuring") hooks.measuring?.();
      else if (event.event === "measured") hooks.measured?.();
      else if (event.event === "result") result = event;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run loadgen: ${error.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`loadgen exited (${code}) without a result: ${stderr.trim()}`));
    });
  });
}

/** loadgen's options for a target. */
function targetArgs(target) {
  if (target.unix !== undefined) return ["--unix", target.unix];
  const mode = target.udp ? ["--udp"] : target.tls ? ["--tls"] : [];
  return ["--host", "127.0.0.1", "--port", String(target.port), ...mode];
}
