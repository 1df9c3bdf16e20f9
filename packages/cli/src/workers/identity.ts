import type { WorkerTag } from "../log.ts";
import type { Platform } from "../platform.ts";

/**
 * The variable the supervisor of `--workers` sets for each worker: its id, 1 to N. A process
 * with it set is a worker, and serves: it never supervises workers of its own.
 */
export const WORKER_ID_VARIABLE = "TCP_ECHO_WORKER_ID";

/**
 * Which worker this process is, from {@link WORKER_ID_VARIABLE}.
 *
 * @param platform The process.
 * @returns Its id and process id; undefined when it is not a worker.
 */
export function workerTag(platform: Platform): WorkerTag | undefined {
  const value = platform.env(WORKER_ID_VARIABLE);
  if (value === undefined) return undefined;
  const id = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  return { id, pid: platform.pid };
}
