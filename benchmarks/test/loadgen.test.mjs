// The load client is the benchmark's referee: these servers cheat in one way each, and it must
// catch every one. The honest server must pass.
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
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

/** Start a node:net server whose connection handler is `onSocket`; resolve its port. */
function listen(onSocket) {
  server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    onSocket(socket);
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server.address().port)));
}

const honest = (socket) => {
  socket.on("data", (chunk) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("end", () => socket.end());
};

const load = (port, args) =>
  runLoadgen({
    path: loadgen,
    port,
    cpu: undefined,
    warmupMs: 50,
    durationMs: 200,
    args: ["--drain-timeout-ms", "1000", ...args],
  });

describe("loadgen", () => {
  test("passes an honest echo server in ping-pong mode with K in flight", async () => {
    const result = await load(await listen(honest), ["--connections", "4", "--size", "1024", "--inflight", "4"]);
    expect(result.ok).toBe(true);
    expect(result.messages).toBeGreaterThan(0);
    expect(result.latencyUs.p50).toBeGreaterThan(0);
    expect(result.latencyUs.p99).toBeGreaterThanOrEqual(result.latencyUs.p50);
    expect(result.client.cpuPercent).toBeGreaterThan(0);
  });

  test("passes an honest echo server in stream mode", async () => {
    const port = await listen(honest);
    const result = await load(port, ["--mode", "stream", "--connections", "2", "--chunk", "65536", "--inflight", "4"]);
    expect(result.ok).toBe(true);
    expect(result.mibPerSec).toBeGreaterThan(0);
  });

  test("fails a server that changes one byte", async () => {
    let seen = 0;
    const port = await listen((socket) => {
      socket.on("data", (chunk) => {
        seen += chunk.length;
        if (seen > 5000) chunk[chunk.length - 1] ^= 0x01;
        socket.write(chunk);
      });
      socket.on("end", () => socket.end());
    });
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/byte \d+ differs/);
  });

  test("fails a server that sends more than it received", async () => {
    const port = await listen((socket) => {
      socket.on("data", (chunk) => socket.write(Buffer.concat([chunk, Buffer.from([0])])));
      socket.on("end", () => socket.end());
    });
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/more than the \d+ sent/);
  });

  test("fails a server that closes on the peer's FIN before echoing everything", async () => {
    const port = await listen((socket) => {
      // Echoes late, and closes as soon as the client half-closes: queued echoes are lost.
      socket.on("data", (chunk) => setTimeout(() => socket.writable && socket.write(chunk), 20));
      socket.on("end", () => socket.destroy());
    });
    const result = await load(port, ["--mode", "stream", "--chunk", "65536", "--inflight", "4"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/closed early, after echoing \d+ of \d+ bytes \(after our FIN\)/);
  });

  test("fails a server that never closes after the peer's FIN", async () => {
    const port = await listen((socket) => socket.on("data", (chunk) => socket.write(chunk)));
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/half-close: 1 of 1 connections were not closed by the server/);
  });
});
