import { describe, expect, test } from "vitest";
import { loadgenArgs, SCENARIOS } from "../src/scenarios.mjs";
import { MALLOC_TRIM_THRESHOLD, parseStartupLine, serverCommand, startServer } from "../src/servers.mjs";

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

  test("tells both kinds the same way to listen on a unix socket, and Deno may read and write it", () => {
    const listen = { transport: "unix", path: "/tmp/b/echo.sock" };
    expect(serverCommand("node", "ours", bin, listen).argv).toEqual([
      "/bin/node",
      "runtimes/node/dist/main.js",
      "--unix",
      "/tmp/b/echo.sock",
      "--quiet",
    ]);
    expect(serverCommand("deno", "control", bin, listen).argv).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "benchmarks/controls/deno.ts",
      "--unix",
      "/tmp/b/echo.sock",
    ]);
  });

  test("gives TLS the certificate and key on a free port, and Deno may read them", () => {
    const listen = { transport: "tls", cert: "/tmp/c/server.pem", key: "/tmp/c/server.key" };
    const flags = [
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--tls-cert",
      "/tmp/c/server.pem",
      "--tls-key",
      "/tmp/c/server.key",
    ];
    expect(serverCommand("bun", "control", bin, listen).argv).toEqual([
      "/bin/bun",
      "run",
      "benchmarks/controls/bun.ts",
      ...flags,
    ]);
    expect(serverCommand("deno", "ours", bin, listen).argv).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "--allow-read",
      "runtimes/deno/main.ts",
      ...flags,
      "--quiet",
    ]);
  });

  test("runs UDP alone with the guards on and the bucket out of reach, and Deno with --unstable-net", () => {
    const listen = { transport: "udp" };
    const flags = ["--host", "127.0.0.1", "--port", "0", "--udp", "--no-tcp"];
    expect(serverCommand("node", "ours", bin, listen).argv).toEqual([
      "/bin/node",
      "runtimes/node/dist/main.js",
      ...flags,
      "--udp-rate",
      "100000000",
      "--udp-bytes-rate",
      "100GiB",
      "--quiet",
    ]);
    expect(serverCommand("deno", "control", bin, listen).argv).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "--unstable-net",
      "benchmarks/controls/deno.ts",
      ...flags,
    ]);
    expect(serverCommand("deno", "ours", bin, listen).argv.slice(0, 5)).toEqual([
      "/bin/deno",
      "run",
      "--allow-net",
      "--unstable-net",
      "runtimes/deno/main.ts",
    ]);
    expect(serverCommand("bun", "control", bin, listen).argv).toEqual([
      "/bin/bun",
      "run",
      "benchmarks/controls/bun.ts",
      ...flags,
    ]);
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

describe("startServer()", () => {
  test("starts the server with the bench's heap trim threshold in its environment", async () => {
    const script = [
      'process.stderr.write("x listening on 127.0.0.1:1 trim=" + process.env.MALLOC_TRIM_THRESHOLD_ + "\\n");',
      "setInterval(() => {}, 1000);",
    ].join(" ");
    const server = await startServer({
      argv: [process.execPath, "-e", script],
      cwd: ".",
      cpu: undefined,
      timeoutMs: 10000,
    });
    try {
      expect(server.startupLine).toContain(`trim=${MALLOC_TRIM_THRESHOLD}`);
    } finally {
      await server.stop();
    }
  });
});

describe("parseStartupLine()", () => {
  test("reads the port of an IPv4 or a bracketed IPv6 address", () => {
    expect(parseStartupLine("tcp-echo listening on 127.0.0.1:40123 (node 20.20.2)")).toEqual({
      transport: "tcp",
      port: 40123,
    });
    expect(parseStartupLine("bun-control listening on [::1]:7 (bun 1.4.5)")).toEqual({ transport: "tcp", port: 7 });
  });

  test("reads a TLS port and a unix socket's path", () => {
    expect(parseStartupLine("tcp-echo listening on tls://127.0.0.1:7443")).toEqual({ transport: "tls", port: 7443 });
    expect(parseStartupLine("deno-control listening on tls://[::1]:7443 (deno 2.9.6)")).toEqual({
      transport: "tls",
      port: 7443,
    });
    expect(parseStartupLine("tcp-echo listening on unix:/tmp/x.sock")).toEqual({
      transport: "unix",
      path: "/tmp/x.sock",
    });
    expect(parseStartupLine("node-control listening on unix:/tmp/a b (node 20.20.2)")).toEqual({
      transport: "unix",
      path: "/tmp/a",
    });
  });

  test("reads a UDP port", () => {
    expect(parseStartupLine("tcp-echo listening on udp://127.0.0.1:7007 (node 20.20.2)")).toEqual({
      transport: "udp",
      port: 7007,
    });
    expect(parseStartupLine("bun-control listening on udp://[::1]:9 (bun 1.4.5)")).toEqual({
      transport: "udp",
      port: 9,
    });
  });

  test("reads a worker's line and tcp-echo's JSON listening event", () => {
    expect(parseStartupLine("[worker 2] tcp-echo listening on 127.0.0.1:36607 (deno 2.9.6)")).toEqual({
      transport: "tcp",
      port: 36607,
    });
    const json = {
      type: "listening",
      time: "2026-12-02T16:41:30.754Z",
      worker: 1,
      pid: 27907,
      address: "127.0.0.1:44399",
      transport: "tcp",
      hostname: "127.0.0.1",
      port: 44399,
    };
    expect(parseStartupLine(JSON.stringify(json))).toEqual({ transport: "tcp", port: 44399 });
    expect(parseStartupLine(JSON.stringify({ ...json, type: "open" }))).toBeUndefined();
    expect(parseStartupLine('{"type":"listening"')).toBeUndefined();
  });

  test("ignores other lines", () => {
    expect(parseStartupLine("warning: something")).toBeUndefined();
  });
});

describe("the scenarios", () => {
  test("give every TLS and unix scenario a TCP scenario with the same load", () => {
    const others = SCENARIOS.filter((s) => s.transport === "tls" || s.transport === "unix");
    expect(others.map((s) => s.id)).toEqual([
      "tls-stream-64k-10c",
      "tls-1k-100c-k1",
      "unix-1k-100c-k16",
      "unix-stream-64k-10c",
    ]);
    for (const scenario of others) {
      const tcp = SCENARIOS.find((s) => s.id === scenario.tcp);
      expect(tcp?.transport).toBe("tcp");
      expect(loadgenArgs(scenario)).toEqual(loadgenArgs(tcp));
      expect(scenario.title).toContain(tcp.title);
    }
  });
});

describe("the UDP scenarios", () => {
  test("are 64 B and 1,472 B ping-pong from one source and a 64 B burst from 100 sources, K=16", () => {
    const udp = SCENARIOS.filter((s) => s.transport === "udp");
    expect(udp.map((s) => [s.id, s.connections, s.size, s.inflight])).toEqual([
      ["udp-64-1s-k1", 1, 64, 1],
      ["udp-1472-1s-k1", 1, 1472, 1],
      ["udp-64-100s-k16", 100, 64, 16],
    ]);
    expect(loadgenArgs(udp[2])).toEqual([
      ...["--mode", "pingpong", "--connections", "100", "--inflight", "16", "--size", "64"],
      ...["--loss-timeout-ms", "200"],
    ]);
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
