/**
 * The process's descriptor budget: how many files it may open and how many it has open. The
 * core derives a default connection limit from it, so a server at the limit rejects
 * connections as `maxConnections` does instead of failing to accept them (which some runtimes
 * retry in a busy loop). Reading it is the adapter's part; the file formats are read here once.
 *
 * @module
 */

/** The open-file limit and the descriptors open now. */
export interface Descriptors {
  /** The soft limit on open files (`RLIMIT_NOFILE`). */
  readonly limit: number;
  /** Descriptors the process has open now. */
  readonly open: number;
}

/**
 * How an adapter reads the files the budget comes from: the two `node:fs` functions, which
 * Node.js and Bun pass as they are, and Deno in its own API's terms.
 */
export interface DescriptorFiles {
  /** The text of a file. */
  readFileSync(path: string, encoding: "utf8"): string;
  /** The entries of a directory. */
  readdirSync(path: string): readonly unknown[];
}

const MAX_OPEN_FILES = /^Max open files\s+(\d+|unlimited)\s/m;
/**
 * Descriptors taken to be open when they cannot be counted (Deno lets only `--allow-all` list
 * `/proc/self/fd`): a runtime opens about 20 at start (stdio, its event loop, its pipes).
 */
const UNCOUNTED_OPEN = 32;

/**
 * Reads the descriptor budget from Linux's `/proc/self/limits` and `/proc/self/fd`.
 *
 * @param files The runtime's way to read them.
 * @returns The budget; undefined where there is no `/proc` (not Linux), the limits may not be
 * read, or the limit is unlimited. Descriptors that may not be counted are taken to be 32.
 *
 * @example Read from files given in memory
 * ```ts
 * import { readDescriptors } from "@tcp-echo/core/transport";
 *
 * const budget = readDescriptors({
 *   readFileSync: () => "Limit                     Soft Limit           Hard Limit           Units\\nMax open files            1024                 4096                 files\\n",
 *   readdirSync: () => Array.from({ length: 12 }),
 * });
 * if (budget?.limit !== 1024 || budget.open !== 12) throw new Error(JSON.stringify(budget));
 * ```
 */
export function readDescriptors(files: DescriptorFiles): Descriptors | undefined {
  let text: string;
  try {
    text = files.readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  const soft = MAX_OPEN_FILES.exec(text)?.[1];
  if (soft === undefined || soft === "unlimited") return undefined;
  let open = UNCOUNTED_OPEN;
  try {
    open = files.readdirSync("/proc/self/fd").length;
  } catch {
    // Counted as UNCOUNTED_OPEN.
  }
  return { limit: Number(soft), open };
}
