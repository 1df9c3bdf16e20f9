import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { withDeadline } from "../src/index.ts";

/** The fixture's path: `fixture/echo-server.mjs`. */
export const fixtureScript: string = fileURLToPath(new URL("../fixture/echo-server.mjs", import.meta.url));
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** One line the fixture printed on stdout. */
export interface FixtureEvent {
  readonly event: "listening" | "accept-error" | "error";
  readonly port?: number;
  readonly code?: string;
  readonly name?: string;
  /** For `error`: the core error class the error is an instance of. */
  readonly instanceOf?: string | null;
  readonly message?: string;
}

/** How to start the fixture. */
export interface FixtureOptions {
  /** Its arguments: `--host`, `--port`, `--backlog`. */
  readonly args?: readonly string[];
  /** Words put before the runtime, e.g. `["prlimit", "--nofile=64:64"]`. */
  readonly wrapper?: readonly string[];
  /** The environment; defaults to this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** An echo server in a child process, started with the runtime running the suite. */
export class Fixture {
  readonly child: ChildProcess;
  readonly events: FixtureEvent[] = [];
  readonly #first: Promise<FixtureEvent>;
  readonly exited: Promise<number | null>;

  constructor(options: FixtureOptions = {}) {
    const command = [...(options.wrapper ?? []), ...runtimeCommand(), fixtureScript, ...(options.args ?? [])];
    this.child = spawn(command[0] as string, command.slice(1), {
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    this.child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.#first = new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
      lines.on("line", (line) => {
        const event = JSON.parse(line) as FixtureEvent;
        this.events.push(event);
        if (this.events.length === 1) resolve(event);
      });
      this.exited.then(() => {
        // Let the last stdout line through first: an error event is followed by the exit.
        lines.once("close", () =>
          reject(new Error(`the fixture exited (${this.child.exitCode}): ${stderr.join("").trim()}`)),
        );
      });
      this.child.once("error", reject);
    });
  }

  /** The process id, as `/proc` knows it (the runtime's own, not a wrapper's: they exec it). */
  get pid(): number {
    return this.child.pid as number;
  }

  /** The first event: `listening` with the port, or `error`; rejects after `ms`. */
  started(ms = 10_000): Promise<FixtureEvent> {
    return withDeadline(this.#first, ms, `the fixture (${runtime}) to start`);
  }

  /** The listening port; rejects when the fixture reported an error instead. */
  async port(ms = 10_000): Promise<number> {
    const first = await this.started(ms);
    if (first.event !== "listening" || first.port === undefined) throw new Error(`fixture: ${JSON.stringify(first)}`);
    return first.port;
  }

  /** Stops the fixture (SIGKILL: it holds no state worth a graceful end) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await withDeadline(this.exited, 5000, "the fixture to exit");
  }
}

/** The command that runs a script with this runtime: `node`, `deno run -A`, `bun`. */
export function runtimeCommand(): string[] {
  if (runtime === "deno") return [process.execPath, "run", "-A"];
  return [process.execPath];
}

/** Resident memory of `pid` in bytes, from `/proc/<pid>/status` (VmRSS). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time `pid` has used, user plus system, in seconds, from `/proc/<pid>/stat`. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
