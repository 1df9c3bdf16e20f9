import type { TcpAddress } from "@tcp-echo/core";
import { describe, expect, test } from "vitest";
import { createLogger, formatJson, formatPretty, type LogEvent, loggedEvents } from "../src/log.ts";

const v4 = (port: number): TcpAddress => ({ transport: "tcp", hostname: "127.0.0.1", port, family: "IPv4" });
const v6: TcpAddress = { transport: "tcp", hostname: "::1", port: 7007, family: "IPv6" };
const runtime = { name: "node", version: "20.20.2" };
const close: LogEvent = {
  type: "close",
  id: 3,
  remote: v4(50000),
  reason: "idle-timeout",
  bytesIn: 10,
  bytesOut: 10,
  durationMs: 301,
};

describe("formatPretty", () => {
  test("the startup line names the address and the runtime, IPv6 in brackets", () => {
    expect(formatPretty({ type: "listening", address: v4(7007), runtime })).toBe(
      "tcp-echo listening on 127.0.0.1:7007 (node 20.20.2)",
    );
    expect(formatPretty({ type: "listening", address: v6, runtime })).toBe(
      "tcp-echo listening on [::1]:7007 (node 20.20.2)",
    );
  });

  test("a client that had gone before its address was read shows as gone, not as :0", () => {
    const gone: TcpAddress = { transport: "tcp", hostname: "", port: 0, family: "IPv4" };
    expect(formatPretty({ type: "open", id: 20, remote: gone, open: 14 })).toBe("open #20 (client gone) (14 open)");
    expect(JSON.parse(formatJson({ type: "open", id: 20, remote: gone, open: 14 }, new Date(0))).remote).toBe(
      "(client gone)",
    );
  });

  test("each event is one line", () => {
    const events: LogEvent[] = [
      { type: "open", id: 3, remote: v4(50000), open: 1 },
      close,
      { ...close, reason: "error", error: new Error("read ECONNRESET") },
      { type: "reject", remote: v4(50001), reason: "max-connections", limit: 2 },
      { type: "accept-error", error: new Error("EMFILE") },
      { type: "shutdown", phase: "begin", open: 20, timeout: 10_000 },
      { type: "shutdown", phase: "begin", open: 1, timeout: 0 },
      { type: "shutdown", phase: "end", idleClosed: 2, finished: 19, reset: 1 },
      { type: "error", message: "Cannot listen on 127.0.0.1:7007: address already in use", code: "EADDRINUSE" },
      { type: "exit", signal: "SIGINT", code: 130 },
    ];
    expect(events.map(formatPretty)).toEqual([
      "open #3 127.0.0.1:50000 (1 open)",
      "close #3 127.0.0.1:50000 idle-timeout, 10 bytes in, 10 bytes out, 301 ms",
      "close #3 127.0.0.1:50000 error: read ECONNRESET, 10 bytes in, 10 bytes out, 301 ms",
      "reject 127.0.0.1:50001 max-connections: 2 open already",
      "tcp-echo: cannot accept a connection: EMFILE; still listening",
      "tcp-echo shutting down: 20 connections open, waiting up to 10s",
      "tcp-echo shutting down: 1 connection open, resetting them now",
      "tcp-echo stopped: 2 idle closed, 19 finished, 1 reset",
      "tcp-echo: Cannot listen on 127.0.0.1:7007: address already in use",
      "tcp-echo: second SIGINT, exiting now with code 130",
    ]);
  });
});

describe("formatJson", () => {
  const time = new Date(0);

  test("the startup event carries the address and the runtime", () => {
    expect(JSON.parse(formatJson({ type: "listening", address: v6, runtime }, time))).toEqual({
      type: "listening",
      time: "1970-01-01T00:00:00.000Z",
      address: "[::1]:7007",
      transport: "tcp",
      hostname: "::1",
      port: 7007,
      family: "IPv6",
      runtime,
    });
  });

  test("a close event carries bytes, duration and reason; an error becomes its message", () => {
    expect(JSON.parse(formatJson({ ...close, error: new Error("boom") }, time))).toEqual({
      type: "close",
      time: "1970-01-01T00:00:00.000Z",
      id: 3,
      remote: "127.0.0.1:50000",
      reason: "idle-timeout",
      bytesIn: 10,
      bytesOut: 10,
      durationMs: 301,
      error: "boom",
    });
  });

  test("shutdown, reject and error events keep their fields", () => {
    const lines = [
      formatJson({ type: "shutdown", phase: "begin", open: 2, timeout: 500 }, time),
      formatJson({ type: "reject", remote: v4(1), reason: "max-connections", limit: 1 }, time),
      formatJson({ type: "error", message: "no", code: "EACCES" }, time),
    ].map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { type: "shutdown", time: time.toISOString(), phase: "begin", open: 2, timeout: 500 },
      { type: "reject", time: time.toISOString(), remote: "127.0.0.1:1", reason: "max-connections", limit: 1 },
      { type: "error", time: time.toISOString(), message: "no", code: "EACCES" },
    ]);
  });
});

describe("loggedEvents", () => {
  test("a quiet log asks the server for no per-connection events; a full log for all", () => {
    expect(loggedEvents({ quiet: true })).toEqual(["listening", "accept-error", "descriptor-limit", "shutdown"]);
    expect(loggedEvents({ quiet: false })).toBeUndefined();
  });
});

describe("createLogger", () => {
  test("--quiet leaves out open, close and reject but keeps the startup and shutdown lines", () => {
    let text = "";
    const log = createLogger({ format: "pretty", quiet: true, write: (chunk) => (text += chunk) });
    log({ type: "listening", address: v4(7), runtime });
    log({ type: "open", id: 1, remote: v4(2), open: 1 });
    log(close);
    log({ type: "reject", remote: v4(3), reason: "max-connections", limit: 1 });
    log({ type: "shutdown", phase: "begin", open: 0, timeout: 1000 });
    expect(text).toBe(
      "tcp-echo listening on 127.0.0.1:7 (node 20.20.2)\ntcp-echo shutting down: 0 connections open, waiting up to 1s\n",
    );
  });
});
