/**
 * What a transport costs: the throughput of a TLS or unix socket scenario as a share of the
 * plain TCP scenario with the same load (its `tcp`), per runtime, for tcp-echo and for the raw
 * control. The shares are taken pass by pass, as ours / control is taken pair by pair: the TLS
 * session of pass 3 against the TCP session of the same server in pass 3, so a slow minute of
 * the machine touches both sides of a ratio. Their median comes with the same bootstrap interval.
 * Pure, like summary.mjs: render.mjs recomputes it from a results file.
 */
import { bootstrapMedian } from "./interval.mjs";
import { SCENARIOS } from "./scenarios.mjs";
import { RUNTIMES } from "./servers.mjs";

/**
 * @typedef {object} TransportShare
 * @property {string} scenario the TLS or unix scenario
 * @property {string} tcp the TCP scenario with the same load
 * @property {import("./scenarios.mjs").Transport} transport
 * @property {import("./servers.mjs").RuntimeName} runtime
 * @property {Record<"ours" | "control", import("./interval.mjs").Interval | undefined>} shares
 *   throughput over the transport / over TCP, median of the passes with its 95% interval
 */

/**
 * The share of TCP's throughput each TLS or unix scenario reaches, per runtime and server. A
 * cell appears only when the run has its TCP scenario too, in at least one of the same passes.
 * @param {object[]} samples every session of the run, `run` numbering the passes
 * @returns {TransportShare[]}
 */
export function transportShares(samples) {
  const rate = new Map();
  for (const s of samples.filter((x) => x.ok))
    rate.set(key(s.scenario, s.runtime, s.server, s.run), s.client.messagesPerSec);
  const out = [];
  for (const scenario of SCENARIOS.filter((s) => s.tcp !== undefined)) {
    for (const runtime of RUNTIMES) {
      const share = (server) => {
        const runs = [...new Set(samples.map((s) => s.run))];
        const ratios = runs.map(
          (run) => rate.get(key(scenario.id, runtime, server, run)) / rate.get(key(scenario.tcp, runtime, server, run)),
        );
        return bootstrapMedian(ratios);
      };
      const shares = { ours: share("ours"), control: share("control") };
      if (shares.ours === undefined && shares.control === undefined) continue;
      out.push({ scenario: scenario.id, tcp: scenario.tcp, transport: scenario.transport, runtime, shares });
    }
  }
  return out;
}

const key = (...parts) => parts.join("\u0000");
