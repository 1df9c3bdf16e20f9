// The load client is the benchmark's referee: these servers cheat in one way each, and it must
// catch every one. The honest server must pass, over TCP, TLS and a unix socket.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { makeCertificates } from "../src/certificates.mjs";
import { openEndpoint } from "../src/endpoint.mjs";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let loadgen;
let certificates;
let server;
const sockets = new Set();
const cleanups = [];

beforeAll(() => {
  loadgen = ensureLoadgen(benchDir).path;
  certificates = makeCertificates();
});

afterAll(() => certificates?.remove());

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((done) => (server === undefined ? done() : server.close(done)));
  server = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * Start a server whose connection handler is `onSocket`: node:net on a port of 127.0.0.1 by
 * default, node:tls with `tls`, node:net on a fresh unix socket with `unix`. Resolve loadgen's
 * target for it.
 */
function listen(onSocket, { tls = false, unix = false } = {}) {
  const options = { allowHalfOpen: true, noDelay: true };
  const handler = (socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    onSocket(socket);
  };
  server = tls
    ? createTlsServer(
        { ...options, cert: readFileSync(certificates.cert), key: readFileSync(certificates.key) },
        handler,
      )
    : createServer(options, handler);
  if (unix) {
    const endpoint = openEndpoint("unix");
    cleanups.push(endpoint.remove);
    return new Promise((done) => server.listen(endpoint.listen.path, () => done({ unix: endpoint.listen.path })));
  }
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done({ port: server.address().port, tls })));
}

const honest = (socket) => {
  socket.on("data", (chunk) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("end", () => socket.end());
};

const load = (target, args) =>
  runLoadgen({
    path: loadgen,
    ...target,
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
    const target = await listen(honest);
    const result = await load(target, [
      "--mode",
      "stream",
      "--connections",
      "2",
      "--chunk",
      "65536",
      "--inflight",
      "4",
    ]);
    expect(result.ok).toBe(true);
    expect(result.mibPerSec).toBeGreaterThan(0);
  });

  test("fails a server that changes one byte", async () => {
    let seen = 0;
    const target = await listen((socket) => {
      socket.on("data", (chunk) => {
        seen += chunk.length;
        if (seen > 5000) chunk[chunk.length - 1] ^= 0x01;
        socket.write(chunk);
      });
      socket.on("end", () => socket.end());
    });
    const result = await load(target, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/byte \d+ differs/);
  });

  test("fails a server that sends more than it received", async () => {
    const target = await listen((socket) => {
      socket.on("data", (chunk) => socket.write(Buffer.concat([chunk, Buffer.from([0])])));
      socket.on("end", () => socket.end());
    });
    const result = await load(target, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/more than the \d+ sent/);
  });

  test("fails a server that closes on the peer's FIN before echoing everything", async () => {
    const target = await listen((socket) => {
      // Echoes late, and closes as soon as the client half-closes: queued echoes are lost.
      socket.on("data", (chunk) => setTimeout(() => socket.writable && socket.write(chunk), 20));
      socket.on("end", () => socket.destroy());
    });
    const result = await load(target, ["--mode", "stream", "--chunk", "65536", "--inflight", "4"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/closed early, after echoing \d+ of \d+ bytes \(after our FIN\)/);
  });

  test("passes an honest echo server over a unix socket, in both modes", async () => {
    const target = await listen(honest, { unix: true });
    const pingpong = await load(target, ["--connections", "8", "--size", "1024", "--inflight", "4"]);
    expect(pingpong).toMatchObject({ ok: true, transport: "unix" });
    expect(pingpong.messages).toBeGreaterThan(0);
    const stream = await load(target, [
      "--mode",
      "stream",
      "--connections",
      "2",
      "--chunk",
      "65536",
      "--inflight",
      "4",
    ]);
    expect(stream).toMatchObject({ ok: true, transport: "unix" });
    expect(stream.mibPerSec).toBeGreaterThan(0);
  });

  test("passes an honest TLS echo server, in both modes, and names the protocol and cipher", async () => {
    const target = await listen(honest, { tls: true });
    const pingpong = await load(target, ["--connections", "8", "--size", "1024", "--inflight", "4"]);
    expect(pingpong).toMatchObject({
      ok: true,
      transport: "tls",
      tls: { protocol: expect.stringMatching(/^TLSv1\.[23]$/) },
    });
    expect(pingpong.tls.library).toMatch(/^OpenSSL /);
    expect(pingpong.tls.cipher).not.toBe("");
    expect(pingpong.messages).toBeGreaterThan(0);
    // The client's 64 KiB receive buffer backs the server's writes up: every TLS write and read
    // path, partial and retried, runs.
    const stream = await load(target, [
      ...["--mode", "stream", "--connections", "2", "--chunk", "65536", "--inflight", "64", "--rcvbuf", "65536"],
    ]);
    expect(stream).toMatchObject({ ok: true, transport: "tls" });
    expect(stream.verifiedBytes).toBeGreaterThan(4 * 2 ** 20);
  });

  test("fails a TLS server that closes at the peer's close_notify before echoing everything", async () => {
    // Once the stream is under way (past loadgen's connect-time check), it holds back the last
    // byte it has read, sent with the next chunk: whenever the client's close_notify and FIN
    // arrive, at least that byte is still unechoed, and is lost.
    const target = await listen(
      (socket) => {
        let held;
        let read = 0;
        socket.on("data", (chunk) => {
          read += chunk.byteLength;
          if (held !== undefined) socket.write(held);
          held = undefined;
          if (read < 256 << 10) {
            socket.write(chunk);
            return;
          }
          socket.write(chunk.subarray(0, -1));
          held = chunk.subarray(-1);
        });
        socket.on("end", () => socket.destroy());
      },
      { tls: true },
    );
    const result = await load(target, ["--mode", "stream", "--chunk", "65536", "--inflight", "4"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/closed early, after echoing \d+ of \d+ bytes \(after our FIN\)/);
  });

  test("fails in the handshake, with OpenSSL's reason, against a server that does not speak TLS", async () => {
    const { port } = await listen(honest);
    const result = await load({ port, tls: true }, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^connection 0: TLS handshake failed after 0 bytes sent, 0 echoed: error:/);
    expect(result.messages).toBe(0);
  });

  test("refuses TLS over a unix socket, and an over-long socket path, with one line", () => {
    const run = (args) => spawnSync(loadgen, args, { encoding: "utf8" });
    const tls = run(["--unix", "/tmp/x.sock", "--tls"]);
    expect(tls.status).toBe(64);
    expect(tls.stderr).toBe("loadgen: --tls runs over TCP: give --host and --port, not --unix\n");
    expect(run(["--unix", `/tmp/${"x".repeat(120)}`]).stderr).toBe("loadgen: --unix must be a path of 1-107 bytes\n");
    expect(run(["--help"]).stdout).toMatch(/--tls .*certificate is NOT verified/);
  });

  test("fails a server that never closes after the peer's FIN", async () => {
    const target = await listen((socket) => socket.on("data", (chunk) => socket.write(chunk)));
    const result = await load(target, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/half-close: 1 of 1 connections were not closed by the server/);
  });
});
