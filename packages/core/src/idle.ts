/**
 * The idle timeout, kept off the hot path and on the public API: receiving a chunk costs
 * nothing extra; one timer per server sweeps every quarter timeout, compares each connection's
 * `bytesRead` with what it saw last time, and closes the connections that stayed silent for
 * more than four sweeps. A connection is closed between `timeout` and 1.25 x `timeout` after
 * its last byte, never earlier.
 *
 * @module
 */

import type { Connection } from "./connection.ts";
import { type TimerHandle, timers } from "./timers.ts";

const SWEEPS_PER_TIMEOUT = 4;

/** What a sweep remembers of one connection. */
interface Seen {
  bytesRead: number;
  sweeps: number;
}

/** Closes connections that have been silent for longer than the timeout. */
export class IdleSweeper {
  readonly #timer: TimerHandle;
  readonly #seen = new WeakMap<Connection, Seen>();

  /**
   * @param timeout Milliseconds of silence allowed.
   * @param connections The open connections, read at each sweep.
   * @param expire Called for each connection that stayed silent too long.
   */
  constructor(timeout: number, connections: () => Iterable<Connection>, expire: (connection: Connection) => void) {
    this.#timer = timers.setInterval(
      () => {
        for (const connection of connections()) {
          const seen = this.#seen.get(connection);
          if (seen === undefined) {
            this.#seen.set(connection, { bytesRead: connection.bytesRead, sweeps: 1 });
          } else if (seen.bytesRead !== connection.bytesRead) {
            seen.bytesRead = connection.bytesRead;
            seen.sweeps = 1;
          } else if (++seen.sweeps > SWEEPS_PER_TIMEOUT) {
            expire(connection);
          }
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
