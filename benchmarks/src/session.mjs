/**
 * One measured session: a fresh server, a short warm-up load, then the scenario's load with the
 * server sampled at each phase, then SIGTERM. A fresh process per session makes its peak RSS
 * belong to that scenario alone.
 *
 * A comparison's session (see scenarios.mjs) runs tcp-echo as one of the comparison's sides: its
 * flags, its load client options (the warm-up load's too: a server run with --proxy-protocol
 * takes no connection without a header), all of its workers listening before any load, and its
 * whole process tree sampled (a supervisor and its workers). With the per-connection log on, each
 * worker's connections are counted from its `open` events.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadgenTarget, openEndpoint } from "./endpoint.mjs";
import { runLoadgen } from "./loadgen.mjs";
import { sampleProcess } from "./proc.mjs";
import { comparisonOf, loadgenArgs } from "./scenarios.mjs";
import { serverCommand, startServer } from "./servers.mjs";
import { sampleTree, WorkerLog, workerFigures } from "./workers.mjs";

/** Few connections, short: enough to run every code path once before memory is sampled. */
const WARMUP_CONNECTIONS = 8;
const WARMUP_LOAD = ["--mode", "pingpong", "--connections", `${WARMUP_CONNECTIONS}`, "--size", "64", "--inflight", "1"];

/** How long the log may lag behind the load client before the session fails: seconds are plenty. */
const LOG_DEADLINE_MS = 10000;

/**
 * @typedef {object} SessionOptions
 * @property {string} root the repository root
 * @property {string} loadgen the load client's path
 * @property {Record<string, string>} bin runtime executables
 * @property {import("./servers.mjs").RuntimeName} runtime
 * @property {string} kind "ours" or "control", or a comparison's side (its `id`)
 * @property {import("./scenarios.mjs").Scenario} scenario
 * @property {number} warmupMs load before the measured window
 * @property {number} durationMs the measured window
 * @property {number} settleMs pause before sampling idle memory
 * @property {{ server: string | undefined, client: string | undefined, all?: string }} cpus
 *   `all`: every CPU the harness may use, for the server of a comparison with shared CPUs
 * @property {{ cert: string, key: string }} [certificates] the run's TLS certificate and key
 * @property {string} [baseline] a built checkout of tcp-echo whose entrypoint runs as the control
 */

/**
 * Run one session.
 * @param {SessionOptions} o
 * @returns {Promise<object>} the sample: the loadgen result and the server's figures, `ok` false with `error` when anything failed
 */
export async function runSession(o) {
  const endpoint = openEndpoint(o.scenario.transport, o.certificates);
  try {
    return await runOn(endpoint.listen, o);
  } finally {
    endpoint.remove();
  }
}

async function runOn(listen, o) {
  const comparison = comparisonOf(o.scenario);
  const side = comparison?.sides.find((s) => s.id === o.kind);
  if (comparison !== undefined && side === undefined)
    throw new TypeError(`${o.scenario.id} compares ${comparison.sides.map((s) => s.id).join(" and ")}, not ${o.kind}`);
  // --baseline: the control is tcp-echo too, the same command run from the other checkout.
  const fromBaseline = side === undefined && o.kind === "control" && o.baseline !== undefined;
  const cwd = fromBaseline ? o.baseline : o.root;
  const { argv, entry } =
    side === undefined
      ? serverCommand(o.runtime, fromBaseline ? "ours" : o.kind, o.bin, listen)
      : serverCommand(o.runtime, "ours", o.bin, listen, {
          flags: side.flags,
          denoFlags: comparison.denoFlags,
          log: comparison.logConnections ? "json" : "quiet",
        });
  // Shared CPUs: the server's processes may run on every CPU, the load client keeps its own.
  const cpus = comparison?.sharedCpus ? { server: o.cpus.all, client: o.cpus.client } : o.cpus;
  const log = comparison?.logConnections ? new WorkerLog() : undefined;
  // Every comparison samples the process tree: a supervisor and its workers, or one process.
  const sample = comparison === undefined ? sampleProcess : sampleTree;
  const clientExtra = side?.loadgen ?? [];
  const base = { runtime: o.runtime, server: o.kind, scenario: o.scenario.id };
  if (!existsSync(join(cwd, entry))) {
    return {
      ...base,
      ok: false,
      error: `Cannot start ${o.kind} on ${o.runtime}: ${join(cwd, entry)} does not exist (run npm run build there)`,
    };
  }
  let server;
  try {
    server = await startServer({
      argv,
      cwd,
      cpu: cpus.server,
      timeoutMs: 20000,
      listeners: side?.listeners ?? 1,
      onLine: log?.onLine,
    });
  } catch (error) {
    return { ...base, ok: false, error: error.message };
  }
  const pid = server.pid;
  const load = { path: o.loadgen, ...loadgenTarget(server.address), cpu: cpus.client };
  try {
    // A server that ignored the transport's flags would otherwise be measured over plain TCP.
    if (server.address.transport !== listen.transport)
      throw new Error(
        `${o.kind} on ${o.runtime} announced ${server.address.transport}, not ${listen.transport}: "${server.startupLine}"`,
      );
    const warm = await runLoadgen({
      ...load,
      args: [...WARMUP_LOAD, ...clientExtra],
      warmupMs: 0,
      durationMs: 200,
    });
    if (!warm.ok) throw new Error(`warm-up load failed: ${warm.error}`);
    // The warm-up's connections are logged as closed, so all their opens are counted: what the
    // log counts from here on is the scenario's.
    await log?.whenCloses(WARMUP_CONNECTIONS, LOG_DEADLINE_MS);
    const opensBefore = log?.openCounts();
    await sleep(o.settleMs);
    const before = sample(pid);
    let idle;
    let start;
    let end;
    const client = await runLoadgen(
      { ...load, args: [...loadgenArgs(o.scenario), ...clientExtra], warmupMs: o.warmupMs, durationMs: o.durationMs },
      {
        connected: async () => {
          await sleep(o.settleMs);
          idle = sample(pid);
        },
        measuring: () => {
          start = sample(pid);
        },
        measured: () => {
          end = sample(pid);
        },
      },
    );
    const after = sample(pid);
    // Every connection of the load is closed (loadgen saw each end): once the log says so too,
    // every worker's opens are in.
    if (log !== undefined && client.ok)
      await log.whenCloses(WARMUP_CONNECTIONS + Number(client.connectionsOpened), LOG_DEADLINE_MS);
    const opensAfter = log?.openCounts();
    const exit = await server.stop();
    // A UDP source is no connection, and a connect-heavy load keeps none open: no idle figure.
    const connections = o.scenario.transport === "udp" || o.scenario.reconnect ? undefined : o.scenario.connections;
    const serverFigures = figures({ before, idle, start, end, after, client, connections });
    if (log !== undefined && start !== undefined && end !== undefined)
      serverFigures.workers = workerFigures({ supervisor: pid, start, end, pids: log.pids, opensBefore, opensAfter });
    if (after.processes !== undefined) serverFigures.processes = after.processes.length;
    const exitOk = exit.code === 0 && !exit.killed;
    // tcp-echo's UDP server says what its guards dropped when it closes: in a benchmark, nothing.
    const udpServer = o.scenario.transport === "udp" ? parseUdpClosedLine(server.stderrTail()) : undefined;
    const error = !client.ok
      ? `load failed: ${client.error}`
      : !exitOk
        ? `the server did not exit 0 on SIGTERM (${exit.killed ? "killed after 5 s" : (exit.signal ?? exit.code)})`
        : udpServer?.dropped
          ? `the server's guards dropped ${udpServer.dropped} datagrams: the benchmark would measure them, not the echo`
          : undefined;
    return {
      ...base,
      ok: error === undefined,
      ...(error === undefined ? {} : { error, stderr: server.stderrTail() }),
      pid,
      command: server.command,
      startupLine: server.startupLine,
      exit,
      client,
      serverFigures,
      ...(udpServer === undefined ? {} : { udpServer }),
      ...(log?.sharing === undefined ? {} : { sharing: log.sharing }),
    };
  } catch (error) {
    return { ...base, ok: false, error: error.message, stderr: server.stderrTail() };
  } finally {
    await server.stop();
  }
}

const UDP_CLOSED_LINE =
  /closed udp:\/\/\S+: (\d+) datagrams received, (\d+) answered, (\d+) dropped, (\d+) send errors/;

/**
 * tcp-echo's closing summary of a UDP server, `tcp-echo closed udp://127.0.0.1:7007: 9 datagrams
 * received, 9 answered, 0 dropped, 0 send errors`, from the last lines of its stderr.
 * @param {string} text
 * @returns {{ received: number, answered: number, dropped: number, sendErrors: number } | undefined}
 */
export function parseUdpClosedLine(text) {
  const match = UDP_CLOSED_LINE.exec(text);
  if (match === null) return undefined;
  const [received, answered, dropped, sendErrors] = match.slice(1).map(Number);
  return { received, answered, dropped, sendErrors };
}

function figures({ before, idle, start, end, after, client, connections }) {
  const cpuMs = end && start ? end.cpuMs - start.cpuMs : undefined;
  const windowMs = Number(client.windowMs) || undefined;
  const messages = Number(client.messages) || undefined;
  return {
    cpuMs,
    cpuPercent: cpuMs !== undefined && windowMs ? (cpuMs / windowMs) * 100 : undefined,
    cpuUsPerMessage: cpuMs !== undefined && messages ? (cpuMs * 1000) / messages : undefined,
    rssBeforeKiB: before.rssKiB,
    rssIdleKiB: idle?.rssKiB,
    anonBeforeKiB: before.anonKiB,
    anonIdleKiB: idle?.anonKiB,
    // What the server holds per connection is anonymous memory. The file-backed rest of its RSS
    // grows too, by the runtime's own executable paged in as its optimising compiler first runs:
    // a one-off, shared and clean, that does not grow with the connections (docs/performance.md,
    // "Bun at the edge of its allowance"). After this harness's warm-up it is small: 0.04-0.08
    // KiB a connection of the whole RSS's growth over 5,000.
    idleBytesPerConnection: idle && connections ? ((idle.anonKiB - before.anonKiB) * 1024) / connections : undefined,
    idleRssBytesPerConnection: idle && connections ? ((idle.rssKiB - before.rssKiB) * 1024) / connections : undefined,
    rssEndKiB: after.rssKiB,
    peakRssKiB: after.hwmKiB,
    threads: after.threads,
  };
}
