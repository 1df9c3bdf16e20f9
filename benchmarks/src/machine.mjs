/**
 * What a result is only valid for: the machine, the kernel, the runtime versions, the compiler
 * and the commit.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";

function run(file, args, cwd) {
  try {
    return execFileSync(file, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function read(path) {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Describe the machine and the software under test.
 * @param {string} root the repository root
 * @param {Record<string, string>} bin runtime executables
 * @returns {object}
 */
export function describeMachine(root, bin) {
  const cpuList = cpus();
  const osRelease = read("/etc/os-release");
  const prettyName = osRelease && /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1];
  return {
    cpuModel: cpuList[0]?.model,
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: prettyName,
    kernel: release(),
    // Loopback TCP moves with it: under BBR one server's stream sessions have run two to three
    // times apart, at more kernel time per chunk than under CUBIC (benchmarks/README.md).
    tcpCongestionControl: read("/proc/sys/net/ipv4/tcp_congestion_control"),
    runtimes: {
      node: process.versions.node,
      deno: run(bin.deno, ["--version"])
        ?.split("\n")[0]
        ?.replace(/^deno /, "")
        .replace(/ \(.*$/, ""),
      bun: run(bin.bun, ["--version"]),
    },
    commit: commitOf(root),
  };
}

/**
 * The kernel and its TCP congestion control, as a result's header names them:
 * `Linux 6.1.0, TCP congestion control cubic` (a result from before the bench recorded it: `Linux 6.1.0`).
 * @param {{ kernel: string, tcpCongestionControl?: string }} machine
 * @returns {string}
 */
export function kernelOf(machine) {
  const control = machine.tcpCongestionControl;
  return `Linux ${machine.kernel}${control === undefined ? "" : `, TCP congestion control ${control}`}`;
}

/**
 * The commit checked out in `dir`, marked when tracked files have changed since.
 * @param {string} dir the top of a checkout
 * @returns {string | undefined} undefined when `dir` is not the top of a git checkout (a copy of
 *   the tree inside another repository must not take that repository's commit)
 */
export function commitOf(dir) {
  const top = run("git", ["rev-parse", "--show-toplevel"], dir);
  if (top === undefined || realpathSync(top) !== realpathSync(dir)) return undefined;
  const commit = run("git", ["rev-parse", "--short", "HEAD"], dir);
  const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"], dir);
  return commit === undefined ? undefined : `${commit}${dirty ? " (with local changes)" : ""}`;
}
