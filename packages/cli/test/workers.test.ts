// tcp-echo --workers as users run it: each runtime's entrypoint supervising worker processes
// that share one port (SO_REUSEPORT, or node:cluster on Node.js before 22.12), talked to over
// TCP. Everything waits on log events, with deadlines.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, test } from "vitest";
import { Client, connectError } from "./helpers/client.ts";
import { withDeadline } from "./helpers/deadline.ts";
import { EchoProcess, killLeftovers, runToExit } from "./helpers/process.ts";
import { RUNTIMES, type RuntimeName } from "./helpers/runtimes.ts";

afterAll(killLeftovers);

/** Deno starts workers only with --allow-run; the entrypoint already passes --unstable-net. */
const spawnOptions = { permissions: ["--allow-run"] };

/** How the workers of each runtime share the port: node:net has reusePort from Node.js 22.12. */
function sharing(runtime: RuntimeName): "reusePort" | "cluster" {
  if (runtime !== "node") return "reusePort";
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12) ? "reusePort" : "cluster";
}

interface LogLine {
  readonly type: string;
  readonly worker?: number;
  readonly [field: string]: unknown;
}

/** Kills `pid` if a failed test left it running. */
function killIfRunning(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already, as it should be.
  }
}

const parse = (line: string) => JSON.parse(line) as LogLine;

/** A worker's JSON event of `type`: the regular expression for waitForLine(s). */
const eventOf = (type: string, worker?: number) =>
  new RegExp(`^\\{"type":"${type}","time":"[^"]*"${worker === undefined ? "" : `,"worker":${worker},`}`);

/** Starts `--workers 2 --port 0 --log-format json` and waits for both workers to listen. */
async function startWorkers(runtime: RuntimeName) {
  const server = new EchoProcess(runtime, ["--workers", "2", "--port", "0", "--log-format", "json"], spawnOptions);
  const [first, second] = await Promise.all([1, 2].map((id) => server.waitForLine(eventOf("listening", id), 15_000)));
  const listening = [parse(first ?? ""), parse(second ?? "")];
  const port = listening[0]?.port as number;
  expect(listening[1]?.port).toBe(port);
  return { server, port, pids: listening.map((event) => event.pid as number) };
}

/** Which worker each open event went to, by the client's local port. */
function workerByRemotePort(server: EchoProcess): Map<number, number> {
  const byPort = new Map<number, number>();
  for (const line of server.lines) {
    if (!eventOf("open").test(line)) continue;
    const event = parse(line);
    byPort.set(Number(String(event.remote).split(":").at(-1)), event.worker as number);
  }
  return byPort;
}

/**
 * Opens connections until each worker holds `each` of them (the kernel, with SO_REUSEPORT, or
 * node:cluster picks the worker); returns them all and a count per worker.
 */
async function clientsOnEveryWorker(server: EchoProcess, port: number, each: number) {
  const clients: Client[] = [];
  const counts = () => {
    const byPort = workerByRemotePort(server);
    const owners = clients.map((client) => byPort.get(client.socket.localPort ?? 0));
    return [1, 2].map((id) => owners.filter((owner) => owner === id).length);
  };
  while (counts().some((count) => count < each)) {
    if (clients.length >= 40) throw new Error(`40 connections and still not ${each} on each worker: ${counts()}`);
    const batch = await Promise.all(Array.from({ length: 4 }, () => Client.open(port)));
    clients.push(...batch);
    await server.waitForLines(eventOf("open"), clients.length);
  }
  return { clients, counts };
}

describe.concurrent.each(RUNTIMES)("tcp-echo --workers on %s", (runtime) => {
  test("two workers share the port: 40 connections each echo, and both workers get some", async () => {
    const { server, port, pids } = await startWorkers(runtime);
    const start = parse(server.lines[0] ?? "");
    expect(start).toMatchObject({ type: "workers", count: 2, address: "127.0.0.1:0", sharing: sharing(runtime) });
    expect(start.worker).toBeUndefined();
    expect(new Set([...pids, server.pid]).size).toBe(3);

    const replies = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const client = await Client.open(port);
        client.send(`hello ${i}`);
        return (await client.finish()).toString();
      }),
    );
    expect(replies).toEqual(Array.from({ length: 40 }, (_, i) => `hello ${i}`));
    const opens = (await server.waitForLines(eventOf("open"), 40)).map(parse);
    const perWorker = new Map<unknown, number>();
    for (const event of opens) perWorker.set(event.worker, (perWorker.get(event.worker) ?? 0) + 1);
    expect([...perWorker.keys()].sort()).toEqual([1, 2]);
    // A Deno worker never has --allow-all, whatever its supervisor had: its note says so.
    const notes = server.lines.filter((line) => eventOf("note").test(line)).map((line) => parse(line).message);
    expect(notes).toEqual(
      runtime === "deno"
        ? Array.from({ length: 2 }, () => expect.stringMatching(/^a Deno worker runs without --allow-all/))
        : [],
    );

    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.lines.filter((line) => eventOf("restart").test(line))).toEqual([]);
  });

  test("a worker killed with SIGKILL is restarted under its id while the other serves the port", async () => {
    const { server, port, pids } = await startWorkers(runtime);
    const killed = pids[1] as number;
    process.kill(killed, "SIGKILL");
    const restart = parse(await server.waitForLine(eventOf("restart")));
    expect(restart).toMatchObject({ worker: 2, pid: killed, code: null, signal: "SIGKILL", delayMs: 100 });

    // The port is served before worker 2 is back, and after.
    const during = await Client.open(port);
    during.send("still here");
    expect((await during.finish()).toString()).toBe("still here");
    const relisten = parse((await server.waitForLines(eventOf("listening", 2), 2)).at(-1) ?? "");
    expect(relisten.port).toBe(port);
    expect(relisten.pid).not.toBe(killed);
    const after = await Client.open(port);
    after.send("back");
    expect((await after.finish()).toString()).toBe("back");

    server.signal("SIGINT");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("SIGTERM lets transfers in flight on every worker finish, restarts none, and exits 0", async () => {
    const { server, port } = await startWorkers(runtime);
    const { clients, counts } = await clientsOnEveryWorker(server, port, 4);

    // Each client sends its 4 MiB at once, reads the first 64 KiB back, and stops reading: every
    // worker is then mid-echo, holding bytes it cannot send yet, however slowly this process runs.
    const payloads = clients.map(() => randomBytes(4 * 1024 * 1024));
    await Promise.all(
      clients.map(async (client, i) => {
        client.send(payloads[i] ?? Buffer.alloc(0));
        await client.waitForCount(64 * 1024);
        client.socket.pause();
      }),
    );
    server.signal("SIGTERM");
    const begins = (await Promise.all([1, 2].map((id) => server.waitForLine(eventOf("shutdown", id))))).map(parse);
    expect(begins.map((event) => event.open)).toEqual(counts());
    for (const client of clients) client.socket.resume();
    const received = await Promise.all(clients.map((client) => client.finish(15_000)));
    for (const [i, bytes] of received.entries()) {
      expect(bytes.equals(payloads[i] ?? Buffer.alloc(0)), `client ${i} got every byte`).toBe(true);
    }
    expect(await server.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    const ends = server.lines.map(parse).filter((event) => event.type === "shutdown" && event.phase === "end");
    expect(ends.map((event) => event.worker).sort()).toEqual([1, 2]);
    expect(ends.map((event) => event.reset)).toEqual([0, 0]);
    expect(server.lines.filter((line) => eventOf("restart").test(line))).toEqual([]);
  });

  test("workers whose supervisor is killed (SIGKILL) stop: each closes its connections and the port", async () => {
    const { server, port, pids } = await startWorkers(runtime);
    try {
      const { clients } = await clientsOnEveryWorker(server, port, 1);
      server.signal("SIGKILL");
      expect(await server.waitForExit()).toEqual({ code: null, signal: "SIGKILL" });
      // A worker stops listening before it closes its idle connections: once every client has
      // seen its worker's end, no worker holds the port.
      await withDeadline(
        Promise.all(clients.map((client) => client.ended)),
        10_000,
        "every worker closing its connections after the supervisor died",
      );
      expect(await connectError(port)).toBe("ECONNREFUSED");
    } finally {
      for (const pid of pids) killIfRunning(pid);
    }
  });

  test("a port in use stops the workers with the first one's error line and exits 1, without restarts", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await runToExit(runtime, ["--workers", "2", "--port", String(port)], spawnOptions);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines[0]).toMatch(new RegExp(`^tcp-echo: starting 2 workers on 127\\.0\\.0\\.1:${port} \\(${runtime} `));
      expect(lines[1]).toBe(
        `[worker 1] tcp-echo: Cannot listen on 127.0.0.1:${port}: address already in use; pick another port with --port`,
      );
      expect(lines[2]).toMatch(
        /^tcp-echo: worker 1 \(pid \d+\) exited with code 1 before it listened; stopping the workers$/,
      );
      expect(lines).toHaveLength(3);
    } finally {
      taken.close();
    }
  });
});

describe.concurrent("tcp-echo --workers on deno without its flags", () => {
  test("without --allow-run it names the permission and exits 1", async () => {
    const result = await runToExit("deno", ["--workers", "2", "--port", "0"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^tcp-echo: Cannot start workers: Deno may not start processes; run with --allow-run \(or --allow-run=\S+\)\n$/,
    );
  });

  test("without --unstable-net it says to add it and exits 1", async () => {
    const result = await runToExit("deno", ["--workers", "2", "--port", "0"], { ...spawnOptions, unstableNet: false });
    expect(result).toMatchObject({
      code: 1,
      stderr: "tcp-echo: Cannot use --workers on deno: Deno.listen({ reusePort }) needs --unstable-net\n",
    });
  });
});
