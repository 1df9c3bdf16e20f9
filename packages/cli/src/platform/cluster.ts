import type { Signal } from "../platform.ts";
import { lineSplitter } from "../workers/lines.ts";
import type { WorkerExit, WorkerProcess, WorkerSpawnOptions } from "../workers/worker-process.ts";

/** The message a `node:cluster` supervisor sends a worker in place of a signal. */
interface SignalMessage {
  readonly "tcp-echo": "signal";
  readonly signal: Signal;
}

/**
 * Whether `message` (from `process.on("message")`) is the supervisor passing on `signal`.
 *
 * @param message What the worker received.
 * @param signal The signal listened for.
 * @returns True for that signal's message.
 */
export function isSignalMessage(message: unknown, signal: Signal): boolean {
  const candidate = message as Partial<SignalMessage> | null;
  return typeof candidate === "object" && candidate?.["tcp-echo"] === "signal" && candidate.signal === signal;
}

/**
 * Starts a worker with `node:cluster` (Node.js before 22.12, whose node:net has no reusePort):
 * the supervisor holds the one listening socket and hands connections to the workers. A
 * worker stays in the supervisor's process group, so it ignores SIGINT and SIGTERM (a
 * terminal's Ctrl-C reaches both) and takes them as messages from the supervisor instead.
 *
 * @param options The worker's arguments, variables and stderr lines.
 * @returns The worker, once it has started.
 */
export async function forkClusterWorker(options: WorkerSpawnOptions): Promise<WorkerProcess> {
  const { default: cluster } = await import("node:cluster");
  // https://nodejs.org/api/cluster.html#clustersetupprimarysettings: applies to the next fork.
  cluster.setupPrimary({ args: [...options.args], silent: true });
  const worker = cluster.fork(options.env);
  const child = worker.process;
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  child.stdin?.on("error", () => {});
  // A worker writes nothing on stdout; whatever it might is drained, so that it never blocks.
  child.stdout?.resume();
  const lines = lineSplitter(options.onLine);
  child.stderr?.setEncoding("utf8").on("data", (text: string) => lines.push(text));
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once("close", (code, signal) => {
      lines.end();
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid as number,
    exited,
    stop(signal) {
      if (!running() || !worker.isConnected()) return;
      const message: SignalMessage = { "tcp-echo": "signal", signal };
      worker.send(message, undefined, () => {});
    },
    kill() {
      if (running()) child.kill("SIGKILL");
    },
  };
}
