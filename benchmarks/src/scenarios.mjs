/**
 * The benchmark matrix: what the issues ask for, one entry per scenario. `mode` and the numbers
 * map one to one onto loadgen's options. For streams `inflight` is the window: chunks written
 * and not yet echoed, per connection (8 x 64 KiB = 512 KiB). Without a window the kernel's
 * socket buffers set the queue, and the streams' latency only measures how full they are.
 *
 * `transport` is how client and server meet: TCP on 127.0.0.1, TLS over it, or a unix domain
 * socket. A TLS or unix scenario names in `tcp` the TCP scenario with the same load, so a run
 * that has both can show that transport's throughput as a share of plain TCP's.
 */

/** @typedef {"tcp" | "tls" | "unix"} Transport */

/**
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string} title
 * @property {string} short
 * @property {Transport} transport
 * @property {"pingpong" | "stream"} mode
 * @property {number} connections
 * @property {number} size
 * @property {number} inflight
 * @property {string} [tcp] the TCP scenario with the same load, for a TLS or unix one
 */

/** The transports, in the matrix's order. */
export const TRANSPORTS = Object.freeze(/** @type {const} */ (["tcp", "tls", "unix"]));

/** @type {readonly Scenario[]} */
export const SCENARIOS = Object.freeze([
  {
    id: "pingpong-64b",
    title: "64 B ping-pong, 1 connection",
    short: "64 B x1",
    transport: "tcp",
    mode: "pingpong",
    connections: 1,
    size: 64,
    inflight: 1,
  },
  {
    id: "1k-100c-k1",
    title: "1 KiB x 100 connections, K=1",
    short: "1 KiB x100 K1",
    transport: "tcp",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 1,
  },
  {
    id: "1k-100c-k16",
    title: "1 KiB x 100 connections, K=16",
    short: "1 KiB x100 K16",
    transport: "tcp",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 16,
  },
  {
    id: "stream-64k-10c",
    title: "64 KiB streams x 10 connections",
    short: "stream 64 KiB x10",
    transport: "tcp",
    mode: "stream",
    connections: 10,
    size: 65536,
    inflight: 8,
  },
  {
    id: "64b-1000c",
    title: "64 B x 1,000 connections, K=1",
    short: "64 B x1000",
    transport: "tcp",
    mode: "pingpong",
    connections: 1000,
    size: 64,
    inflight: 1,
  },
  {
    id: "tls-stream-64k-10c",
    title: "TLS: 64 KiB streams x 10 connections",
    short: "TLS stream 64 KiB x10",
    transport: "tls",
    mode: "stream",
    connections: 10,
    size: 65536,
    inflight: 8,
    tcp: "stream-64k-10c",
  },
  {
    // K=1: every message is a TLS record of its own each way, so the cost per record shows.
    id: "tls-1k-100c-k1",
    title: "TLS: 1 KiB x 100 connections, K=1",
    short: "TLS 1 KiB x100 K1",
    transport: "tls",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 1,
    tcp: "1k-100c-k1",
  },
  {
    id: "unix-1k-100c-k16",
    title: "Unix socket: 1 KiB x 100 connections, K=16",
    short: "unix 1 KiB x100 K16",
    transport: "unix",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 16,
    tcp: "1k-100c-k16",
  },
  {
    id: "unix-stream-64k-10c",
    title: "Unix socket: 64 KiB streams x 10 connections",
    short: "unix stream 64 KiB x10",
    transport: "unix",
    mode: "stream",
    connections: 10,
    size: 65536,
    inflight: 8,
    tcp: "stream-64k-10c",
  },
]);

/**
 * The scenarios `--quick` runs: the smallest message path, and the backpressure path with a
 * half-close while echoes are in flight over each transport.
 */
export const QUICK_SCENARIOS = Object.freeze([
  "pingpong-64b",
  "stream-64k-10c",
  "tls-stream-64k-10c",
  "unix-stream-64k-10c",
]);

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
