/**
 * The benchmark matrix: what the issues ask for, one entry per scenario. `mode` and the numbers
 * map one to one onto loadgen's options. For streams `inflight` is the window: chunks written
 * and not yet echoed, per connection (8 x 64 KiB = 512 KiB). Without a window the kernel's
 * socket buffers set the queue, and the streams' latency only measures how full they are.
 *
 * `transport` is how client and server meet: TCP on 127.0.0.1, TLS over it, a unix domain
 * socket, or UDP on 127.0.0.1. A TLS or unix scenario names in `tcp` the TCP scenario with the
 * same load, so a run that has both can show that transport's throughput as a share of plain
 * TCP's. A UDP scenario's `connections` are sources: each its own UDP socket, with `inflight`
 * datagrams of `size` bytes out; a datagram not echoed within `lossTimeoutMs` is lost, and loss
 * is reported beside throughput.
 *
 * A memory-only scenario (`memoryOnly`) is there for the server's memory per idle connection: its
 * load only checks that every connection still echoes, so it has no throughput or p99 target, and
 * its `maxWarmupMs` and `maxDurationMs` keep that load short (see loadTiming()).
 */

/** @typedef {"tcp" | "tls" | "unix" | "udp"} Transport */

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
 * @property {number} [lossTimeoutMs] UDP only: a datagram not echoed within this is lost
 * @property {boolean} [reconnect] connect-heavy: a connection per message (loadgen's --reconnect)
 * @property {string} [compare] a comparison's id (see COMPARISONS): tcp-echo against itself under
 *   two settings, not against the control
 * @property {boolean} [memoryOnly] measured for its memory per idle connection alone: no
 *   throughput or p99 target, and no place in the throughput tables and charts
 * @property {number} [maxWarmupMs] the most warm-up load a session of it runs, whatever the run's
 * @property {number} [maxDurationMs] the longest measured window a session of it runs
 */

/** The transports, in the matrix's order. */
export const TRANSPORTS = Object.freeze(/** @type {const} */ (["tcp", "tls", "unix", "udp"]));

/** A UDP datagram not echoed within this is lost: on loopback an echo takes well under 10 ms. */
export const UDP_LOSS_TIMEOUT_MS = 200;

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
    // The memory target: 5,000 connections held open, primed with one round trip each and
    // silent while the server's memory is sampled. The short load after that only checks that all
    // of them still echo, and closes them with a half-close.
    id: "idle-5000c",
    title: "5,000 idle connections",
    short: "idle x5000",
    transport: "tcp",
    mode: "pingpong",
    connections: 5000,
    size: 64,
    inflight: 1,
    memoryOnly: true,
    maxWarmupMs: 0,
    maxDurationMs: 500,
  },
  {
    // Memory after a stream: 1,000 connections, each primed with one 256 KiB round trip, then
    // silent. A server that sizes its reads by what arrives (Deno's conn.read() holds its buffer
    // while it waits) keeps what the stream needed until the next read; this shows what it keeps.
    id: "idle-after-256k-1000c",
    title: "1,000 idle connections after a 256 KiB echo each",
    short: "idle after 256 KiB x1000",
    transport: "tcp",
    mode: "pingpong",
    connections: 1000,
    size: 262144,
    inflight: 1,
    memoryOnly: true,
    maxWarmupMs: 0,
    maxDurationMs: 500,
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
  {
    id: "udp-64-1s-k1",
    title: "UDP: 64 B ping-pong, 1 source",
    short: "UDP 64 B x1",
    transport: "udp",
    mode: "pingpong",
    connections: 1,
    size: 64,
    inflight: 1,
    lossTimeoutMs: UDP_LOSS_TIMEOUT_MS,
  },
  {
    // 1,472 B: the largest payload in one 1,500-byte Ethernet frame (20 B IPv4 + 8 B UDP headers).
    id: "udp-1472-1s-k1",
    title: "UDP: 1,472 B ping-pong, 1 source",
    short: "UDP 1472 B x1",
    transport: "udp",
    mode: "pingpong",
    connections: 1,
    size: 1472,
    inflight: 1,
    lossTimeoutMs: UDP_LOSS_TIMEOUT_MS,
  },
  {
    // 1,600 datagrams out at once overflow a server's default receive buffer (net.core.rmem_default,
    // 208 KiB here): the server runs flat out, and what it cannot take is lost and reported as loss.
    id: "udp-64-100s-k16",
    title: "UDP: 64 B x 100 sources, K=16",
    short: "UDP 64 B x100 K16",
    transport: "udp",
    mode: "pingpong",
    connections: 100,
    size: 64,
    inflight: 16,
    lossTimeoutMs: UDP_LOSS_TIMEOUT_MS,
  },
]);

/**
 * @typedef {object} Side one of a comparison's two runs of tcp-echo
 * @property {string} id the sessions' `server` in the results
 * @property {string} label
 * @property {string[]} flags tcp-echo's flags on this side, beside the transport's
 * @property {string[]} [loadgen] the load client's options on this side, warm-up load included
 * @property {number} [listeners] the startup lines to wait for: one per worker
 */

/**
 * @typedef {object} Comparison
 * @property {string} id
 * @property {string} title
 * @property {string} ratio what the ratio is, for the tables
 * @property {[Side, Side]} sides the baseline first: ratios are the second side over the first
 * @property {string[]} denoFlags Deno's flags beyond the transport's, on both sides
 * @property {boolean} sharedCpus the server's processes may run on every CPU the harness may use,
 *   the load client keeping its own: a second worker shares the client's core
 * @property {boolean} logConnections both sides log JSON with the per-connection events (not
 *   --quiet), so the harness can count each worker's connections; those events come when a
 *   connection opens or closes, outside the measured window of these scenarios
 */

/**
 * tcp-echo against itself: `--workers 2` against `--workers 1`, and `--proxy-protocol` with a
 * PROXY header on every connection against neither. There is no target: each reports its ratio
 * with the same 95% interval as ours / control.
 * @type {Readonly<Record<string, Comparison>>}
 */
export const COMPARISONS = Object.freeze({
  workers: {
    id: "workers",
    title: "2 workers against 1",
    ratio: "2 workers / 1 worker",
    sides: [
      { id: "workers-1", label: "1 worker", flags: ["--workers", "1"], listeners: 1 },
      { id: "workers-2", label: "2 workers", flags: ["--workers", "2"], listeners: 2 },
    ],
    // Deno shares a port with SO_REUSEPORT behind --unstable-net, and starts workers with Deno.Command.
    denoFlags: ["--unstable-net", "--allow-run"],
    sharedCpus: true,
    logConnections: true,
  },
  "proxy-v1": {
    id: "proxy-v1",
    title: "the cost of a PROXY v1 header",
    ratio: "with the header / without",
    sides: [
      { id: "plain", label: "without", flags: [] },
      {
        id: "proxy-v1",
        label: "--proxy-protocol, v1 header",
        flags: ["--proxy-protocol"],
        loadgen: ["--proxy-header", "v1"],
      },
    ],
    denoFlags: [],
    sharedCpus: false,
    logConnections: false,
  },
  "proxy-v2": {
    id: "proxy-v2",
    title: "the cost of a PROXY v2 header",
    ratio: "with the header / without",
    sides: [
      { id: "plain", label: "without", flags: [] },
      {
        id: "proxy-v2",
        label: "--proxy-protocol, v2 header",
        flags: ["--proxy-protocol"],
        loadgen: ["--proxy-header", "v2"],
      },
    ],
    denoFlags: [],
    sharedCpus: false,
    logConnections: false,
  },
});

/**
 * The comparisons' scenarios: not part of the matrix (`npm run bench` leaves them out), run by
 * naming them with --scenarios. The workers pair repeats two loads of the matrix; the PROXY pair
 * is connect-heavy, where a per-connection cost shows: 100 connections at a time, each carrying
 * one 64 B message before it closes and the next one opens.
 * @type {readonly Scenario[]}
 */
export const COMPARISON_SCENARIOS = Object.freeze([
  {
    id: "workers-64b-1000c",
    title: "Workers: 64 B x 1,000 connections, K=1",
    short: "workers 64 B x1000",
    transport: "tcp",
    mode: "pingpong",
    connections: 1000,
    size: 64,
    inflight: 1,
    compare: "workers",
  },
  {
    id: "workers-1k-100c-k16",
    title: "Workers: 1 KiB x 100 connections, K=16",
    short: "workers 1 KiB x100 K16",
    transport: "tcp",
    mode: "pingpong",
    connections: 100,
    size: 1024,
    inflight: 16,
    compare: "workers",
  },
  {
    id: "proxy-v1-64b-connect",
    title: "PROXY v1: a connection per 64 B message, 100 at a time",
    short: "PROXY v1 connect x100",
    transport: "tcp",
    mode: "pingpong",
    connections: 100,
    size: 64,
    inflight: 1,
    reconnect: true,
    compare: "proxy-v1",
  },
  {
    id: "proxy-v2-64b-connect",
    title: "PROXY v2: a connection per 64 B message, 100 at a time",
    short: "PROXY v2 connect x100",
    transport: "tcp",
    mode: "pingpong",
    connections: 100,
    size: 64,
    inflight: 1,
    reconnect: true,
    compare: "proxy-v2",
  },
]);

/** Every scenario the harness knows: the matrix, then the comparisons. */
export const ALL_SCENARIOS = Object.freeze([...SCENARIOS, ...COMPARISON_SCENARIOS]);

/**
 * A scenario by id, matrix or comparison.
 * @param {string} id
 * @returns {Scenario | undefined}
 */
export function scenarioById(id) {
  return ALL_SCENARIOS.find((s) => s.id === id);
}

/**
 * The comparison a scenario belongs to, if any.
 * @param {Scenario | string} scenario the scenario or its id
 * @returns {Comparison | undefined}
 */
export function comparisonOf(scenario) {
  const compare = (typeof scenario === "string" ? scenarioById(scenario) : scenario)?.compare;
  return compare === undefined ? undefined : COMPARISONS[compare];
}

/**
 * The scenarios `--quick` runs: the smallest message path, the backpressure path with a
 * half-close while echoes are in flight over each stream transport, and the smallest datagram
 * path (UDP ping-pong: it loses nothing, so it ends without waiting out a loss timeout).
 */
export const QUICK_SCENARIOS = Object.freeze([
  "pingpong-64b",
  "stream-64k-10c",
  "tls-stream-64k-10c",
  "unix-stream-64k-10c",
  "udp-64-1s-k1",
]);

/** The scenario the memory-per-idle-connection target is judged on: the 5,000 held connections. */
export const MEMORY_SCENARIO = "idle-5000c";

/** From this many connections on, a scenario's RSS growth per connection says something. */
export const IDLE_MEMORY_MIN_CONNECTIONS = 100;

/**
 * Whether a scenario's sessions measure memory per idle connection: it holds at least
 * IDLE_MEMORY_MIN_CONNECTIONS connections open. A UDP source is no connection, and a
 * connect-heavy load keeps none open.
 * @param {Scenario} scenario
 * @returns {boolean}
 * @example
 * ```js
 * assert.equal(measuresIdleMemory(scenarioById("idle-5000c")), true);
 * assert.equal(measuresIdleMemory(scenarioById("pingpong-64b")), false);
 * ```
 */
export function measuresIdleMemory(scenario) {
  return scenario.transport !== "udp" && !scenario.reconnect && scenario.connections >= IDLE_MEMORY_MIN_CONNECTIONS;
}

/**
 * A session's load: the run's warm-up and measured window, each cut to the scenario's own
 * ceiling when it has one (a memory-only scenario), so a shorter run stays shorter.
 * @param {Scenario} scenario
 * @param {{ warmupMs: number, durationMs: number }} run the run's timing (its `method`)
 * @returns {{ warmupMs: number, durationMs: number }}
 * @example
 * ```js
 * const idle = scenarioById("idle-5000c");
 * assert.deepEqual(loadTiming(idle, { warmupMs: 1000, durationMs: 3000 }), { warmupMs: 0, durationMs: 500 });
 * ```
 */
export function loadTiming(scenario, { warmupMs, durationMs }) {
  return {
    warmupMs: Math.min(warmupMs, scenario.maxWarmupMs ?? warmupMs),
    durationMs: Math.min(durationMs, scenario.maxDurationMs ?? durationMs),
  };
}

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
  if (scenario.lossTimeoutMs !== undefined) args.push("--loss-timeout-ms", String(scenario.lossTimeoutMs));
  if (scenario.reconnect) args.push("--reconnect");
  return args;
}
