/**
 * The benchmark matrix: what the issue asks for, one entry per scenario. `mode` and the numbers
 * map one to one onto loadgen's options. For streams `inflight` is the window: chunks written
 * and not yet echoed, per connection (8 x 64 KiB = 512 KiB). Without a window the kernel's
 * socket buffers set the queue, and the streams' latency only measures how full they are.
 */

/** @typedef {{ id: string, title: string, short: string, mode: "pingpong" | "stream", connections: number, size: number, inflight: number }} Scenario */

/** @type {readonly Scenario[]} */
export const SCENARIOS = Object.freeze([
  {
    id: "pingpong-64b",
    title: "64 B ping-pong, 1 connection",
    short: "64 B x1",
    mode: "pingpong",
    connections: 1,
    size: 64,
    inflight: 1,
  },
  {
    id: "1k-100c-k1",
    title: "1 KiB x 100 connections, K=1",
    short: "1 KiB x100 K1",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 1,
  },
  {
    id: "1k-100c-k16",
    title: "1 KiB x 100 connections, K=16",
    short: "1 KiB x100 K16",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 16,
  },
  {
    id: "stream-64k-10c",
    title: "64 KiB streams x 10 connections",
    short: "stream 64 KiB x10",
    mode: "stream",
    connections: 10,
    size: 65536,
    inflight: 8,
  },
  {
    id: "64b-1000c",
    title: "64 B x 1,000 connections, K=1",
    short: "64 B x1000",
    mode: "pingpong",
    connections: 1000,
    size: 64,
    inflight: 1,
  },
]);

/** The scenarios `--quick` runs: the smallest message path and the backpressure path. */
export const QUICK_SCENARIOS = Object.freeze(["pingpong-64b", "stream-64k-10c"]);

/** The scenario whose peak memory the memory target is about. */
export const MEMORY_SCENARIO = "64b-1000c";

/**
 * The loadgen arguments for one scenario.
 * @param {Scenario} scenario
 * @returns {string[]}
 */
export function loadgenArgs(scenario) {
  const args = [
    "--mode",
    scenario.mode,
    "--connections",
    String(scenario.connections),
    "--inflight",
    String(scenario.inflight),
  ];
  // Stream mode primes each connection with a small round trip, then writes `size`-byte chunks.
  if (scenario.mode === "stream") args.push("--size", "64", "--chunk", String(scenario.size));
  else args.push("--size", String(scenario.size));
  return args;
}
