import { describe, expect, test } from "vitest";
import { formatJson, formatPretty, type LogEvent } from "../src/log.ts";
import { formatSize, parseSize } from "../src/size.ts";
import { options, usageError } from "./helpers/command-line.ts";

describe("the UDP flags", () => {
  test("--udp serves UDP beside TCP with the guards' defaults", () => {
    expect(options([]).udp).toBeUndefined();
    expect(options(["--udp"]).udp).toEqual({
      alone: false,
      datagramsPerSecond: 10_000,
      bytesPerSecond: 4 * 1024 * 1024,
      allowReservedPorts: false,
      summaryInterval: 10_000,
    });
  });

  test("every UDP flag is read; 0 lifts a limit", () => {
    const args = [
      "--udp",
      "--no-tcp",
      "--udp-rate=0",
      "--udp-bytes-rate",
      "64KiB/s",
      "--udp-allow-reserved-ports",
      "--udp-summary-interval=1m",
    ];
    expect(options(args).udp).toEqual({
      alone: true,
      datagramsPerSecond: 0,
      bytesPerSecond: 65_536,
      allowReservedPorts: true,
      summaryInterval: 60_000,
    });
  });

  test("the last of --udp and --no-udp, --tcp and --no-tcp wins", () => {
    expect(options(["--udp", "--no-udp"]).udp).toBeUndefined();
    expect(options(["--no-tcp", "--tcp", "--udp"]).udp?.alone).toBe(false);
  });

  test("a UDP flag without --udp, or with --unix, is a usage error", () => {
    expect(usageError(["--no-tcp"])).toBe("--no-tcp needs --udp");
    expect(usageError(["--udp-rate", "5"])).toBe("--udp-rate needs --udp");
    expect(usageError(["--udp-allow-reserved-ports"])).toBe("--udp-allow-reserved-ports needs --udp");
    expect(usageError(["--udp", "--unix", "/tmp/e.sock"])).toBe(
      "--udp cannot be combined with --unix: UDP takes a host and port",
    );
    expect(usageError(["--udp", "--no-tcp", "--tls-cert", "c", "--tls-key", "k"])).toBe(
      "--no-tcp leaves nothing to serve TLS on: drop --no-tcp or the --tls-* flags",
    );
  });

  test("bad values name the flag and what it takes", () => {
    expect(usageError(["--udp", "--udp-rate", "-1"])).toBe(
      "invalid --udp-rate '-1': expected a whole number of datagrams per second per sender (0 for no limit)",
    );
    expect(usageError(["--udp", "--udp-bytes-rate=4XB"])).toBe(
      "invalid --udp-bytes-rate '4XB': expected bytes per second per sender such as 4MiB, 512KiB or 100000 (0 for no limit)",
    );
    expect(usageError(["--udp", "--udp-summary-interval=soon"])).toBe(
      "invalid --udp-summary-interval 'soon': expected a duration such as 10s or 1m (0 for none)",
    );
  });
});

describe("sizes", () => {
  test("decimal and binary units, per second or not", () => {
    expect(["512", "1KB", "1kib", "4MiB", "4 MiB/s", "1.5KiB", "1GB", "0"].map(parseSize)).toEqual([
      512, 1000, 1024, 4_194_304, 4_194_304, 1536, 1_000_000_000, 0,
    ]);
    expect(() => parseSize("4 apples")).toThrow(RangeError);
    expect([4_194_304, 1536, 0, 3 * 1024 ** 3].map(formatSize)).toEqual(["4MiB", "1536B", "0B", "3GiB"]);
  });
});

describe("the UDP log lines", () => {
  const address = { transport: "udp", hostname: "127.0.0.1", port: 7007, family: "IPv4" } as const;
  const dropped = { "reserved-port": 2, broadcast: 0, "rate-limit": 250, "byte-limit": 0 };
  const drops: LogEvent = {
    type: "drops",
    periodMs: 10_000,
    dropped,
    sendErrors: 1,
    receiveErrors: 0,
    handlerErrors: 2,
    error: new Error("ECONNREFUSED"),
  };
  const closed: LogEvent = {
    type: "closed",
    address,
    received: 300,
    answered: 48,
    bytesIn: 19_200,
    bytesOut: 3072,
    dropped,
    sendErrors: 1,
    receiveErrors: 0,
    handlerErrors: 0,
    sources: 3,
  };

  test("pretty: one line each, the reasons that counted", () => {
    expect(formatPretty({ type: "listening", address, runtime: { name: "bun", version: "1.4.5" } })).toBe(
      "tcp-echo listening on udp://127.0.0.1:7007 (bun 1.4.5)",
    );
    expect(formatPretty(drops)).toBe(
      "tcp-echo: udp 252 dropped (2 reserved-port, 250 rate-limit), 1 send error, 2 handler errors (first: ECONNREFUSED) in the last 10s",
    );
    expect(formatPretty(closed)).toBe(
      "tcp-echo closed udp://127.0.0.1:7007: 300 datagrams received, 48 answered, 252 dropped (2 reserved-port, 250 rate-limit), 1 send error",
    );
  });

  test("json: counts by reason, the address as text, the error as its message", () => {
    const time = new Date(0);
    expect(JSON.parse(formatJson(drops, time))).toEqual({
      type: "drops",
      time: "1970-01-01T00:00:00.000Z",
      periodMs: 10_000,
      dropped,
      sendErrors: 1,
      receiveErrors: 0,
      handlerErrors: 2,
      error: "ECONNREFUSED",
    });
    expect(JSON.parse(formatJson(closed, time))).toMatchObject({
      type: "closed",
      address: "udp://127.0.0.1:7007",
      received: 300,
      dropped,
    });
  });
});
