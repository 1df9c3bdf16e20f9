// The parts of --workers that need no process: the flag, the restart backoff, the log lines,
// the line splitting and the permissions a Deno worker is started with.
import { describe, expect, test } from "vitest";
import { parseCommandLine } from "../src/args.ts";
import { createLogger, formatPretty, type LogEvent } from "../src/log.ts";
import { type PermissionQuery, workerModule, workerPermissions } from "../src/platform/deno-worker.ts";
import { Backoff } from "../src/workers/backoff.ts";
import { lineSplitter } from "../src/workers/lines.ts";

const noEnv = () => undefined;
const serve = (args: string[], env: (name: string) => string | undefined = noEnv) => {
  const command = parseCommandLine(args, env);
  if (command.kind !== "serve") throw new Error(command.kind);
  return command.options;
};

describe("--workers", () => {
  test("takes a whole number of 1 or more, or auto, from the flag or TCP_ECHO_WORKERS", () => {
    expect(serve(["--workers", "4"]).workers).toBe(4);
    expect(serve(["--workers=auto"]).workers).toBe("auto");
    expect(serve([], (name) => (name === "TCP_ECHO_WORKERS" ? "2" : undefined)).workers).toBe(2);
    expect(serve([]).workers).toBeUndefined();
  });

  test.each(["0", "-1", "1.5", "two", ""])("refuses %j as a usage error", (value) => {
    expect(() => serve(["--workers", value])).toThrow(
      `invalid --workers '${value}': expected a whole number of 1 or more, or auto`,
    );
  });

  test("refuses --unix and --udp, saying why", () => {
    expect(() => serve(["--workers", "2", "--unix", "/tmp/echo.sock"])).toThrow(
      "--workers cannot be combined with --unix: SO_REUSEPORT shares TCP ports, and a socket path has one listener",
    );
    expect(() => serve(["--workers", "2", "--udp"])).toThrow(
      "--udp is declared unsupported with --workers: one socket answers datagrams; run UDP without --workers",
    );
  });
});

describe("Backoff", () => {
  test("doubles from 100 ms up to 10 s while a worker keeps exiting soon, and starts over after 30 s", () => {
    const backoff = new Backoff();
    const delays = Array.from({ length: 9 }, () => backoff.delay(50));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    expect(backoff.delay(30_000)).toBe(100);
    expect(backoff.delay(10)).toBe(200);
  });
});

describe("the log of a worker and of its supervisor", () => {
  const address = { transport: "tcp", hostname: "127.0.0.1", port: 7007, family: "IPv4" } as const;
  const runtime = { name: "node", version: "20.20.2" };
  const now = () => new Date(0);

  test("a worker's pretty lines start with its id; the startup line still ends with ':port (runtime)'", () => {
    const lines: string[] = [];
    const log = createLogger({
      format: "pretty",
      quiet: false,
      write: (text) => lines.push(text),
      worker: { id: 2, pid: 42 },
    });
    log({ type: "listening", address, runtime });
    expect(lines).toEqual(["[worker 2] tcp-echo listening on 127.0.0.1:7007 (node 20.20.2)\n"]);
  });

  test("a worker's JSON events carry its id, and its listening event its pid", () => {
    const lines: string[] = [];
    const log = createLogger({
      format: "json",
      quiet: false,
      write: (text) => lines.push(text),
      now,
      worker: { id: 2, pid: 42 },
    });
    log({ type: "listening", address, runtime });
    log({ type: "note", message: "hello" });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        type: "listening",
        time: "1970-01-01T00:00:00.000Z",
        worker: 2,
        pid: 42,
        address: "127.0.0.1:7007",
        transport: "tcp",
        hostname: "127.0.0.1",
        port: 7007,
        family: "IPv4",
        runtime,
      },
      { type: "note", time: "1970-01-01T00:00:00.000Z", worker: 2, message: "hello" },
    ]);
  });

  test.each([
    [
      {
        type: "workers",
        count: 2,
        address: "127.0.0.1:7007",
        runtime: { name: "bun", version: "1.4.5" },
        sharing: "reusePort",
      },
      "tcp-echo: starting 2 workers on 127.0.0.1:7007 (bun 1.4.5, SO_REUSEPORT)",
    ],
    [
      { type: "workers", count: 1, address: "127.0.0.1:0", runtime, sharing: "cluster" },
      "tcp-echo: starting 1 worker on 127.0.0.1:0 (node 20.20.2, node:cluster)",
    ],
    [
      { type: "restart", worker: 2, pid: 1234, code: 1, signal: null, delayMs: 200 },
      "tcp-echo: worker 2 (pid 1234) exited with code 1; restarting in 200ms",
    ],
    [
      { type: "restart", worker: 1, pid: 99, code: null, signal: "SIGKILL", delayMs: 10_000 },
      "tcp-echo: worker 1 (pid 99) killed by SIGKILL; restarting in 10s",
    ],
  ] as const)("the supervisor's %o reads %j", (event, line) => {
    expect(formatPretty(event as LogEvent)).toBe(line);
  });
});

describe("lineSplitter", () => {
  test("hands on whole lines however the text arrives, and an unterminated last one at the end", () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    for (const piece of ["[worker 1] a", "b\n[worker", " 1] c\n\n", "tail"]) splitter.push(piece);
    expect(lines).toEqual(["[worker 1] ab", "[worker 1] c", ""]);
    splitter.end();
    expect(lines.at(-1)).toBe("tail");
  });
});

describe("a Deno worker's permissions", () => {
  const access = { net: ["127.0.0.1:0", "echo.internal"], files: ["cert.pem", "key.pem"] };

  test("are the supervisor's own where it has them in full", () => {
    expect(workerPermissions(() => true, access, ["TCP_ECHO_WORKER_ID"])).toEqual([
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
    ]);
  });

  test("are the parts the worker needs where the supervisor has only those", () => {
    const grants: PermissionQuery[] = [
      { name: "net", host: "127.0.0.1" },
      { name: "read", path: "cert.pem" },
      { name: "read", path: "key.pem" },
      { name: "sys", kind: "hostname" },
    ];
    const granted = (query: PermissionQuery) => grants.some((grant) => JSON.stringify(grant) === JSON.stringify(query));
    expect(workerPermissions(granted, access, ["TCP_ECHO_WORKER_ID", "HOST"])).toEqual([
      "--allow-net=127.0.0.1",
      "--allow-env=TCP_ECHO_WORKER_ID,HOST",
      "--allow-read=cert.pem,key.pem",
      "--allow-sys=hostname",
    ]);
  });
});

describe("the module a Deno worker runs", () => {
  test("is the main module, or an npm: specifier for a file of an npm package in Deno's cache", () => {
    expect(workerModule("file:///srv/tcp-echo/runtimes/deno/main.ts")).toBe(
      "file:///srv/tcp-echo/runtimes/deno/main.ts",
    );
    expect(workerModule("https://jsr.io/@tcp-echo/cli/0.1.0/src/bin.ts")).toBe(
      "https://jsr.io/@tcp-echo/cli/0.1.0/src/bin.ts",
    );
    expect(workerModule("file:///root/.cache/deno/npm/registry.npmjs.org/@tcp-echo/cli/0.2.0/dist/bin.js")).toBe(
      "npm:@tcp-echo/cli@0.2.0/dist/bin.js",
    );
    expect(workerModule("file:///home/me/.cache/deno/npm/registry.npmjs.org/tcp-echo/1.0.0-rc.1_2/bin.js")).toBe(
      "npm:tcp-echo@1.0.0-rc.1/bin.js",
    );
  });
});
