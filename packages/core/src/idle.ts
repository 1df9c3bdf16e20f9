/**
 * The idle timeout, kept off the hot path: receiving a chunk only zeroes a counter on the
 * connection; one timer per server sweeps every quarter timeout and closes the connections that
 * stayed silent for more than four sweeps. A connection is closed between `timeout` and
 * 1.25 x `timeout` after its last byte, never earlier.
 *
 * @module
 */

import type { SocketConnection } from "./connection.ts";
import { type TimerHandle, timers } from "./timers.ts";

const SWEEPS_PER_TIMEOUT = 4;

/** Closes connections that have been silent for longer than the timeout. */
export class IdleSweeper {
  readonly #timer: TimerHandle;

  /**
   * @param timeout Milliseconds of silence allowed.
   * @param connections The open connections, read at each sweep.
   * @param expire Called for each connection that stayed silent too long.
   */
  constructor(
    timeout: number,
    connections: () => Iterable<SocketConnection>,
    expire: (connection: SocketConnection) => void,
  ) {
    this.#timer = timers.setInterval(
      () => {
        for (const connection of connections()) {
          if (++connection.idleTicks > SWEEPS_PER_TIMEOUT) expire(connection);
        }
      },
      Math.max(1, timeout / SWEEPS_PER_TIMEOUT),
    );
  }

  /** Stop sweeping. */
  stop(): void {
    timers.clearInterval(this.#timer);
  }
}
