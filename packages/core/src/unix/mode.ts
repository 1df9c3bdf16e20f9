/**
 * A socket file's mode, in place before the first connection can arrive: the file is created
 * under the umask that leaves exactly that mode. Where the umask cannot be set (a worker
 * thread), the file may be created under the process's umask only when that lets nobody connect
 * whom the mode keeps out, since the mode is set only once the file exists.
 *
 * @module
 */

import { TcpEchoError } from "../errors.ts";

/** The runtime's umask: `set` returns the previous mask and throws where it cannot set it. */
export interface Umask {
  /** Sets the mask, returning the previous one. */
  set(mask: number): number;
  /** Reads the mask without changing it. */
  read(): number;
}

// Write permission on a socket file is what lets a process connect to it.
const WRITE = { owner: 0o200, group: 0o020, others: 0o002 } as const;

const octal = (bits: number): string => `0${bits.toString(8).padStart(3, "0")}`;

/**
 * Runs `create`, which must make the socket file synchronously, so that the file has at most
 * `mode`'s permissions from its first moment; the caller then sets exactly `mode` (chmod).
 *
 * @param mode The permission bits asked for; undefined runs `create` as it is.
 * @param umask The runtime's umask.
 * @param create Makes the file (the runtime's synchronous bind and listen).
 * @returns What `create` returns.
 * @throws {TcpEchoError} `ERR_LISTEN_FAILED` where the umask cannot be set and the process's
 * umask would let someone connect whom `mode` keeps out, naming a umask to start with.
 *
 * @example A umask that can be set
 * ```ts
 * import { createWithMode } from "@tcp-echo/core/transport";
 *
 * let mask = 0o022;
 * const umask = {
 *   set(next: number) {
 *     const previous = mask;
 *     mask = next;
 *     return previous;
 *   },
 *   read: () => mask,
 * };
 * const during = createWithMode(0o660, umask, () => mask);
 * if (during !== 0o117 || mask !== 0o022) throw new Error("umask");
 * ```
 */
export function createWithMode<T>(mode: number | undefined, umask: Umask, create: () => T): T {
  if (mode === undefined) return create();
  let previous: number;
  try {
    previous = umask.set(0o777 & ~mode);
  } catch (error) {
    const current = umask.read();
    const admitted = Object.entries(WRITE).filter(([, bit]) => (bit & ~current & ~mode) !== 0);
    if (admitted.length > 0) {
      const who = admitted.map(([name]) => name).join(" and ");
      const safer = current | admitted.reduce((bits, [, bit]) => bits | bit, 0);
      throw new TcpEchoError(
        "ERR_LISTEN_FAILED",
        `Cannot set the socket file's mode ${octal(mode)}: this thread cannot set the umask, and the process's umask ${octal(current)} would let ${who} connect first; listen on the main thread, or start with umask ${octal(safer)}`,
        { cause: error },
      );
    }
    return create();
  }
  try {
    return create();
  } finally {
    umask.set(previous);
  }
}
