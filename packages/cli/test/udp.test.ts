// tcp-echo --udp as users run it: each runtime's entrypoint in a child process, a node:dgram
// client. The guards' rules are the conformance suite's; here, the flags, lines and signals.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { Client } from "./helpers/client.ts";
import { DatagramClient } from "./helpers/datagram.ts";
import { EchoProcess, killLeftovers, runToExit } from "./helpers/process.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

afterAll(() => killLeftovers());

describe.concurrent.each(RUNTIMES)("tcp-echo --udp on %s", (runtime) => {
  test("serves UDP beside TCP on the same port; SIGTERM closes UDP at once, then TCP drains", async () => {
    const server = new EchoProcess(runtime, ["--udp", "--port", "0"]);
    const tcpLine = await server.waitForLine(/listening on 127/, 15_000);
    const udpLine = await server.waitForLine(/listening on udp:/, 5000);
    const port = Number(/:(\d+) \(/.exec(tcpLine)?.[1]);
    expect(tcpLine).toMatch(new RegExp(`^tcp-echo listening on 127\\.0\\.0\\.1:${port} \\(${runtime} `));
    expect(udpLine).toMatch(new RegExp(`^tcp-echo listening on udp://127\\.0\\.0\\.1:${port} \\(${runtime} `));

    const udp = await DatagramClient.open();
    const big = randomBytes(65_507);
    await udp.send(new Uint8Array(0), port);
    expect((await udp.nth(1)).length).toBe(0);
    await udp.send(big, port);
    expect((await udp.nth(2)).equals(big)).toBe(true);
    udp.close();

    const tcp = await Client.open(port);
    tcp.send("tcp too");
    expect((await tcp.waitForBytes(7)).toString()).toBe("tcp too");
    server.signal("SIGTERM");
    const closed = await server.waitForLine(/^tcp-echo closed udp:/);
    expect(closed).toBe(
      `tcp-echo closed udp://127.0.0.1:${port}: 2 datagrams received, 2 answered, 0 dropped, 0 send errors`,
    );
    expect((await tcp.finish()).toString()).toBe("tcp too");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    const lines = server.lines;
    expect(lines.indexOf(closed)).toBeLessThan(lines.findIndex((line) => line.startsWith("tcp-echo shutting down")));
  });

  test("--no-tcp serves UDP alone; the JSON log has its listening event and a drops summary", async () => {
    const args = ["--udp", "--no-tcp", "--port", "0", "--log-format", "json"];
    const server = new EchoProcess(runtime, [...args, "--udp-rate", "1", "--udp-summary-interval", "100ms"]);
    const listening = JSON.parse(await server.waitForLine(/"listening"/, 15_000));
    expect(listening).toMatchObject({ type: "listening", transport: "udp", hostname: "127.0.0.1", family: "IPv4" });
    expect(listening.address).toBe(`udp://127.0.0.1:${listening.port}`);
    const udp = await DatagramClient.open();
    // One datagram a second: the first is answered, the next four in the same second are not.
    for (const text of ["a", "b", "c", "d", "e"]) await udp.send(text, listening.port);
    expect((await udp.nth(1)).toString()).toBe("a");
    const drops = JSON.parse(await server.waitForLine(/"drops"/));
    expect(drops).toMatchObject({ type: "drops", periodMs: 100, sendErrors: 0 });
    expect(drops.dropped["rate-limit"]).toBeGreaterThanOrEqual(1);
    udp.close();
    server.signal("SIGINT");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    const closed = JSON.parse(await server.waitForLine(/"closed"/));
    expect(closed).toMatchObject({ type: "closed", address: listening.address, received: 5, answered: 1 });
    expect(server.lines.some((line) => line.includes('"shutdown"'))).toBe(false);
  });

  test("a UDP port in use prints one line with the remedy, and no line says the TCP side listened", async () => {
    const taken = await DatagramClient.openWhereTcpIsFree();
    const port = taken.port;
    try {
      const result = await runToExit(runtime, ["--udp", "--port", String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `tcp-echo: Cannot listen on udp://127.0.0.1:${port}: address already in use; pick another port with --port\n`,
      );
    } finally {
      taken.close();
    }
  });
});

test("UDP on Deno without --unstable-net is one line naming the flag", async () => {
  const result = await runToExit("deno", ["--udp", "--no-tcp", "--port", "0"], { unstableNet: false });
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^tcp-echo: [^\n]*--unstable-net[^\n]*\n$/);
});
