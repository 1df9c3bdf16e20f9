import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { RuntimeInfo } from "@tcp-echo/core";
import type { Platform } from "../platform.ts";
import { lookupHost } from "./lookup.ts";

// Node.js and Bun share node:process; writes to pipes, files and terminals are synchronous on
// Linux and macOS, so what is written before exit() is never lost. This is the global `process`
// on purpose: on Node.js 20, `import process from "node:process"` alone made the echo of 1 KiB
// messages, 16 in flight on 100 connections, about a third slower (benchmarks/, by bisection).
export function processPlatform(runtime: RuntimeInfo): Platform {
  return {
    runtime,
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    onSignal: (signal, listener) => void process.on(signal, listener),
    exit: (code) => process.exit(code),
    listenDenied: () => undefined,
    readTextFile: (path) => readFileSync(path, "utf8"),
    lookup: lookupHost,
    pid: process.pid,
    hostname: () => hostname(),
  };
}
