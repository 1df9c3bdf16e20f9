/**
 * What the harness reads about a server process it started: CPU time and resident memory, from
 * /proc. /proc/<pid>/stat sums every thread (Deno's and Bun's helper threads included).
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux the harness targets. */
const CLK_TCK = 100;

/**
 * `anonKiB` is the anonymous part of the RSS (RssAnon: heap, malloc, stacks), what a process
 * holds for its own data; the rest of `rssKiB` is file-backed (its executable and libraries as
 * their code is first run, shared and clean) and shared memory.
 * @typedef {{ atMs: number, cpuMs: number, rssKiB: number, anonKiB: number, hwmKiB: number, threads: number }} ProcSample
 */

/**
 * Sample one process.
 * @param {number} pid
 * @returns {ProcSample}
 * @throws {Error} when the process is gone.
 */
export function sampleProcess(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    atMs: performance.now(),
    cpuMs: (ticks * 1000) / CLK_TCK,
    rssKiB: statusKiB(status, "VmRSS"),
    anonKiB: statusKiB(status, "RssAnon"),
    hwmKiB: statusKiB(status, "VmHWM"),
    threads: statusKiB(status, "Threads"),
  };
}

/**
 * The executable a process runs, to check that the pid spawned is the runtime itself.
 * @param {number} pid
 * @returns {string}
 */
export function processCommand(pid) {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

function statusKiB(status, key) {
  const match = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status);
  if (match === null) throw new Error(`Cannot read ${key}: /proc status has no such line`);
  return Number(match[1]);
}
