/**
 * One measured session: a fresh server, a short warm-up load, then the scenario's load with the
 * server sampled at each phase, then SIGTERM. A fresh process per session makes its peak RSS
 * belong to that scenario alone.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadgenTarget, openEndpoint } from "./endpoint.mjs";
import { runLoadgen } from "./loadgen.mjs";
import { sampleProcess } from "./proc.mjs";
import { loadgenArgs } from "./scenarios.mjs";
import { serverCommand, startServer } from "./servers.mjs";

/** Few connections, short: enough to run every code path once before memory is sampled. */
const WARMUP_LOAD = ["--mode", "pingpong", "--connections", "8", "--size", "64", "--inflight", "1"];

/**
 * @typedef {object} SessionOptions
 * @property {string} root the repository root
 * @property {string} loadgen the load client's path
 * @property {Record<string, string>} bin runtime executables
 * @property {import("./servers.mjs").RuntimeName} runtime
 * @property {import("./servers.mjs").ServerKind} kind
 * @property {import("./scenarios.mjs").Scenario} scenario
 * @property {number} warmupMs load before the measured window
 * @property {number} durationMs the measured window
 * @property {number} settleMs pause before sampling idle memory
 * @property {{ server: string | undefined, client: string | undefined }} cpus
 * @property {{ cert: string, key: string }} [certificates] the run's TLS certificate and key
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
  const { argv, entry } = serverCommand(o.runtime, o.kind, o.bin, listen);
  const base = { runtime: o.runtime, server: o.kind, scenario: o.scenario.id };
  if (!existsSync(join(o.root, entry))) {
    return {
      ...base,
      ok: false,
      error: `Cannot start ${o.kind} on ${o.runtime}: ${entry} does not exist (run npm run build)`,
    };
  }
  let server;
  try {
    server = await startServer({ argv, cwd: o.root, cpu: o.cpus.server, timeoutMs: 20000 });
  } catch (error) {
    return { ...base, ok: false, error: error.message };
  }
  const pid = server.pid;
  const load = { path: o.loadgen, ...loadgenTarget(server.address), cpu: o.cpus.client };
  try {
    // A server that ignored the transport's flags would otherwise be measured over plain TCP.
    if (server.address.transport !== listen.transport)
      throw new Error(
        `${o.kind} on ${o.runtime} announced ${server.address.transport}, not ${listen.transport}: "${server.startupLine}"`,
      );
    const warm = await runLoadgen({ ...load, args: WARMUP_LOAD, warmupMs: 0, durationMs: 200 });
    if (!warm.ok) throw new Error(`warm-up load failed: ${warm.error}`);
    await sleep(o.settleMs);
    const before = sampleProcess(pid);
    let idle;
    let start;
    let end;
    const client = await runLoadgen(
      { ...load, args: loadgenArgs(o.scenario), warmupMs: o.warmupMs, durationMs: o.durationMs },
      {
        connected: async () => {
          await sleep(o.settleMs);
          idle = sampleProcess(pid);
        },
        measuring: () => {
          start = sampleProcess(pid);
        },
        measured: () => {
          end = sampleProcess(pid);
        },
      },
    );
    const after = sampleProcess(pid);
    const exit = await server.stop();
    const serverFigures = figures({ before, idle, start, end, after, client, connections: o.scenario.connections });
    const exitOk = exit.code === 0 && !exit.killed;
    const error = !client.ok
      ? `load failed: ${client.error}`
      : exitOk
        ? undefined
        : `the server did not exit 0 on SIGTERM (${exit.killed ? "killed after 5 s" : (exit.signal ?? exit.code)})`;
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
    };
  } catch (error) {
    return { ...base, ok: false, error: error.message, stderr: server.stderrTail() };
  } finally {
    await server.stop();
  }
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
    idleBytesPerConnection: idle ? ((idle.rssKiB - before.rssKiB) * 1024) / connections : undefined,
    rssEndKiB: after.rssKiB,
    peakRssKiB: after.hwmKiB,
    threads: after.threads,
  };
}
