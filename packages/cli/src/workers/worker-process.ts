import type { Signal } from "../platform.ts";

/**
 * How workers share the port: `"reusePort"`, each its own listener with `SO_REUSEPORT`, or
 * `"cluster"`, one listener in the supervisor whose connections `node:cluster` hands out.
 */
export type WorkerSharing = "reusePort" | "cluster";

/** How a worker process ended: its exit code, or the signal that ended it. */
export interface WorkerExit {
  /** The exit code; null when a signal ended it. */
  readonly code: number | null;
  /** The signal's name (`"SIGKILL"`); null when it exited. */
  readonly signal: string | null;
}

/** What a worker needs to be allowed, where the runtime grants permissions (Deno). */
export interface WorkerAccess {
  /**
   * The hosts it listens on or resolves: `host:port` (IPv6 in brackets; port 0 for any port),
   * and the `--host` name when there is one.
   */
  readonly net: readonly string[];
  /** The files it reads: the TLS certificate, key and authorities. */
  readonly files: readonly string[];
}

/** Options of {@link Platform.spawnWorker}. */
export interface WorkerSpawnOptions {
  /** The command line after the program: the supervisor's own, plus `--port` once it is known. */
  readonly args: readonly string[];
  /** Variables added to the supervisor's environment: `TCP_ECHO_WORKER_ID`. */
  readonly env: Readonly<Record<string, string>>;
  /** How it shares the port. */
  readonly sharing: WorkerSharing;
  /** What it needs to be allowed. */
  readonly access: WorkerAccess;
  /** Gets each line it writes on stderr, whole, without the newline. */
  readonly onLine: (line: string) => void;
}

/** A worker process, as its supervisor sees it. */
export interface WorkerProcess {
  /** The process id. */
  readonly pid: number;
  /** Settles once it has exited and every line of its stderr has been handed on. */
  readonly exited: Promise<WorkerExit>;
  /**
   * Passes on a signal: the first makes it shut down gracefully, a second exit at once. A
   * spawned worker gets the signal itself; a `node:cluster` worker, which shares the terminal's
   * process group and so ignores signals, gets it as a message.
   */
  stop(signal: Signal): void;
  /** Ends it at once, with SIGKILL. */
  kill(): void;
}
