/**
 * What `--workers` changes for a session: the server is a supervisor and its worker processes, so
 * its CPU time and memory are sums over the process tree, and the balance between the workers is
 * read two ways: each worker's CPU time over the measured window (/proc), and the connections
 * each one opened, counted from the `open` events of tcp-echo's JSON log, which carry
 * `"worker": <id>` under --workers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { sampleProcess } from "./proc.mjs";

/**
 * The type, worker id and process id of one line of tcp-echo's JSON log, and for the
 * supervisor's `workers` event how the workers share the port (`cluster` or `reusePort`);
 * undefined for a line that is not a JSON event (a runtime's warning).
 * @param {string} line
 * @returns {{ type: string, worker: number | undefined, pid: number | undefined, sharing?: string } | undefined}
 * @example
 * ```js
 * const event = parseLogEvent('{"type":"open","time":"...","worker":2,"remote":"127.0.0.1:5000"}');
 * assert.deepEqual(event, { type: "open", worker: 2, pid: undefined });
 * ```
 */
export function parseLogEvent(line) {
  if (!line.startsWith("{")) return undefined;
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof event?.type !== "string") return undefined;
  const int = (x) => (Number.isInteger(x) ? x : undefined);
  const parsed = { type: event.type, worker: int(event.worker), pid: int(event.pid) };
  if (event.type === "workers" && typeof event.sharing === "string") parsed.sharing = event.sharing;
  return parsed;
}

/**
 * Counts a server's per-connection events from its log lines as they come: `open` per worker,
 * `close` in all, and each worker's pid from its `listening` event. `whenCloses(n)` resolves once
 * n connections have closed: since a worker logs a connection's `open` before its `close`, every
 * `open` of those connections has been counted by then.
 */
export class WorkerLog {
  /** @type {Map<number, number>} worker id -> `open` events */
  opens = new Map();
  /** @type {Map<number, number>} worker id -> its pid */
  pids = new Map();
  closes = 0;
  /** @type {string | undefined} how the workers share the port, from the supervisor's `workers` event */
  sharing;
  #waiters = [];

  /** Feed one line of stderr. */
  onLine = (line) => {
    const event = parseLogEvent(line);
    if (event?.sharing !== undefined) this.sharing = event.sharing;
    if (event === undefined || event.worker === undefined) return;
    if (event.type === "listening" && event.pid !== undefined) this.pids.set(event.worker, event.pid);
    else if (event.type === "open") this.opens.set(event.worker, (this.opens.get(event.worker) ?? 0) + 1);
    else if (event.type === "close") {
      this.closes++;
      for (const waiter of this.#waiters.filter((w) => this.closes >= w.count)) waiter.resolve();
      this.#waiters = this.#waiters.filter((w) => this.closes < w.count);
    }
  };

  /**
   * Resolves once `count` connections have closed in all.
   * @param {number} count
   * @param {number} timeoutMs
   * @returns {Promise<void>}
   * @throws {Error} (rejects) when fewer have closed by then.
   */
  whenCloses(count, timeoutMs) {
    if (this.closes >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`the server logged ${this.closes} of ${count} closed connections within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ count, resolve: done });
    });
  }

  /** The `open` events so far, per worker id. */
  openCounts() {
    return new Map(this.opens);
  }
}

/**
 * A process and its descendants, from /proc/<pid>/task/<tid>/children (a child started from any
 * thread of a process is listed under that thread).
 * @param {number} pid
 * @returns {number[]} pid first, then the descendants, depth first
 */
export function processTree(pid) {
  const out = [pid];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = "";
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of children.split(" ").filter(Boolean)) out.push(...processTree(Number(child)));
  }
  return out;
}

/**
 * Sample a process and its descendants: CPU time, RSS (and its anonymous part), peak RSS (VmHWM) and threads, summed,
 * and each process's own. The sum of peaks is an upper bound on the tree's peak: the processes
 * need not peak at the same moment.
 * @param {number} pid
 * @returns {import("./proc.mjs").ProcSample & { processes: { pid: number, cpuMs: number, rssKiB: number, anonKiB: number, hwmKiB: number }[] }}
 * @throws {Error} when `pid` itself is gone (a descendant that exits in between is left out).
 */
export function sampleTree(pid) {
  const root = sampleProcess(pid);
  const processes = [{ pid, cpuMs: root.cpuMs, rssKiB: root.rssKiB, anonKiB: root.anonKiB, hwmKiB: root.hwmKiB }];
  const total = { ...root };
  for (const child of processTree(pid).slice(1)) {
    let s;
    try {
      s = sampleProcess(child);
    } catch {
      continue;
    }
    processes.push({ pid: child, cpuMs: s.cpuMs, rssKiB: s.rssKiB, anonKiB: s.anonKiB, hwmKiB: s.hwmKiB });
    total.cpuMs += s.cpuMs;
    total.rssKiB += s.rssKiB;
    total.anonKiB += s.anonKiB;
    total.hwmKiB += s.hwmKiB;
    total.threads += s.threads;
  }
  return { ...total, processes };
}

/**
 * Each worker's share of one session: its CPU time over the measured window (from the tree
 * sampled as the window starts and ends, matched by pid) and the connections it opened (`open`
 * events between two snapshots of the log's counts), and the supervisor's own CPU time.
 * @param {object} o
 * @param {number} o.supervisor the supervisor's pid
 * @param {ReturnType<typeof sampleTree>} o.start
 * @param {ReturnType<typeof sampleTree>} o.end
 * @param {Map<number, number>} o.pids worker id -> pid
 * @param {Map<number, number>} o.opensBefore `open` events per worker before the scenario's connections
 * @param {Map<number, number>} o.opensAfter and after them
 * @returns {{ supervisorCpuMs: number | undefined, workers: { worker: number, pid: number, cpuMs: number | undefined, connections: number }[] }}
 */
export function workerFigures({ supervisor, start, end, pids, opensBefore, opensAfter }) {
  const cpu = (pid) => {
    const a = start.processes.find((p) => p.pid === pid);
    const b = end.processes.find((p) => p.pid === pid);
    return a && b ? b.cpuMs - a.cpuMs : undefined;
  };
  const workers = [...pids.entries()]
    .sort(([a], [b]) => a - b)
    .map(([worker, pid]) => ({
      worker,
      pid,
      cpuMs: cpu(pid),
      connections: (opensAfter.get(worker) ?? 0) - (opensBefore.get(worker) ?? 0),
    }));
  return { supervisorCpuMs: cpu(supervisor), workers };
}
