// A control that cheats on correctness is no control: each one must echo every byte while its
// write side is full, and close only after echoing everything that came before the peer's FIN.
// The client's 64 KiB receive buffer against a 32 MiB window per connection backs the server's
// writes up at once: Node's write() returns false and Bun's write() takes part of a chunk, so
// reading has to pause (checked by hand: 8 pauses on Node, about 200 partial writes on Bun).
// The same holds over each transport: TCP, TLS (close_notify, then FIN) and a unix socket. Over
// UDP each control must echo every datagram whole, and outlive the ICMP port unreachable its
// replies earn from a sender that has gone (Bun throws ECONNREFUSED from send() then).
import { createSocket } from "node:dgram";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeCertificates } from "../src/certificates.mjs";
import { loadgenTarget, openEndpoint } from "../src/endpoint.mjs";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";
import { TRANSPORTS } from "../src/scenarios.mjs";
import { RUNTIMES, runtimeBinaries, serverCommand, startServer } from "../src/servers.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(benchDir, "..");
let loadgen;
let bin;
let certificates;

beforeAll(() => {
  loadgen = ensureLoadgen(benchDir).path;
  bin = runtimeBinaries(root);
  certificates = makeCertificates();
});

afterAll(() => certificates?.remove());

/** The startup line each transport gives, after "<runtime>-control listening on ". */
const ANNOUNCED = {
  tcp: "127\\.0\\.0\\.1:\\d+",
  tls: "tls://127\\.0\\.0\\.1:\\d+",
  unix: "unix:/\\S+/echo\\.sock",
  udp: "udp://127\\.0\\.0\\.1:\\d+",
};

/**
 * Send `count` datagrams to a port from a socket that closes right after: most of their echoes
 * meet a closed port. (A raw Bun echo with neither a catch around send() nor an error() handler
 * dies of the ECONNREFUSED that follows, checked by hand.)
 */
function sendAndVanish(port, count) {
  const socket = createSocket("udp4");
  return new Promise((done) => {
    socket.bind(0, "127.0.0.1", () => {
      for (let i = 0; i < count; i++) socket.send(Buffer.alloc(64, i), port, "127.0.0.1");
      setImmediate(() => socket.close(done));
    });
  });
}

describe.each(RUNTIMES)("the %s control", (runtime) => {
  test("echoes every datagram whole over UDP, after replies to a sender that has gone", async () => {
    const endpoint = openEndpoint("udp");
    const { argv } = serverCommand(runtime, "control", bin, endpoint.listen);
    const server = await startServer({ argv, cwd: root, cpu: undefined, timeoutMs: 20000 });
    try {
      expect(server.startupLine).toMatch(
        new RegExp(`^${runtime}-control listening on ${ANNOUNCED.udp} \\(${runtime} `),
      );
      expect(server.address.transport).toBe("udp");
      // Bursts whose echoes earn ICMP port unreachables.
      for (let i = 0; i < 20; i++) await sendAndVanish(server.address.port, 200);
      const result = await runLoadgen({
        path: loadgen,
        ...loadgenTarget(server.address),
        cpu: undefined,
        warmupMs: 50,
        durationMs: 300,
        args: ["--connections", "4", "--size", "1472", "--inflight", "4"],
      });
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ ok: true, transport: "udp", udp: { late: 0 } });
      expect(result.messages).toBeGreaterThan(100);
    } finally {
      const exit = await server.stop();
      endpoint.remove();
      expect(exit).toMatchObject({ code: 0, killed: false });
    }
  });

  test.each(TRANSPORTS.filter((t) => t !== "udp"))(
    "echoes every byte over %s under backpressure, then closes after the peer's FIN",
    async (transport) => {
      const endpoint = openEndpoint(transport, certificates);
      const { argv } = serverCommand(runtime, "control", bin, endpoint.listen);
      const server = await startServer({ argv, cwd: root, cpu: undefined, timeoutMs: 20000 });
      try {
        expect(server.startupLine).toMatch(
          new RegExp(`^${runtime}-control listening on ${ANNOUNCED[transport]} \\(${runtime} `),
        );
        expect(server.address.transport).toBe(transport);
        const result = await runLoadgen({
          path: loadgen,
          ...loadgenTarget(server.address),
          cpu: undefined,
          warmupMs: 50,
          durationMs: 300,
          args: [
            "--mode",
            "stream",
            "--connections",
            "2",
            "--chunk",
            "65536",
            "--inflight",
            "512",
            "--rcvbuf",
            "65536",
          ],
        });
        expect(result.error).toBeUndefined();
        expect(result.ok).toBe(true);
        expect(result.verifiedBytes).toBeGreaterThan(16 * 2 ** 20);
      } finally {
        const exit = await server.stop();
        endpoint.remove();
        expect(exit).toMatchObject({ code: 0, killed: false });
      }
    },
  );
});
