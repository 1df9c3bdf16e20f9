// The tcp-echo command as users run it: each runtime's entrypoint in a child process, talked to
// over TCP on 127.0.0.1. Needs the build (`npm test` builds first): runtimes/node/dist/main.js and
// packages/cli/dist, which Deno and Bun load through node_modules.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { hostname } from "node:os";
import { afterAll, describe, expect, test } from "vitest";
import { Client, connectError } from "./helpers/client.ts";
import { withDeadline } from "./helpers/deadline.ts";
import { killLeftovers, runToExit, startServer } from "./helpers/process.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

afterAll(killLeftovers);

const TRY_HELP = "Try 'tcp-echo --help' for more information.\n";

/** A listener in this process that holds a port, so the server under test finds it in use. */
async function occupyPort(): Promise<Server & { port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** Each adapter's declared reason for lacking `reuseAddressOff`, as the one-line error quotes it. */
const REUSE_ADDRESS_ALWAYS_ON: Readonly<Record<(typeof RUNTIMES)[number], string>> = {
  node: "node:net always sets SO_REUSEADDR on listening sockets (libuv)",
  deno: "Deno.listen always sets SO_REUSEADDR and has no option to leave it off",
  bun: "Bun.listen always sets SO_REUSEADDR on listening sockets",
};

describe.concurrent.each(RUNTIMES)("tcp-echo on %s", (runtime) => {
  test("echoes every byte back, then ends after the client's half-close", async () => {
    const { process: server, port, startupLine } = await startServer(runtime, ["--port", "0"]);
    expect(startupLine).toMatch(new RegExp(`^tcp-echo listening on 127\\.0\\.0\\.1:${port} \\(${runtime} \\d+\\.\\d+`));
    const payload = randomBytes(256 * 1024);
    const client = await Client.open(port);
    client.send(payload);
    const received = await client.finish();
    expect(received.equals(payload)).toBe(true);
    await withDeadline(client.closed, 5000, "the connection to close");
    await server.waitForLine(/^close #1 127\.0\.0\.1:\d+ peer, 262144 bytes in, 262144 bytes out/);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("the tcp-echo bin picks this runtime's adapter and serves", async () => {
    const { process: server, port, startupLine } = await startServer(runtime, ["--port", "0"], { bin: true });
    expect(startupLine).toMatch(new RegExp(`^tcp-echo listening on 127\\.0\\.0\\.1:${port} \\(${runtime} `));
    const client = await Client.open(port);
    client.send("bin");
    expect((await client.finish()).toString()).toBe("bin");
    server.signal("SIGINT");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("--help prints the usage on stdout and exits 0", async () => {
    const result = await runToExit(runtime, ["--help"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: tcp-echo \[options\]\n/);
    expect(result.stdout).toContain("--shutdown-timeout <duration>");
  });

  test("--version and -V print the version and the runtime on stdout", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await runToExit(runtime, [flag]);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(new RegExp(`^tcp-echo 0\\.1\\.0 \\(${runtime} \\d+\\.\\d+\\.\\d+\\)\\n$`));
    }
  });

  test.each([
    [["--port", "70000"], "invalid --port '70000': expected a whole number from 0 to 65535"],
    [["--port", "-1"], "invalid --port '-1': expected a whole number from 0 to 65535"],
    [["--port=abc"], "invalid --port 'abc': expected a whole number from 0 to 65535"],
    [
      ["--host", "not an ip"],
      "invalid --host 'not an ip': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    ],
    [["--frobnicate"], "unknown option '--frobnicate'"],
    [["--idle-timeout", "5x"], "invalid --idle-timeout '5x': expected a duration such as 500ms, 30s, 2m or 1h"],
    [["--max-connections", "0"], "invalid --max-connections '0': expected a whole number of 1 or more"],
    [["--log-format", "xml"], "invalid --log-format 'xml': expected pretty or json"],
  ])("%j prints one line and the hint to --help, and exits 2", async (args, message) => {
    const result = await runToExit(runtime, args);
    expect(result).toEqual({ code: 2, signal: null, stdout: "", stderr: `tcp-echo: ${message}\n${TRY_HELP}` });
  });

  test("a bad PORT variable is a usage error naming the variable, and exits 2", async () => {
    const result = await runToExit(runtime, [], { env: { PORT: "abc" } });
    expect(result).toEqual({
      code: 2,
      signal: null,
      stdout: "",
      stderr: `tcp-echo: invalid PORT environment variable 'abc': expected a whole number from 0 to 65535\n${TRY_HELP}`,
    });
  });

  test("TCP_ECHO_* variables configure the server, over HOST and PORT", async () => {
    const env = { TCP_ECHO_HOST: "127.0.0.1", TCP_ECHO_PORT: "0", TCP_ECHO_QUIET: "1", HOST: "::1", PORT: "1" };
    const { process: server, port } = await startServer(runtime, [], { env });
    const client = await Client.open(port);
    client.send("env");
    expect((await client.finish()).toString()).toBe("env");
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    // TCP_ECHO_QUIET=1: no open or close line.
    expect(server.lines.filter((line) => /^(open|close) #/.test(line))).toEqual([]);
  });

  test("a bad TCP_ECHO_* variable is a usage error naming it, and exits 2", async () => {
    const result = await runToExit(runtime, [], { env: { TCP_ECHO_UDP: "maybe" } });
    expect(result).toEqual({
      code: 2,
      signal: null,
      stdout: "",
      stderr: `tcp-echo: invalid TCP_ECHO_UDP 'maybe': expected 1, true, yes, 0, false or no\n${TRY_HELP}`,
    });
  });

  test("HOST and PORT are used when the flags are absent, and IPv6 prints in brackets", async () => {
    const { process: server, port } = await startServer(runtime, [], { env: { HOST: "::1", PORT: "0" } });
    await server.waitForLine(new RegExp(`^tcp-echo listening on \\[::1\\]:${port} \\(${runtime} `));
    const client = await Client.open(port, "::1");
    client.send("six");
    expect((await client.finish()).toString()).toBe("six");
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("an address in use prints one line with the remedy and exits 1", async () => {
    const taken = await occupyPort();
    try {
      const result = await runToExit(runtime, ["--port", String(taken.port)]);
      expect(result).toEqual({
        code: 1,
        signal: null,
        stdout: "",
        stderr: `tcp-echo: Cannot listen on 127.0.0.1:${taken.port}: address already in use; pick another port with --port\n`,
      });
    } finally {
      taken.close();
    }
  });

  test("--host takes a host name and listens on the address the runtime's resolver gives", async () => {
    // This machine's own name, as `--host $(hostname)` would pass it; /etc/hosts maps it to 127.0.0.1.
    const { process: server, port, startupLine } = await startServer(runtime, ["--host", hostname(), "--port", "0"]);
    expect(startupLine).toMatch(/^tcp-echo listening on 127\.0\.0\.1:\d+ /);
    const client = await Client.open(port);
    client.send("named");
    expect((await client.finish()).toString()).toBe("named");
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("a host name that does not resolve prints one line naming it and exits 1", async () => {
    // .invalid never resolves (RFC 6761).
    expect(await runToExit(runtime, ["--host", "nope.invalid", "--port", "0"])).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr:
        "tcp-echo: Cannot resolve host 'nope.invalid' (ENOTFOUND); pass an IP address or a name this machine resolves\n",
    });
  });

  test("--greeting sends its text once when a connection opens, placeholders filled in, then echoes", async () => {
    const version = await runToExit(runtime, ["--version"]);
    const name = /\((\S+ \S+)\)\n$/.exec(version.stdout)?.[1];
    const { process: server, port } = await startServer(runtime, [
      "--port",
      "0",
      "--greeting",
      "hi from {runtime} #{pid}\\n",
    ]);
    const expected = `hi from ${name} #${server.pid}\n`;
    const client = await Client.open(port);
    expect((await client.waitForBytes(expected.length)).toString()).toBe(expected);
    client.send("ping");
    expect((await client.finish()).toString()).toBe(`${expected}ping`);
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("a --max-connections above what the open-file limit leaves room for is kept, with a warning naming both", async () => {
    if (runtime === "deno") {
      // Deno reads the limit only with --allow-all: without it, no default limit, and a note says why.
      const { process: server } = await startServer(runtime, ["--port", "0"]);
      await server.waitForLine(
        /^tcp-echo: note: Deno reads the open-file limit \(\/proc\/self\/limits\) only with --allow-all, so there is no default --max-connections; set one, or run with -A$/,
      );
      server.signal("SIGTERM");
      expect((await server.waitForExit()).code).toBe(0);
      return;
    }
    const { process: server } = await startServer(runtime, ["--port", "0", "--max-connections", "1000000"]);
    const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${server.pid}/limits`, "utf8"))?.[1]);
    await server.waitForLine(
      new RegExp(
        `^tcp-echo: warning: --max-connections 1000000 is more than the \\d+ connections the open-file limit of ${limit} leaves room for; past \\d+, accepting may fail until connections close$`,
      ),
    );
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("--no-reuse-address, which no runtime can honour, prints one line naming why and exits 1", async () => {
    const result = await runToExit(runtime, ["--no-reuse-address", "--port", "0"]);
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr: `tcp-echo: Cannot use option 'reuseAddress: false' on ${runtime}: ${REUSE_ADDRESS_ALWAYS_ON[runtime]}; run without --no-reuse-address on this runtime\n`,
    });
  });

  test("TCP_ECHO_REUSE_ADDRESS=0 is refused the same way, naming the variable rather than a flag", async () => {
    const result = await runToExit(runtime, ["--port", "0"], { env: { TCP_ECHO_REUSE_ADDRESS: "0" } });
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr: `tcp-echo: Cannot use option 'reuseAddress: false' on ${runtime}: ${REUSE_ADDRESS_ALWAYS_ON[runtime]}; run without TCP_ECHO_REUSE_ADDRESS=0 on this runtime\n`,
    });
  });

  test("--backlog is passed on where the runtime can, and refused in one line where it cannot", async () => {
    if (runtime === "bun") {
      expect(await runToExit(runtime, ["--backlog", "64", "--port", "0"])).toEqual({
        code: 1,
        signal: null,
        stdout: "",
        stderr:
          "tcp-echo: Cannot use option 'backlog' on bun: Bun.listen takes no backlog; the listen(2) backlog is " +
          "Bun's built-in default; run without --backlog on this runtime\n",
      });
      return;
    }
    const { process: server } = await startServer(runtime, ["--backlog", "64", "--port", "0"]);
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("an address that is not this machine's prints one line with the remedy and exits 1", async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const result = await runToExit(runtime, ["--host", "192.0.2.1", "--port", "0"]);
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr:
        "tcp-echo: Cannot listen on 192.0.2.1:0: address not available on this machine; " +
        "pick an address of this machine with --host, or '' for all interfaces\n",
    });
  });

  test("SIGTERM lets 20 connections mid-transfer finish, one pausing 500 ms, refuses new ones, and exits 0", async () => {
    // A connection silent for --shutdown-quiet-period after the signal counts as idle and gets a
    // FIN. At the default 250 ms, a client that stalls that long under load would be cut off;
    // at 2 s, client 0's deliberate 500 ms pause below is not, and neither is a stalled one.
    const args = ["--port", "0", "--quiet", "--shutdown-quiet-period", "2s"];
    const { process: server, port } = await startServer(runtime, args);
    const chunk = 64 * 1024;
    const chunks = 64;
    const payloads = Array.from({ length: 20 }, () => randomBytes(chunk * chunks));
    const clients = await Promise.all(payloads.map(() => Client.open(port)));
    // Each client streams its 4 MiB a chunk at a time, the next as soon as the last is echoed:
    // data is moving on every connection when SIGTERM arrives, so none is idle, and each ends
    // its transfer with a FIN of its own.
    let started = 0;
    let signalled: () => void = () => {};
    const allStarted = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    const transfers = clients.map(async (client, i) => {
      const payload = payloads[i] ?? Buffer.alloc(0);
      for (let sent = 0; sent < payload.length; sent += chunk) {
        client.send(payload.subarray(sent, sent + chunk));
        await client.waitForCount(sent + chunk);
        if (sent === 4 * chunk) {
          if (++started === clients.length) signalled();
          // A fast client waits here for the slowest: none may finish its transfer before the
          // signal, or fewer than 20 would be open (seen on a loaded machine).
          await allStarted;
          if (i === 0) await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      return client.finish();
    });
    await withDeadline(allStarted, 10_000, "every client to be mid-transfer");
    server.signal("SIGTERM");
    await server.waitForLine(/^tcp-echo shutting down: 20 connections open, waiting up to 10s$/);
    expect(await connectError(port)).toBe("ECONNREFUSED");
    const received = await Promise.all(transfers);
    for (const [i, bytes] of received.entries()) {
      expect(bytes.equals(payloads[i] ?? Buffer.alloc(0)), `client ${i} got every byte`).toBe(true);
    }
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.lines.at(-1)).toBe("tcp-echo stopped: 0 idle closed, 20 finished, 0 reset");
  });

  test("SIGINT shuts down too, resetting a connection still busy at --shutdown-timeout", async () => {
    // --shutdown-quiet-period 0: never closed as idle, whatever the loopback buffers absorb.
    const { process: server, port } = await startServer(runtime, [
      "--port",
      "0",
      "--shutdown-timeout",
      "300ms",
      "--shutdown-quiet-period",
      "0",
    ]);
    const client = await Client.open(port);
    // A client that sends and never reads keeps its echo in flight: never idle, so reset at the deadline.
    client.socket.pause();
    client.send(randomBytes(8 * 1024 * 1024));
    await server.waitForLine(/^open #1 /);
    server.signal("SIGINT");
    await server.waitForLine(/^tcp-echo shutting down: 1 connection open, waiting up to 300ms$/);
    expect(await server.waitForExit(5000)).toEqual({ code: 0, signal: null });
    expect(server.lines.at(-1)).toBe("tcp-echo stopped: 0 idle closed, 0 finished, 1 reset");
    client.destroy();
  });

  test("Ctrl-C with an idle client connected closes it with a FIN and exits 0, not waiting for --shutdown-timeout", async () => {
    // With a minute of --shutdown-timeout, an exit within the 5 s below can only come from the
    // idle close (the last line says which); how soon is the benchmarks' business, not a test's.
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--shutdown-timeout", "1m"]);
    const client = await Client.open(port);
    client.send("ping");
    await client.waitForBytes(4);
    server.signal("SIGINT");
    expect(await server.waitForExit(5000)).toEqual({ code: 0, signal: null });
    await withDeadline(client.ended, 1000, "the idle connection to be closed");
    expect(client.received.toString()).toBe("ping");
    expect(server.lines.at(-1)).toBe("tcp-echo stopped: 1 idle closed, 0 finished, 0 reset");
  });

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("a second %s exits at once with %i", async (signal, code) => {
    // --shutdown-quiet-period 0: the first signal's shutdown never closes the connection as
    // idle, so it is still waiting when the second signal comes, however slowly that is handled.
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--shutdown-quiet-period", "0"]);
    const client = await Client.open(port);
    // A client that sends and never reads keeps its echo in flight too.
    client.socket.pause();
    client.send(randomBytes(8 * 1024 * 1024));
    await server.waitForLine(/^open #1 /);
    server.signal(signal);
    await server.waitForLine(/^tcp-echo shutting down: 1 connection open, waiting up to 10s$/);
    server.signal(signal);
    // Well under the 10 s the first signal would wait.
    expect(await server.waitForExit(3000)).toEqual({ code, signal: null });
    expect(server.lines).toContain(`tcp-echo: second ${signal}, exiting now with code ${code}`);
    client.destroy();
  });

  test("--max-connections closes the next connection at once and logs it; the first ones still echo", async () => {
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--max-connections", "2"]);
    const first = await Promise.all([Client.open(port), Client.open(port)]);
    for (const client of first) client.send("a");
    await Promise.all(first.map((client) => client.waitForBytes(1)));

    const extra = await Client.open(port);
    await withDeadline(extra.ended, 5000, "the connection over the limit to be closed");
    expect(extra.received.length).toBe(0);
    await server.waitForLine(/^reject 127\.0\.0\.1:\d+ max-connections: 2 open already$/);

    for (const client of first) client.send("b");
    for (const client of first) expect((await client.finish()).toString()).toBe("ab");
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("a rejected connection stops counting against --max-connections", async () => {
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--max-connections", "1"]);
    const first = await Client.open(port);
    first.send("1");
    await first.waitForBytes(1);
    const extra = await Client.open(port);
    await withDeadline(extra.ended, 5000, "the connection over the limit to be closed");
    await server.waitForLine(/^reject /);
    await first.finish();
    await server.waitForLine(/^close #1 /);

    const next = await Client.open(port);
    next.send("2");
    expect((await next.finish()).toString()).toBe("2");
    server.signal("SIGTERM");
    await server.waitForLine(/^tcp-echo shutting down: 0 connections open/);
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("--idle-timeout closes a silent connection and logs idle-timeout", async () => {
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--idle-timeout", "300ms"]);
    const started = performance.now();
    const client = await Client.open(port);
    await withDeadline(client.ended, 5000, "the idle connection to be closed");
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await server.waitForLine(/^close #1 127\.0\.0\.1:\d+ idle-timeout, 0 bytes in, 0 bytes out, \d+ ms$/);
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  test("--log-format json writes one JSON object per line with each event's fields", async () => {
    const args = ["--port", "0", "--log-format", "json", "--max-connections", "1"];
    const { process: server, port } = await startServer(runtime, args);
    const client = await Client.open(port);
    client.send("ping");
    await client.waitForBytes(4);
    const extra = await Client.open(port);
    await withDeadline(extra.ended, 5000, "the connection over the limit to be closed");
    await server.waitForLine(/"type":"reject"/);
    await client.finish();
    await server.waitForLine(/"type":"close"/);
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);

    const events = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.type)).toEqual(["listening", "open", "reject", "close", "shutdown", "shutdown"]);
    for (const event of events) expect(Number.isNaN(Date.parse(String(event.time)))).toBe(false);
    const [listening, open, reject, close, begin, end] = events;
    expect(listening).toMatchObject({ address: `127.0.0.1:${port}`, hostname: "127.0.0.1", port, family: "IPv4" });
    expect(listening?.runtime).toMatchObject({ name: runtime, version: expect.any(String) });
    expect(open).toMatchObject({ id: 1, remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), open: 1 });
    expect(reject).toMatchObject({ reason: "max-connections", limit: 1 });
    expect(close).toMatchObject({ id: 1, reason: "peer", bytesIn: 4, bytesOut: 4, durationMs: expect.any(Number) });
    expect(begin).toMatchObject({ phase: "begin", open: 0, timeout: 10_000 });
    expect(end).toMatchObject({ phase: "end", finished: 0, reset: 0 });
  });

  test("--quiet leaves out the per-connection lines but keeps the startup and shutdown lines", async () => {
    const { process: server, port } = await startServer(runtime, ["--port", "0", "--quiet"]);
    const client = await Client.open(port);
    client.send("x");
    await client.finish();
    server.signal("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
    expect(server.lines.map((line) => line.replace(/\d+/g, "N"))).toEqual([
      `tcp-echo listening on N.N.N.N:N (${runtime} N.N.N)`,
      ...(runtime === "deno" ? [expect.stringMatching(/^tcp-echo: note: Deno reads the open-file limit/)] : []),
      "tcp-echo shutting down: N connections open, waiting up to Ns",
      "tcp-echo stopped: N idle closed, N finished, N reset",
    ]);
  });
});

describe.concurrent("tcp-echo on deno without permissions", () => {
  test("--greeting with {host} names the permission to read the host name and exits 1", async () => {
    expect(await runToExit("deno", ["--port", "0", "--greeting", "{host}"])).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr: "tcp-echo: Cannot read the host name for --greeting: run with --allow-sys=hostname\n",
    });
  });

  test("without --allow-net it names the permission to grant and exits 1", async () => {
    const result = await runToExit("deno", ["--port", "7007"], { allowNet: false });
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: "",
      stderr:
        "tcp-echo: Cannot listen on 127.0.0.1:7007: Deno has no network permission; " +
        "run with --allow-net or --allow-net=127.0.0.1:7007\n",
    });
  });

  test("without --allow-env it reads no variable and never prompts", async () => {
    const env = { HOST: "not-an-ip", TCP_ECHO_LOG_FORMAT: "xml" };
    const { process: server, port } = await startServer("deno", ["--port", "0"], { allowEnv: false, env });
    // Had HOST or TCP_ECHO_LOG_FORMAT been read, it would be a usage error; unreadable, they count as unset.
    expect(server.lines[0]).toMatch(new RegExp(`^tcp-echo listening on 127\\.0\\.0\\.1:${port} \\(deno `));
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
