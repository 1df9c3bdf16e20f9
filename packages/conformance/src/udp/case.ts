import type { UdpTarget } from "./target.ts";

/** How a UDP case's client sockets bind. */
export interface UdpCaseOptions {
  /**
   * The local address every client socket binds: default the wildcard of the target's family
   * (`0.0.0.0`, or `::`). A suite that runs beside other UDP traffic on the loopback gives one
   * of its own (`127.0.0.1`, `::1`).
   */
  readonly localAddress?: string;
}

/**
 * A UDP conformance case: like a wire case, it needs nothing but the server's address.
 *
 * @example A case of one's own
 * ```ts
 * import { resolveUdpTarget, UdpClient, type UdpCase } from "@tcp-echo/conformance";
 *
 * const hello: UdpCase = {
 *   id: "udp-hello",
 *   title: "echoes hello",
 *   timeout: 5000,
 *   async run(target, options = {}) {
 *     const peer = await resolveUdpTarget(target);
 *     const client = await UdpClient.open({ family: peer.family, address: options.localAddress });
 *     try {
 *       await client.roundTrip(peer, new TextEncoder().encode("hello"), "hello");
 *     } finally {
 *       await client.close();
 *     }
 *   },
 * };
 * ```
 */
export interface UdpCase {
  /** A stable identifier: the row of the conformance table. */
  readonly id: string;
  /** What the case checks, as a sentence fragment. */
  readonly title: string;
  /** Milliseconds the case may take before it counts as failed. */
  readonly timeout: number;
  /**
   * Runs the case; throws (with a message saying what differed) on failure, or a
   * {@link NotArrangedError} when this machine cannot arrange it.
   */
  run(target: UdpTarget, options?: UdpCaseOptions): Promise<void>;
}

/**
 * Thrown by a case that cannot be arranged here, such as one that binds source port 7 without
 * the privilege to: the case is skipped with this reason, neither passed nor failed.
 *
 * @example Skip for want of a privilege
 * ```ts
 * import { NotArrangedError } from "@tcp-echo/conformance";
 *
 * const error = new NotArrangedError("cannot bind source port 7: permission denied (EACCES)");
 * if (error.name !== "NotArrangedError") throw new Error(error.name);
 * ```
 */
export class NotArrangedError extends Error {
  /** `"NotArrangedError"`. */
  override readonly name = "NotArrangedError";
}
