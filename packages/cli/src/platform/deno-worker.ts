import { lineSplitter } from "../workers/lines.ts";
import type { WorkerAccess, WorkerExit, WorkerProcess, WorkerSpawnOptions } from "../workers/worker-process.ts";

/** The permission queries the worker's flags are made from. */
export type PermissionQuery =
  | { name: "env"; variable?: string }
  | { name: "net"; host?: string }
  | { name: "sys"; kind?: "hostname" }
  | { name: "read"; path?: string }
  | { name: "run"; command?: string };

// The part of Deno.Command this file uses (https://docs.deno.com/api/deno/~/Deno.Command).
interface ChildProcess {
  readonly pid: number;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ readonly code: number; readonly signal: string | null }>;
  kill(signal: string): void;
}

/** The part of the Deno namespace a worker is started with. */
export interface DenoSpawnApi {
  execPath(): string;
  readonly mainModule: string;
  readonly Command: new (
    command: string,
    options: {
      args: string[];
      env: Record<string, string>;
      detached: boolean;
      stdin: "piped";
      stdout: "null";
      stderr: "piped";
    },
  ) => { spawn(): ChildProcess };
}

/**
 * The permission flags of a worker: each the parent has in full is passed in full; otherwise
 * the part the worker needs, where the parent has it. `--allow-run` and `--allow-write` are
 * never passed: a worker starts nothing and writes no file.
 *
 * @param granted Whether the parent has a permission.
 * @param access What the worker needs.
 * @param variables The variables the parent may read, which the worker reads too.
 * @returns The flags, such as `--allow-net=127.0.0.1:7007`.
 */
export function workerPermissions(
  granted: (query: PermissionQuery) => boolean,
  access: WorkerAccess,
  variables: readonly string[],
): string[] {
  const flags: string[] = [];
  if (granted({ name: "net" })) flags.push("--allow-net");
  else {
    const hosts = access.net.map((host) => host.replace(/:0$/, "")).filter((host) => granted({ name: "net", host }));
    if (hosts.length > 0) flags.push(`--allow-net=${hosts.join(",")}`);
  }
  if (granted({ name: "env" })) flags.push("--allow-env");
  else flags.push(`--allow-env=${variables.join(",")}`);
  if (granted({ name: "read" })) flags.push("--allow-read");
  else {
    const files = access.files.filter((path) => granted({ name: "read", path }));
    if (files.length > 0) flags.push(`--allow-read=${files.join(",")}`);
  }
  if (granted({ name: "sys" })) flags.push("--allow-sys");
  else if (granted({ name: "sys", kind: "hostname" })) flags.push("--allow-sys=hostname");
  return flags;
}

/**
 * The module a worker runs: the supervisor's main module, or, when that is a file of an npm
 * package in Deno's cache (`deno run npm:@tcp-echo/cli`), the same file as an `npm:` specifier:
 * run as a plain file, it would not find the package's dependencies.
 *
 * @param mainModule `Deno.mainModule`.
 * @returns What to hand `deno run`.
 */
export function workerModule(mainModule: string): string {
  // <DENO_DIR>/npm/<registry>/<name or @scope/name>/<version, with _N for a copy>/<file>
  const match = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/@]+)\/(\d+\.\d+\.\d+[^/_]*)(?:_\d+)?\/(.+)$/.exec(mainModule);
  if (!mainModule.startsWith("file:") || match === null) return mainModule;
  const [, name, version, file] = match;
  return `npm:${name}@${version}/${file}`;
}

/**
 * Starts a worker on Deno with `Deno.Command`, which adds `env` to the inherited environment
 * without reading it (`node:child_process` in Deno reads every variable, so it needs all of
 * `--allow-env`): `deno run --unstable-net <permissions> <main module> <args>`, in a session of
 * its own (so a terminal's Ctrl-C reaches the supervisor alone), stdin a pipe the worker
 * watches for its supervisor's end.
 *
 * @param deno The Deno namespace.
 * @param permissions The worker's permission flags.
 * @param options The worker's arguments, variables and stderr lines.
 * @returns The worker.
 */
export function spawnDenoWorker(
  deno: DenoSpawnApi,
  permissions: readonly string[],
  options: WorkerSpawnOptions,
): Promise<WorkerProcess> {
  const child = new deno.Command(deno.execPath(), {
    args: ["run", "--unstable-net", "--no-prompt", ...permissions, workerModule(deno.mainModule), ...options.args],
    env: { ...options.env },
    detached: true,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = lineSplitter(options.onLine);
  const read = child.stderr
    .pipeThrough(new TextDecoderStream())
    .pipeTo(new WritableStream({ write: (text) => lines.push(text), close: () => lines.end() }));
  let done = false;
  const exited = Promise.all([child.status, read.catch(() => {})]).then(([status]): WorkerExit => {
    done = true;
    return status.signal === null ? { code: status.code, signal: null } : { code: null, signal: status.signal };
  });
  const send = (signal: string) => {
    if (done) return;
    try {
      child.kill(signal);
    } catch {
      // It exited in between.
    }
  };
  return Promise.resolve({ pid: child.pid, exited, stop: send, kill: () => send("SIGKILL") });
}
