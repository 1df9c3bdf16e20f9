// Synthetic samples in the shape session.mjs returns, for the pure summary and render code.

/**
 * One session's sample.
 * @param {object} o what differs between samples
 * @returns {object}
 */
export function sample({
  run,
  runtime = "node",
  server,
  scenario = "pingpong-64b",
  rate,
  p99 = 100,
  rss = 50_000,
  idle = 4096,
  client = 40,
  loss,
}) {
  return {
    run,
    runtime,
    server,
    scenario,
    ok: true,
    client: {
      ok: true,
      messagesPerSec: rate,
      mibPerSec: (rate * 64) / 2 ** 20,
      windowMs: 1000,
      messages: rate,
      latencyUs: { mean: (p99 * 3) / 5, p50: p99 / 2, p99, p999: p99 * 2 },
      client: { cpuPercent: client, cpuUserMs: client, cpuSysMs: client * 9 },
      // UDP: loss over 100,000 datagrams sent, every loss a full receive buffer.
      ...(loss === undefined
        ? {}
        : {
            udp: {
              sent: 100_000,
              lost: loss * 100_000,
              loss,
              totalLost: loss * 120_000,
              kernelRcvbufErrors: loss * 120_000,
            },
          }),
    },
    serverFigures: {
      cpuMs: 900,
      cpuPercent: 90,
      cpuUsPerMessage: 900_000 / rate,
      peakRssKiB: rss,
      idleBytesPerConnection: idle,
    },
  };
}

/** KiB per idle connection, pair by pair: ours 0.27 KiB over the control at the median, [0.22, 0.37] in all. */
export const IDLE_KIB = Object.freeze({ ours: [2.3, 2.35, 2.25, 2.4, 2.28], control: [2.03, 2.03, 2.03, 2.03, 2.03] });

/**
 * Pairs of a scenario that holds connections open, on one runtime: ours' and the control's KiB
 * per idle connection, one pair per entry.
 * @param {string} runtime
 * @param {number[]} ours
 * @param {number[]} control
 * @param {string} [scenario]
 * @returns {object[]}
 */
export function idlePairs(runtime, ours, control, scenario = "idle-5000c") {
  return ours.flatMap((kib, i) => [
    sample({ run: i + 1, runtime, server: "ours", rate: 1000, scenario, idle: kib * 1024 }),
    sample({ run: i + 1, runtime, server: "control", rate: 1000, scenario, idle: control[i] * 1024 }),
  ]);
}

/**
 * A results object around samples, as bench.mjs writes it (schema 2: `method.pairs`).
 * @param {object[]} samples
 * @param {object} summary
 * @returns {object}
 */
export function result(samples, summary) {
  return {
    schema: 2,
    kind: "full",
    startedAt: "2026-11-25T06:00:00.000Z",
    elapsedS: 60,
    machine: {
      cpuModel: "Test CPU",
      cores: 2,
      memoryGiB: 4,
      os: "Test OS",
      kernel: "6.0",
      tcpCongestionControl: "cubic",
      runtimes: { node: "20.20.2", deno: "2.9.6", bun: "1.4.5" },
      commit: "abc1234",
      loadAverageStart: [0.5, 0.4, 0.3],
      loadAverageEnd: [1.5, 0.9, 0.5],
    },
    method: {
      pairs: 5,
      warmupMs: 1000,
      durationMs: 3000,
      pinning: "server on CPU 0, load client on CPU 1 (taskset)",
      note: "a test",
    },
    samples,
    summary,
  };
}
