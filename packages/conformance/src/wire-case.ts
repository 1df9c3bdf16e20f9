import type { Target } from "./target.ts";

/** What a wire case may need of a transport beyond echo: see {@link WireCase.requires}. */
export type WireCapability = "halfClose";

/**
 * A conformance case that needs nothing but the server's address: it runs against any echo
 * server, ours in-process or another by `--target`.
 *
 * @example A case of one's own
 * ```ts
 * import { roundTrip, type WireCase } from "@tcp-echo/conformance";
 *
 * const hello: WireCase = {
 *   id: "hello",
 *   title: "echoes hello",
 *   timeout: 5000,
 *   async run(target) {
 *     const echoed = await roundTrip(target, new TextEncoder().encode("hello"), 5000);
 *     if (echoed.toString() !== "hello") throw new Error("no hello");
 *   },
 * };
 * ```
 */
export interface WireCase {
  /** A stable identifier: the row of the conformance table. */
  readonly id: string;
  /** What the case checks, as a sentence fragment. */
  readonly title: string;
  /** Milliseconds the case may take before it counts as failed. */
  readonly timeout: number;
  /** The most connections the case holds open at once, when that is many: each costs a descriptor. */
  readonly connections?: number;
  /**
   * Abilities of the transport the case depends on, named as the core's capabilities:
   * `"halfClose"`, the server still sending after the client's end of stream (a FIN, or TLS
   * close_notify). A runner skips the case on a transport that declares it lacks one.
   */
  readonly requires?: readonly WireCapability[];
  /** Runs the case; throws (with a message saying what differed) on failure. */
  run(target: Target): Promise<void>;
}
