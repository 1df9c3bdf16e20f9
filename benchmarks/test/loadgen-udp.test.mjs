// loadgen's UDP mode is the UDP benchmark's referee: it must count a dropped datagram as lost
// (exactly), a late echo as late, and fail a server that changes a byte, lengthens a datagram,
// answers one twice, or is not there at all. An honest server must pass with no loss.
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let loadgen;
let server;

beforeAll(() => {
  loadgen = ensureLoadgen(benchDir).path;
});

afterEach(async () => {
  await new Promise((done) => (server === undefined ? done() : server.close(done)));
  server = undefined;
});

/**
 * A UDP server on a free port of 127.0.0.1 whose `answer(datagram, n, sender)` says what to send
 * back for its n-th datagram (1-based): a Buffer, a list of them (empty: nothing now), or
 * undefined for nothing, counted as dropped. Resolves the port and the server's counts.
 */
function listen(answer) {
  const counts = { received: 0, dropped: 0 };
  server = createSocket("udp4");
  server.on("message", (datagram, sender) => {
    counts.received++;
    const reply = answer(datagram, counts.received, sender);
    if (reply === undefined) counts.dropped++;
    for (const one of [reply ?? []].flat()) server.send(one, sender.port, sender.address);
  });
  return new Promise((done) => server.bind(0, "127.0.0.1", () => done({ port: server.address().port, counts })));
}

const honest = (datagram) => datagram;

const load = (port, args) =>
  runLoadgen({
    path: loadgen,
    port,
    udp: true,
    cpu: undefined,
    warmupMs: 50,
    durationMs: 200,
    args,
  });

/** Run loadgen to its end; resolve its exit status and result line. */
function runRaw(args) {
  const child = spawn(loadgen, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (text) => {
    stdout += text;
  });
  return new Promise((done) =>
    child.once("close", (status) => {
      const last = stdout.trim().split("\n").at(-1);
      done({ status, result: JSON.parse(last) });
    }),
  );
}

describe("loadgen --udp", () => {
  test("passes an honest echo with no loss, over several sources with K datagrams out each", async () => {
    const { port, counts } = await listen(honest);
    const result = await load(port, ["--connections", "4", "--size", "64", "--inflight", "4"]);
    expect(result).toMatchObject({ ok: true, transport: "udp", connections: 4, inflight: 4, size: 64 });
    expect(result.udp).toMatchObject({ sources: 4, lossTimeoutMs: 200, lost: 0, loss: 0, totalLost: 0, late: 0 });
    expect(result.messages).toBeGreaterThan(0);
    expect(result.udp.sent).toBeGreaterThanOrEqual(result.messages);
    // Every datagram sent came back whole: the server saw exactly what the client sent.
    expect(result.udp.totalSent).toBe(counts.received);
    expect(result.udp.totalEchoed).toBe(counts.received);
    expect(result.verifiedBytes).toBe(counts.received * 64);
    expect(result.bytes).toBe(result.messages * 64);
    expect(result.bytesPerSec / result.messagesPerSec).toBeCloseTo(64, 3);
    expect(result.latencyUs.p50).toBeGreaterThan(0);
    expect(result.latencyUs.p99).toBeGreaterThanOrEqual(result.latencyUs.p50);
  });

  test("passes 1,472-byte datagrams in strict ping-pong", async () => {
    const { port } = await listen(honest);
    const result = await load(port, ["--size", "1472"]);
    expect(result).toMatchObject({ ok: true, size: 1472, udp: { loss: 0 } });
    expect(result.mibPerSec).toBeGreaterThan(0);
  });

  test("counts every datagram a server drops as lost, and keeps the load going", async () => {
    // Every 10th datagram gets no answer. Lost slots are reused after the 20 ms timeout.
    const { port, counts } = await listen((datagram, n) => (n % 10 === 0 ? undefined : datagram));
    const result = await load(port, [
      ...["--connections", "4", "--size", "64", "--inflight", "4", "--loss-timeout-ms", "20"],
    ]);
    expect(result.ok).toBe(true);
    expect(result.udp.totalSent).toBe(counts.received);
    expect(result.udp.totalLost).toBe(counts.dropped);
    expect(result.udp.totalEchoed).toBe(counts.received - counts.dropped);
    expect(result.udp.late).toBe(0);
    // The measured window's datagrams reach the server one after another, so exactly every
    // 10th of them is dropped, give or take the one at each end.
    expect(Math.abs(result.udp.lost - result.udp.sent / 10)).toBeLessThanOrEqual(1);
    expect(result.udp.loss).toBeCloseTo(result.udp.lost / result.udp.sent, 6);
    expect(result.messages).toBeGreaterThan(0);
  });

  test("counts an echo that comes after its timeout as lost and late, not as an error", async () => {
    // The 20th echo leaves 60 ms late, well past the 20 ms timeout and well before the run ends.
    const { port } = await listen((datagram, n, sender) => {
      if (n !== 20) return datagram;
      setTimeout(() => server?.send(datagram, sender.port, sender.address), 60);
      return [];
    });
    const result = await load(port, ["--size", "64", "--loss-timeout-ms", "20"]);
    expect(result).toMatchObject({ ok: true, udp: { totalLost: 1, late: 1 } });
  });

  test("fails with exit status 2 when a server changes one byte", async () => {
    const { port } = await listen((datagram, n) => {
      if (n === 30) datagram[datagram.length - 1] ^= 0x01;
      return datagram;
    });
    const { status, result } = await runRaw([
      "--udp",
      "--port",
      String(port),
      "--warmup-ms",
      "50",
      "--duration-ms",
      "200",
    ]);
    expect(status).toBe(2);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^source 0: datagram 29, byte 63 differs: expected 0x[0-9a-f]{2}, got 0x[0-9a-f]{2}$/);
  });

  test("fails a server that sends back more bytes than it got", async () => {
    const { port } = await listen((datagram) => Buffer.concat([datagram, Buffer.from([0])]));
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toBe("source 0: a datagram of more than 64 bytes came back; 64 were sent");
  });

  test("fails a server that answers a datagram twice", async () => {
    const { port } = await listen((datagram, n) => (n === 10 ? [datagram, datagram] : datagram));
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toBe("source 0: datagram 9 came back twice");
  });

  test("fails a server that answers with a datagram the source never sent", async () => {
    const { port } = await listen((datagram) => {
      datagram.writeUInt32LE(7, 8); // another source's number in the header
      return datagram;
    });
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^source 0: a datagram it never sent came back \(its header names source 7, /);
  });

  test("fails at once when nothing listens on the port", async () => {
    const { port } = await listen(honest);
    await new Promise((done) => server.close(done));
    server = undefined;
    const result = await load(port, ["--size", "64"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ICMP port unreachable.*nothing listens on that UDP port$/);
  });

  test("refuses --udp with --tls, --unix or stream mode, and a datagram too small for its header", () => {
    const run = (args) => spawnSync(loadgen, ["--port", "9", ...args], { encoding: "utf8" });
    const refused = "loadgen: --udp goes to --host and --port, without --tls or --unix\n";
    expect(run(["--udp", "--tls"])).toMatchObject({ status: 64, stderr: refused });
    expect(run(["--udp", "--mode", "stream"]).stderr).toBe("loadgen: --udp sends datagrams: --mode pingpong only\n");
    expect(run(["--udp", "--size", "15"]).stderr).toBe("loadgen: --udp needs a --size of 16-65507\n");
    expect(run(["--udp", "--loss-timeout-ms", "0"]).stderr).toBe("loadgen: --loss-timeout-ms must be 1-60000\n");
  });
});
