import { lineSplitter } from "../workers/lines.ts";
import type { WorkerExit, WorkerProcess, WorkerSpawnOptions } from "../workers/worker-process.ts";

/**
 * Starts a worker with `node:child_process` (Node.js from 22.12, Bun): `command` with `args`,
 * in a process group of its own, so that a terminal's Ctrl-C reaches the supervisor alone,
 * which passes it on once. Its stdin is a pipe it never reads from the supervisor's side: when
 * the supervisor dies, the worker reads end of file there.
 *
 * @param command The runtime's executable.
 * @param args Its arguments: the runtime's own flags, the script, then the command's.
 * @param options The command's arguments are already in `args`; the rest is read here.
 * @returns The worker, once it has started.
 * @throws {Error} When the executable cannot be started.
 */
export async function spawnWorkerProcess(
  command: string,
  args: readonly string[],
  options: WorkerSpawnOptions,
): Promise<WorkerProcess> {
  const { spawn } = await import("node:child_process");
  const child = spawn(command, [...args], {
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["pipe", "ignore", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  // EPIPE once the worker is gone is expected: nothing is ever written.
  child.stdin?.on("error", () => {});
  const lines = lineSplitter(options.onLine);
  child.stderr?.setEncoding("utf8").on("data", (text: string) => lines.push(text));
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once("close", (code, signal) => {
      lines.end();
      resolve({ code, signal });
    });
  });
  const pid = child.pid as number;
  const send = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, signal);
    } catch {
      // It exited in between.
    }
  };
  return { pid, exited, stop: send, kill: () => send("SIGKILL") };
}
