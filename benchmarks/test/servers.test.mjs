import { describe, expect, test } from "vitest";
import { loadgenArgs, SCENARIOS } from "../src/scenarios.mjs";
import { parseStartupLine, serverCommand } from "../src/servers.mjs";

const bin = { node: "/bin/node", deno: "/bin/deno", bun: "/bin/bun" };

describe("serverCommand()", () => {
  test("starts tcp-echo through its real entrypoints with --quiet", () => {
    expect(serverCommand("node", "ours", bin).argv).toEqual([
      "/bin/node",
      "runtimes/node/dist/main.js",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--quiet",
    ]);
    expect(serverCommand("deno", "ours", bin).argv.slice(0, 4)).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "runtimes/deno/main.ts",
    ]);
    expect(serverCommand("bun", "ours", bin).argv.slice(0, 3)).toEqual(["/bin/bun", "run", "runtimes/bun/main.ts"]);
  });

  test("gives the control the same runtime flags", () => {
    expect(serverCommand("deno", "control", bin).argv).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "benchmarks/controls/deno.ts",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ]);
  });
});

describe("parseStartupLine()", () => {
  test("reads the port of an IPv4 or a bracketed IPv6 address", () => {
    expect(parseStartupLine("tcp-echo listening on 127.0.0.1:40123 (node 20.20.2)")).toBe(40123);
    expect(parseStartupLine("bun-control listening on [::1]:7 (bun 1.4.5)")).toBe(7);
  });

  test("ignores other lines", () => {
    expect(parseStartupLine("warning: something")).toBeUndefined();
  });
});

describe("loadgenArgs()", () => {
  test("maps every scenario onto loadgen's options", () => {
    const k16 = SCENARIOS.find((s) => s.id === "1k-100c-k16");
    expect(loadgenArgs(k16)).toEqual([
      "--mode",
      "pingpong",
      "--connections",
      "100",
      "--inflight",
      "16",
      "--size",
      "1024",
    ]);
    const stream = SCENARIOS.find((s) => s.mode === "stream");
    expect(loadgenArgs(stream)).toEqual([
      "--mode",
      "stream",
      "--connections",
      "10",
      "--inflight",
      "8",
      "--size",
      "64",
      "--chunk",
      "65536",
    ]);
  });
});
