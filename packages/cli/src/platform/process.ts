import type { RuntimeInfo } from "@tcp-echo/core";
import type { Platform } from "../platform.ts";
import { WORKER_ID_VARIABLE } from "../workers/identity.ts";
import { isSignalMessage } from "./cluster.ts";
import { lookupHost } from "./lookup.ts";

// node:os is loaded when a greeting first names the host: on Bun it is a JavaScript module that
// stays in the heap for the life of the process, and every collection walks it. node:fs is
// loaded when a file is read, for the same reason on Deno: a static import anywhere in this
// package's graph would load Deno's Node.js compatibility layer, 2.5 MB of heap, into every
// `deno run` of the CLI (test/deno-module-graph.test.ts guards it).
const os = () => process.getBuiltinModule("node:os");
const fs = () => process.getBuiltinModule("node:fs");

// Node.js and Bun share node:process; writes to pipes, files and terminals are synchronous on
// Linux and macOS, so what is written before exit() is never lost. This is the global `process`
// on purpose: on Node.js 20, `import process from "node:process"` alone made the echo of 1 KiB
// messages, 16 in flight on 100 connections, about a third slower (benchmarks/, by bisection).
export function processPlatform(runtime: RuntimeInfo): Platform {
  // A worker with a message channel is a node:cluster worker (a spawned one has none). It shares
  // its supervisor's process group, so a terminal's Ctrl-C reaches both: it ignores the signals
  // and takes them as messages from the supervisor, which passes each on once.
  const clusterWorker = typeof process.send === "function" && process.env[WORKER_ID_VARIABLE] !== undefined;
  return {
    runtime,
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    onSignal(signal, listener) {
      if (!clusterWorker) return void process.on(signal, listener);
      process.on(signal, () => {});
      process.on("message", (message) => {
        if (isSignalMessage(message, signal)) listener();
      });
    },
    onSupervisorGone(listener) {
      // The supervisor holds the other end of stdin open and never writes: end of file means it is gone.
      process.stdin.once("end", listener);
      process.stdin.on("error", () => {});
      process.stdin.resume();
    },
    exit: (code) => process.exit(code),
    listenDenied: () => undefined,
    readTextFile: (path) => fs().readFileSync(path, "utf8"),
    lookup: lookupHost,
    pid: process.pid,
    hostname: () => os().hostname(),
  };
}
