// A control that cheats on correctness is no control: each one must echo every byte while its
// write side is full, and close only after echoing everything that came before the peer's FIN.
// The client's 64 KiB receive buffer against a 32 MiB window per connection backs the server's
// writes up at once: Node's write() returns false and Bun's write() takes part of a chunk, so
// reading has to pause (checked by hand: 8 pauses on Node, about 200 partial writes on Bun).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureLoadgen, runLoadgen } from "../src/loadgen.mjs";
import { RUNTIMES, runtimeBinaries, serverCommand, startServer } from "../src/servers.mjs";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(benchDir, "..");
let loadgen;
let bin;

beforeAll(() => {
  loadgen = ensureLoadgen(benchDir).path;
  bin = runtimeBinaries(root);
});

describe.each(RUNTIMES)("the %s control", (runtime) => {
  test("echoes every byte under backpressure, then closes after the peer's FIN", async () => {
    const { argv } = serverCommand(runtime, "control", bin);
    const server = await startServer({ argv, cwd: root, cpu: undefined, timeoutMs: 20000 });
    try {
      expect(server.startupLine).toMatch(
        new RegExp(`^${runtime}-control listening on 127\\.0\\.0\\.1:\\d+ \\(${runtime} `),
      );
      const result = await runLoadgen({
        path: loadgen,
        port: server.port,
        cpu: undefined,
        warmupMs: 50,
        durationMs: 300,
        args: ["--mode", "stream", "--connections", "2", "--chunk", "65536", "--inflight", "512", "--rcvbuf", "65536"],
      });
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.verifiedBytes).toBeGreaterThan(16 * 2 ** 20);
    } finally {
      const exit = await server.stop();
      expect(exit).toMatchObject({ code: 0, killed: false });
    }
  });
});
