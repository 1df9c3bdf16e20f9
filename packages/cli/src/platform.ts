import type { RuntimeInfo } from "@tcp-echo/core";
import type { WorkerProcess, WorkerSharing, WorkerSpawnOptions } from "./workers/worker-process.ts";

/** The signals that stop the server: the first shuts down gracefully, a second exits at once. */
export type Signal = "SIGINT" | "SIGTERM";

/**
 * What the command needs from the process it runs in. One small implementation per runtime
 * (`nodePlatform`, `denoPlatform`, `bunPlatform`); tests can pass their own.
 *
 * @example A platform in memory, to run the command under a test
 * ```ts
 * import { main, type Platform } from "@tcp-echo/cli";
 * import * as node from "@tcp-echo/node";
 *
 * let output = "";
 * const platform: Platform = {
 *   runtime: { name: "test", version: "0.0.0" },
 *   args: ["--version"],
 *   env: () => undefined,
 *   stdout: (text) => void (output += text),
 *   stderr: (text) => void (output += text),
 *   onSignal: () => {},
 *   exit: (code) => { throw new Error(`exit ${code}`); },
 *   listenDenied: () => undefined,
 *   readTextFile: () => { throw new Error("no files in this test"); },
 *   lookup: () => Promise.reject(new Error("no resolver in this test")),
 *   pid: 1,
 *   hostname: () => "test-host",
 * };
 * console.log(await main(platform, node), output); // 0 "tcp-echo 0.1.0 (test 0.0.0)\n"
 * ```
 */
export interface Platform {
  /** The runtime, for `--version`. */
  readonly runtime: RuntimeInfo;
  /** The arguments after the program (and script) name. */
  readonly args: readonly string[];
  /** An environment variable; undefined when unset or when the runtime may not read it. Never prompts. */
  env(name: string): string | undefined;
  /** Writes text to stdout, synchronously. */
  stdout(text: string): void;
  /** Writes text to stderr, synchronously. */
  stderr(text: string): void;
  /** Calls `listener` each time the process receives `signal`, instead of terminating. */
  onSignal(signal: Signal, listener: () => void): void;
  /** Ends the process with `code`. */
  exit(code: number): never;
  /**
   * Why the runtime would refuse to listen on `address` (`host:port`, `tls://host:port`,
   * `unix:/path`), as a sentence that names
   * the permission to grant; undefined when it may listen. Checked before listening, so a
   * runtime that asks for permissions (Deno) never prompts.
   */
  listenDenied(address: string): string | undefined;
  /**
   * Why the open-file limit cannot be read here, naming what would let it, where the runtime
   * needs a permission for it; the command then has no default connection limit and says so.
   */
  readonly descriptorLimitHint?: string;
  /** The same for a worker of `--workers`, where it differs (a Deno worker never has `--allow-all`). */
  readonly workerDescriptorLimitHint?: string;
  /**
   * Reads a text file (a TLS certificate or key).
   * @throws {Error} With the runtime's `code` (`ENOENT`, `EACCES`) or a message naming the
   * permission to grant.
   */
  readTextFile(path: string): string;
  /** The process id, for a greeting's `{pid}`. */
  readonly pid: number;
  /**
   * The machine's host name, for a greeting's `{host}` and `{pid}`.
   * @throws {Error} When the runtime may not read it, naming the permission to grant.
   */
  hostname(): string;
  /**
   * Resolves a host name to one IP address with the runtime's resolver; rejects when it does not
   * resolve.
   */
  lookup(host: string): Promise<string>;
  /**
   * Starts a worker for `--workers`: this command again, with `options.args` and the variables
   * of `options.env`. Undefined where the runtime cannot start processes.
   */
  spawnWorker?(options: WorkerSpawnOptions): Promise<WorkerProcess>;
  /**
   * How workers can share a port here when the transport has no `SO_REUSEPORT`: Node.js
   * before 22.12 has `"cluster"`.
   */
  readonly workerFallback?: WorkerSharing;
  /**
   * Why this process may not start workers, as a sentence naming the permission to grant
   * (Deno without `--allow-run`); undefined when it may.
   */
  workersDenied?(): string | undefined;
  /**
   * In a worker: calls `listener` once when the supervisor is gone (killed without passing on a
   * signal), so the worker shuts down instead of holding the port on its own.
   */
  onSupervisorGone?(listener: () => void): void;
}
