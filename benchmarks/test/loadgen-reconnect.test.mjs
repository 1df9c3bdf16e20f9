// The load client's connect-heavy mode (--reconnect) and its PROXY headers (--proxy-header): a
// connection per message, each checked to the last byte and to the server's close, and a header
// that names the connection's real addresses, which a server must read and not echo. The servers
// here check every header byte against the socket they accepted.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";
import { serverCommand, startServer } from "../src/servers.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(benchDir, "..");
let loadgen;
let server;
const sockets = new Set();

beforeAll(() => {
  loadgen = ensureLoadgen(benchDir).path;
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((done) => (server === undefined ? done() : server.close(done)));
  server = undefined;
});

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/**
 * The PROXY header a proxy would send for `socket` (seen from the server: the client is its
 * remote end), in version 1 or 2.
 */
function expectedHeader(version, socket) {
  if (version === "v1")
    return Buffer.from(`PROXY TCP4 127.0.0.1 127.0.0.1 ${socket.remotePort} ${socket.localPort}\r\n`, "latin1");
  const body = Buffer.alloc(12);
  body.set([127, 0, 0, 1, 127, 0, 0, 1]);
  body.writeUInt16BE(socket.remotePort, 8);
  body.writeUInt16BE(socket.localPort, 10);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0, 12]), body]);
}

/**
 * An echo server on 127.0.0.1 that counts its connections and the bytes each one echoed. With
 * `header`, each connection must start with exactly the PROXY header of that version for its own
 * addresses: the header is checked and dropped, and anything else closes the connection unechoed.
 */
function listen({ header } = {}) {
  const stats = { connections: 0, headers: 0, echoed: [] };
  server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
    const index = stats.connections++;
    stats.echoed[index] = 0;
    const want = header === undefined ? undefined : expectedHeader(header, socket);
    let pending = Buffer.alloc(0);
    let inHeader = want !== undefined;
    socket.on("data", (chunk) => {
      let data = chunk;
      if (inHeader) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < want.length) {
          if (!want.subarray(0, pending.length).equals(pending)) socket.destroy();
          return;
        }
        if (!pending.subarray(0, want.length).equals(want)) {
          socket.destroy();
          return;
        }
        stats.headers++;
        inHeader = false;
        data = pending.subarray(want.length);
      }
      stats.echoed[index] += data.length;
      if (data.length > 0 && !socket.write(data)) socket.pause();
    });
    socket.on("drain", () => socket.resume());
    socket.on("end", () => socket.end());
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done({ port: server.address().port, stats })));
}

const load = (port, args) =>
  runLoadgen({
    path: loadgen,
    port,
    cpu: undefined,
    warmupMs: 50,
    durationMs: 200,
    args: ["--drain-timeout-ms", "2000", ...args],
  });

const RECONNECT = ["--reconnect", "--connections", "8", "--size", "64"];

describe("loadgen --reconnect", () => {
  test("opens a connection per message against an honest server: 64 B each way, then both FINs", async () => {
    const { port, stats } = await listen();
    const result = await load(port, RECONNECT);
    expect(result).toMatchObject({ ok: true, reconnect: true, proxyHeader: null, connections: 8 });
    // Priming is one whole connection per slot; every later one carried one message.
    expect(result.connectionsOpened).toBeGreaterThan(8 + result.messages);
    expect(result.messages).toBeGreaterThan(0);
    expect(result.verifiedBytes).toBe(result.connectionsOpened * 64);
    expect(stats.connections).toBe(result.connectionsOpened);
    expect(new Set(stats.echoed)).toEqual(new Set([64]));
    expect(result.latencyUs.p50).toBeGreaterThan(0);
  });

  test("fails a server that closes a connection without echoing it", async () => {
    server = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.end();
    });
    const port = await new Promise((done) => server.listen(0, "127.0.0.1", () => done(server.address().port)));
    const result = await load(port, RECONNECT);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/closed early, after echoing 0 of \d+ bytes/);
  });

  test("fails a server that never closes after the client's FIN", async () => {
    server = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("data", (chunk) => socket.write(chunk));
    });
    const port = await new Promise((done) => server.listen(0, "127.0.0.1", () => done(server.address().port)));
    const result = await runLoadgen({
      path: loadgen,
      port,
      cpu: undefined,
      warmupMs: 50,
      durationMs: 100,
      args: [...RECONNECT, "--connect-timeout-ms", "300"],
    });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^connect timeout: 0 of 8 connections established and primed/);
  });
});

describe.each(["v1", "v2"])("loadgen --proxy-header %s", (version) => {
  test("starts every connection with the header of its own addresses, and expects only the stream back", async () => {
    const { port, stats } = await listen({ header: version });
    const result = await load(port, [...RECONNECT, "--proxy-header", version]);
    expect(result).toMatchObject({ ok: true, reconnect: true, proxyHeader: version });
    expect(stats.headers).toBe(result.connectionsOpened);
    expect(new Set(stats.echoed)).toEqual(new Set([64]));
  });

  test("writes the header on long-lived connections too, before the priming message", async () => {
    const { port, stats } = await listen({ header: version });
    const result = await load(port, [
      "--connections",
      "4",
      "--size",
      "1024",
      "--inflight",
      "4",
      "--proxy-header",
      version,
    ]);
    expect(result).toMatchObject({ ok: true, reconnect: false, proxyHeader: version, connectionsOpened: 4 });
    expect(result.messages).toBeGreaterThan(0);
    expect(stats.headers).toBe(4);
  });

  test("fails against a server that echoes the header as if it were data", async () => {
    const { port } = await listen();
    const result = await load(port, [...RECONNECT, "--proxy-header", version]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/more than the 64 sent|byte \d+ differs/);
  });
});

describe("tcp-echo --proxy-protocol takes loadgen's headers", () => {
  test.each(["v1", "v2"])("%s: every connection echoed, no header rejected", async (version) => {
    const { argv } = serverCommand(
      "node",
      "ours",
      { node: process.execPath },
      { transport: "tcp" },
      {
        flags: ["--proxy-protocol"],
        log: "json",
      },
    );
    const rejected = [];
    const echo = await startServer({
      argv,
      cwd: root,
      cpu: undefined,
      timeoutMs: 20000,
      onLine: (line) => line.includes('"type":"accept-error"') && rejected.push(line),
    });
    try {
      const result = await load(echo.address.port, [...RECONNECT, "--proxy-header", version]);
      expect(result).toMatchObject({ ok: true, proxyHeader: version });
    } finally {
      expect(await echo.stop()).toMatchObject({ code: 0, killed: false });
    }
    expect(rejected).toEqual([]);
  });
});

describe("loadgen's connect-heavy and PROXY options", () => {
  const run = (args) => spawnSync(loadgen, ["--port", "7", ...args], { encoding: "utf8" });
  test.each([
    [
      ["--reconnect", "--mode", "stream"],
      "--reconnect sends one message per connection: --mode pingpong with --inflight 1",
    ],
    [
      ["--reconnect", "--inflight", "2"],
      "--reconnect sends one message per connection: --mode pingpong with --inflight 1",
    ],
    [["--reconnect", "--udp"], "--reconnect opens connections: not with --udp"],
    [["--proxy-header", "v3"], "--proxy-header is v1 or v2"],
    [
      ["--proxy-header", "v1", "--tls"],
      "--proxy-header goes first on a TCP connection: not with --udp, --tls or --unix",
    ],
  ])("refuses %j with one line and status 64", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(64);
    expect(result.stderr).toBe(`loadgen: ${message}\n`);
  });

  test("--help names both", () => {
    const help = run(["--help"]).stdout;
    expect(help).toMatch(/--reconnect +connect-heavy load/);
    expect(help).toMatch(/--proxy-header v1\|v2 +start every TCP connection with a PROXY protocol header/);
  });
});
