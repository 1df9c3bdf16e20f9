/**
 * Silence, measured off the hot path and on the public API: receiving a chunk costs nothing
 * extra. A sweep every `interval` compares each connection's `bytesRead` with what the last
 * sweep saw and counts the sweeps in a row that saw nothing new. The idle timeout and a
 * shutdown's closing of idle connections are both rules on that count.
 *
 * @module
 */

import type { Connection } from "./connection.ts";
import { type TimerHandle, timers } from "./timers.ts";

/** What the sweeps remember of one connection. */
interface Seen {
  bytesRead: number;
  silentSweeps: number;
}

/** Sweeps the open connections at an interval and reports how long each has been silent. */
export class SilenceSweeper {
  readonly #timer: TimerHandle;
  readonly #seen = new WeakMap<Connection, Seen>();

  /**
   * Starts sweeping; the connections open now count as seen now.
   * @param interval Milliseconds between sweeps.
   * @param connections The open connections, read at each sweep.
   * @param swept Called at each sweep for each connection seen before, with the sweeps in a row
   * that saw no new byte from it (0 when this one did).
   */
  constructor(
    interval: number,
    connections: () => Iterable<Connection>,
    swept: (connection: Connection, silentSweeps: number) => void,
  ) {
    const seen = this.#seen;
    for (const connection of connections()) seen.set(connection, { bytesRead: connection.bytesRead, silentSweeps: 0 });
    this.#timer = timers.setInterval(
      () => {
        for (const connection of connections()) {
          const last = seen.get(connection);
          if (last === undefined) {
            seen.set(connection, { bytesRead: connection.bytesRead, silentSweeps: 0 });
          } else if (last.bytesRead !== connection.bytesRead) {
            last.bytesRead = connection.bytesRead;
            last.silentSweeps = 0;
            swept(connection, 0);
          } else {
            swept(connection, ++last.silentSweeps);
          }
        }
      },
      Math.max(1, interval),
    );
  }

  /** Stop sweeping. */
  stop(): void {
    timers.clearInterval(this.#timer);
  }
}

const SWEEPS_PER_TIMEOUT = 4;

/**
 * The idle timeout: one sweep every quarter timeout, and a connection silent for four sweeps in
 * a row is closed, between `timeout` and 1.25 x `timeout` after its last byte, never earlier.
 *
 * @param timeout Milliseconds of silence allowed.
 * @param connections The open connections.
 * @returns The sweeper, to stop with the server.
 */
export function closeIdleConnections(timeout: number, connections: () => Iterable<Connection>): SilenceSweeper {
  return new SilenceSweeper(timeout / SWEEPS_PER_TIMEOUT, connections, (connection, silentSweeps) => {
    if (silentSweeps >= SWEEPS_PER_TIMEOUT) connection.close("idle-timeout");
  });
}

/** Sweeps of silence after which a connection that was busy during the shutdown counts as idle. */
const BUSY_SWEEPS = 8;

/**
 * A shutdown's check for idle connections: a connection with nothing in flight (nothing
 * unsent, nothing received for `quietPeriod` ms) is closed with a FIN at the next sweep, and
 * loses nothing. One that has been busy since the shutdown began (bytes arrived, or some were
 * unsent) is closed once it has been silent for eight quiet periods (2 s by default) with
 * nothing unsent: a client pausing between two sends of a transfer is not cut off.
 *
 * @param quietPeriod Milliseconds without a received byte after which a connection counts as idle.
 * @param connections The open connections.
 * @param closed Called for each connection closed this way.
 * @returns The sweeper, to stop when the shutdown ends.
 */
export function closeIdleOnShutdown(
  quietPeriod: number,
  connections: () => Iterable<Connection>,
  closed: (connection: Connection) => void,
): SilenceSweeper {
  const busy = new WeakSet<Connection>();
  return new SilenceSweeper(quietPeriod, connections, (connection, silentSweeps) => {
    if (silentSweeps === 0 || connection.unsentBytes > 0) {
      busy.add(connection);
      return;
    }
    if (!connection.writable || silentSweeps < (busy.has(connection) ? BUSY_SWEEPS : 1)) return;
    connection.close("shutdown-idle");
    closed(connection);
  });
}
