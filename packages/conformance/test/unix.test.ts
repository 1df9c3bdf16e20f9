// Unix domain sockets' sharp edges: the socket file's life (stale, live, not a socket, removed
// on shutdown), its mode, the platform's path limit and abstract names. The echo itself runs
// over unix in wire.test.ts.
import { spawn } from "node:child_process";
import { lstatSync, writeFileSync } from "node:fs";
import { unix } from "tcp-echo:binding";
import { serve, type TcpEchoError } from "@tcp-echo/core";
import { afterAll, describe, expect, it } from "vitest";
import { allByteValues, assertSameBytes, roundTrip, withDeadline } from "../src/index.ts";
import { runtimeCommand } from "./fixture.ts";
import { releaseTransports, socketPath } from "./transports.ts";

afterAll(releaseTransports);

const transport = unix();

/** What is at `path`: "socket", "file" or "absent". */
function kind(path: string): string {
  try {
    return lstatSync(path).isSocket() ? "socket" : "file";
  } catch {
    return "absent";
  }
}

async function echoes(path: string): Promise<void> {
  const payload = allByteValues();
  assertSameBytes(await roundTrip({ path }, payload, 5000), payload, `echo at unix:${path}`);
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<TcpEchoError> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: TcpEchoError) => error,
  );
}

/**
 * Leaves a stale socket file at `path`: a child process listens there and is killed with
 * SIGKILL, so nothing removes the file and nobody accepts on it.
 */
async function staleSocket(path: string): Promise<void> {
  const script = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`;
  const [command, ...args] = [...runtimeCommand().slice(0, 1), ...runtimeEval(script)];
  const child = spawn(command as string, args, { stdio: ["ignore", "pipe", "inherit"] });
  await withDeadline(new Promise((resolve) => child.stdout.once("data", resolve)), 10_000, "the child to listen");
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await withDeadline(exited, 5000, "the child to die");
}

/** The arguments that make this runtime evaluate `script` (CommonJS) and stay alive. */
function runtimeEval(script: string): string[] {
  if ("Deno" in globalThis)
    return [
      "eval",
      `import { createRequire } from "node:module"; const require = createRequire(import.meta.url); ${script}`,
    ];
  return ["-e", script];
}

describe("unix socket files", () => {
  it("serves echo on a socket file, and removes the file on shutdown", async () => {
    const path = socketPath();
    const server = await serve(transport, { path });
    expect(server.address).toEqual({ transport: "unix", path });
    expect(kind(path)).toBe("socket");
    await echoes(path);
    await server.shutdown({ timeout: 1000 });
    expect(kind(path)).toBe("absent");
  });

  it("creates the file with the mode asked for before it accepts anything", async () => {
    for (const mode of [0o600, 0o660, 0o666]) {
      const path = socketPath();
      const server = await serve(transport, { path, mode });
      expect(lstatSync(path).mode & 0o777).toBe(mode);
      await server.shutdown({ timeout: 1000 });
    }
  });

  it("replaces a stale socket file nobody accepts on", async () => {
    const path = socketPath();
    await staleSocket(path);
    expect(kind(path)).toBe("socket");
    const server = await serve(transport, { path });
    await echoes(path);
    await server.shutdown({ timeout: 1000 });
  });

  it("refuses the socket of a live server, which keeps serving", async () => {
    const path = socketPath();
    const live = await serve(transport, { path });
    const error = await failure(serve(transport, { path }));
    expect(error.code).toBe("EADDRINUSE");
    expect(error.message).toBe(`Cannot listen on unix:${path}: another server is accepting connections on it`);
    await echoes(path);
    await live.shutdown({ timeout: 1000 });
  });

  it("leaves a file that is not a socket alone", async () => {
    const path = socketPath();
    writeFileSync(path, "not a socket");
    const error = await failure(serve(transport, { path }));
    expect(error.code).toBe("EADDRINUSE");
    expect(error.message).toBe(`Cannot listen on unix:${path}: the path exists and is not a socket; it was left alone`);
    expect(kind(path)).toBe("file");
  });

  it("names the directory when a socket path's directory does not exist", async () => {
    const directory = `${socketPath()}.missing`;
    const path = `${directory}/echo.sock`;
    const error = await failure(serve(transport, { path }));
    expect(error.code).toBe("ERR_LISTEN_FAILED");
    expect(error.message).toBe(`Cannot listen on unix:${path}: the directory ${directory} does not exist`);
  });

  it("refuses a path over the platform's limit, naming the limit, before binding anything", async () => {
    const path = `${socketPath()}${"x".repeat(120)}`;
    const error = await failure(serve(transport, { path }));
    expect(error.code).toBe("ERR_INVALID_ADDRESS");
    expect(error.message).toMatch(
      /^Cannot bind unix:\S+: the path is \d+ bytes and a unix socket's may be at most 107 bytes on this system; use a shorter one$/,
    );
    expect(kind(path)).toBe("absent");
  });

  it("refuses a mode outside 0 to 0o777", async () => {
    const error = await failure(serve(transport, { path: socketPath(), mode: 0o1777 }));
    expect(error.code).toBe("ERR_INVALID_ADDRESS");
  });

  it("listens on a Linux abstract name, which has no file", async (context) => {
    const reason = transport.unsupported.abstractUnix;
    if (reason !== undefined) context.skip(`unix lacks abstractUnix: ${reason}`);
    const name = `@tcp-echo-${process.pid}-${Date.now()}`;
    const server = await serve(transport, { path: name });
    expect(server.address).toEqual({ transport: "unix", path: name });
    const payload = allByteValues();
    assertSameBytes(
      await roundTrip({ path: `\0${name.slice(1)}` }, payload, 5000),
      payload,
      "echo at an abstract name",
    );
    await server.shutdown({ timeout: 1000 });
  });
});
