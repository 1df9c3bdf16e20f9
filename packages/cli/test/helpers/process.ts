import { type ChildProcess, spawn } from "node:child_process";
import { withDeadline } from "./deadline.ts";
import { type EntrypointOptions, entrypoint, ROOT, type RuntimeName } from "./runtimes.ts";

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link spawnEntrypoint}. */
export interface SpawnOptions extends EntrypointOptions {
  /** Variables added to the environment; HOST and PORT are removed unless given here. */
  readonly env?: Readonly<Record<string, string>>;
}

const running = new Set<ChildProcess>();

/**
 * A tcp-echo child process: its stderr split into lines as they arrive, its stdout, its exit.
 */
export class EchoProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stdout = "";
  readonly exited: Promise<Exit>;
  readonly #waiters = new Set<() => void>();
  #partial = "";
  #closed = false;

  constructor(runtime: RuntimeName, args: readonly string[], options: SpawnOptions = {}) {
    const [command, baseArgs] = entrypoint(runtime, options);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.HOST;
    delete env.PORT;
    this.child = spawn(command, [...baseArgs, ...args], {
      cwd: ROOT,
      env: { ...env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this.child);
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
    });
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      const parts = (this.#partial + text).split("\n");
      this.#partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.#waiters) wake();
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", (code, signal) => {
        running.delete(this.child);
        this.#closed = true;
        if (this.#partial !== "") this.lines.push(this.#partial);
        this.#partial = "";
        resolve({ code, signal });
        for (const wake of this.#waiters) wake();
      });
    });
  }

  /** All of stderr so far, newline-terminated lines. */
  get stderr(): string {
    return this.lines.map((line) => `${line}\n`).join("") + this.#partial;
  }

  /**
   * The first stderr line matching `pattern`, waiting for it up to `ms`. Rejects early when the
   * process exits without printing it.
   */
  waitForLine(pattern: RegExp, ms = 10_000): Promise<string> {
    const found = new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = this.lines.find((candidate) => pattern.test(candidate));
        if (line !== undefined) {
          this.#waiters.delete(check);
          resolve(line);
        } else if (this.#closed) {
          this.#waiters.delete(check);
          reject(new Error(`The process exited without a line matching ${pattern}; stderr:\n${this.stderr}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
    return withDeadline(found, ms, () => `a line matching ${pattern}; stderr so far:\n${this.stderr}`);
  }

  /**
   * The stderr lines matching `pattern` once there are at least `count` of them, waiting up to
   * `ms`. Rejects early when the process exits with fewer.
   */
  waitForLines(pattern: RegExp, count: number, ms = 10_000): Promise<string[]> {
    const matching = () => this.lines.filter((line) => pattern.test(line));
    const found = new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const lines = matching();
        if (lines.length >= count) {
          this.#waiters.delete(check);
          resolve(lines);
        } else if (this.#closed) {
          this.#waiters.delete(check);
          reject(new Error(`The process exited with ${lines.length} of ${count} lines matching ${pattern}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
    return withDeadline(found, ms, () => `${count} lines matching ${pattern} (have ${matching().length})`);
  }

  /** The exit, waiting up to `ms`. */
  waitForExit(ms = 10_000): Promise<Exit> {
    return withDeadline(this.exited, ms, () => `the process to exit; stderr so far:\n${this.stderr}`);
  }

  /** The process id: the runtime's own, as the entrypoints run in the process they are started as. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Sends `signal` to this process (by its PID). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** A started server: the process and the port from its startup line. */
export interface StartedServer {
  readonly process: EchoProcess;
  readonly port: number;
  readonly startupLine: string;
}

/**
 * Starts `runtimes/<runtime>/main.ts` with `args` (give `--port 0`) and waits, up to `ms`, for the
 * startup line, pretty or json, to read the port from.
 */
export async function startServer(
  runtime: RuntimeName,
  args: readonly string[],
  options: SpawnOptions = {},
  ms = 15_000,
): Promise<StartedServer> {
  const server = new EchoProcess(runtime, args, options);
  const startupLine = await server.waitForLine(/listening/, ms);
  const port = startupLine.startsWith("{")
    ? (JSON.parse(startupLine) as { port: number }).port
    : Number(/:(\d+) \(/.exec(startupLine)?.[1]);
  if (!(port > 0)) throw new Error(`No port in the startup line: ${startupLine}`);
  return { process: server, port, startupLine };
}

/** Runs the entrypoint to completion (up to `ms`) and returns its exit and output. */
export async function runToExit(
  runtime: RuntimeName,
  args: readonly string[],
  options: SpawnOptions = {},
  ms = 15_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const child = new EchoProcess(runtime, args, options);
  const exit = await child.waitForExit(ms);
  return { ...exit, stdout: child.stdout, stderr: child.stderr };
}

/** Kills, by PID, every child a test left running. */
export function killLeftovers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
