import { afterEach, describe, expect, it, vi } from "vitest";
import { type ServerEvent, serve } from "../src/index.ts";
import { FakeTransport } from "./fake-transport.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("serve", () => {
  it("asks the transport for the resolved bind and the listen defaults", async () => {
    const transport = new FakeTransport();
    await serve(transport, { host: "localhost", port: 7007 });
    expect(transport.requests).toEqual([
      {
        target: {
          hostname: "127.0.0.1",
          port: 7007,
          ipv6Only: false,
          family: "IPv4",
          reuseAddress: true,
          reusePort: false,
          noDelay: true,
        },
        settings: { backlog: 511, highWaterMark: 65_536 },
      },
    ]);
  });

  it("reports listening, open and close events with byte counts", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    await serve(transport, { port: 7007, onEvent: (event) => events.push(event) });
    const socket = transport.connect();
    socket.receive("12345");
    socket.events.onEnd();
    socket.finishClose();
    expect(events.map((event) => event.type)).toEqual(["listening", "open", "close"]);
    expect(events[2]).toMatchObject({ reason: "peer", bytesIn: 5, bytesOut: 5 });
  });

  it("builds only the event types asked for in events", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const server = await serve(transport, {
      port: 7007,
      maxConnections: 1,
      onEvent: (event) => events.push(event),
      events: ["listening", "shutdown"],
    });
    const first = transport.connect();
    const second = transport.connect();
    first.receive("12345");
    first.events.onEnd();
    first.finishClose();
    second.finishClose();
    await server.shutdown({ timeout: 0 });
    expect(events.map((event) => event.type)).toEqual(["listening", "shutdown", "shutdown"]);
  });

  it("closes connections beyond maxConnections at once and leaves the others alone", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const server = await serve(transport, { port: 7007, maxConnections: 2, onEvent: (event) => events.push(event) });
    const first = transport.connect();
    const second = transport.connect();
    const third = transport.connect();
    expect([first.state, second.state, third.state]).toEqual(["open", "open", "closing"]);
    expect(third.calls).toEqual(["close"]);
    expect(events.filter((event) => event.type === "reject")).toEqual([
      { type: "reject", remote: third.remoteAddress, reason: "max-connections", limit: 2 },
    ]);
    third.finishClose();
    expect(server.connectionCount).toBe(2);
  });

  it("rejects a maxConnections below 1", async () => {
    await expect(serve(new FakeTransport(), { maxConnections: 0 })).rejects.toMatchObject({
      code: "ERR_INVALID_OPTION",
      option: "maxConnections",
    });
  });

  it("closes a connection silent for the idle timeout, not one that keeps talking", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    await serve(transport, { port: 7007, idleTimeout: 1000, onEvent: (event) => events.push(event) });
    const silent = transport.connect();
    const chatty = transport.connect();
    for (let elapsed = 0; elapsed < 1000; elapsed += 200) {
      vi.advanceTimersByTime(200);
      chatty.receive(".");
    }
    expect(silent.state).toBe("open");
    vi.advanceTimersByTime(250);
    chatty.receive(".");
    expect(silent.state).toBe("closing");
    expect(chatty.state).toBe("open");
    silent.finishClose();
    expect(events.find((event) => event.type === "close")).toMatchObject({ reason: "idle-timeout" });
  });

  it("shuts down gracefully: stops accepting, waits for connections, resets the rest at the timeout", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    const finishing = transport.connect();
    const stuck = transport.connect();
    const done = server.shutdown({ timeout: 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.closed).toBe(true);
    finishing.events.onEnd();
    finishing.finishClose();
    await vi.advanceTimersByTimeAsync(500);
    expect(await done).toEqual({ idleClosed: 0, finished: 1, reset: 1 });
    expect(stuck.calls).toEqual(["close", "reset"]);
  });

  it("joins a shutdown under way: a sooner timeout brings the deadline forward and both calls settle", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    const busy = transport.connect();
    const first = server.shutdown();
    busy.receive("still talking");
    const second = server.shutdown({ timeout: 300 });
    await vi.advanceTimersByTimeAsync(299);
    expect(busy.state).toBe("open");
    busy.receive("and talking");
    await vi.advanceTimersByTimeAsync(1);
    const result = { idleClosed: 0, finished: 0, reset: 1 };
    expect(await second).toEqual(result);
    expect(await first).toEqual(result);
    expect(busy.calls).toEqual(["reset"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps the first deadline when a later call asks for a longer one", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    const busy = transport.connect();
    const first = server.shutdown({ timeout: 100, quietPeriod: 0 });
    const second = server.shutdown({ timeout: 10_000 });
    await vi.advanceTimersByTimeAsync(100);
    expect(await first).toEqual({ idleClosed: 0, finished: 0, reset: 1 });
    expect(await second).toEqual({ idleClosed: 0, finished: 0, reset: 1 });
    expect(busy.state).toBe("reset");
  });

  it("rejects a bad timeout without starting a shutdown", async () => {
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    await expect(server.shutdown({ timeout: -1 })).rejects.toThrow("Cannot shut down: timeout -1 must be 0 or more");
    expect(transport.closed).toBe(false);
    expect(await server.shutdown({ timeout: 0 })).toEqual({ idleClosed: 0, finished: 0, reset: 0 });
  });

  it("resolves a shutdown once the connections it reset have closed, whenever the runtime reports it", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const server = await serve(transport, { port: 7007, onEvent: (event) => events.push(event) });
    const socket = transport.connect();
    socket.lateReset = true;
    let settled = false;
    const done = server.shutdown({ timeout: 0 }).then((result) => {
      settled = true;
      return result;
    });
    await vi.waitFor(() => expect(socket.state).toBe("reset"));
    await Promise.resolve();
    expect(settled).toBe(false);
    socket.finishClose();
    expect(await done).toEqual({ idleClosed: 0, finished: 0, reset: 1 });
    expect(server.connectionCount).toBe(0);
    expect(events.map((event) => event.type)).toEqual(["listening", "open", "shutdown", "close", "shutdown"]);
  });

  it("closes an idle connection with a FIN after the quiet period instead of waiting for the timeout", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const server = await serve(transport, { port: 7007, onEvent: (event) => events.push(event) });
    const idle = transport.connect();
    idle.receive("echoed already");
    const done = server.shutdown({ timeout: 10_000 });
    await vi.advanceTimersByTimeAsync(249);
    expect(idle.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(idle.calls).toEqual(["close"]);
    idle.finishClose();
    expect(await done).toEqual({ idleClosed: 1, finished: 0, reset: 0 });
    expect(events.find((event) => event.type === "close")).toMatchObject({ reason: "shutdown-idle" });
    expect(events.at(-1)).toEqual({ type: "shutdown", phase: "end", idleClosed: 1, finished: 0, reset: 0 });
  });

  it("leaves a connection with bytes in flight open until they are sent and it has been quiet for 2 s", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    const busy = transport.connect();
    busy.full = true;
    busy.receive("not sent yet");
    const done = server.shutdown({ timeout: 10_000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(busy.calls).toEqual([]);
    busy.full = false;
    busy.events.onWritable();
    expect(busy.text()).toBe("not sent yet");
    // Busy during the shutdown: idle only after eight quiet periods of silence (2 s from its last byte).
    await vi.advanceTimersByTimeAsync(750);
    expect(busy.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(250);
    expect(busy.calls).toEqual(["close"]);
    busy.finishClose();
    expect(await done).toEqual({ idleClosed: 1, finished: 0, reset: 0 });
  });

  it("with quietPeriod 0 waits for every connection to end by itself", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const server = await serve(transport, { port: 7007 });
    const idle = transport.connect();
    const done = server.shutdown({ timeout: 1000, quietPeriod: 0 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await done).toEqual({ idleClosed: 0, finished: 0, reset: 1 });
    expect(idle.calls).toEqual(["reset"]);
  });

  it("passes the transport's listen error through unchanged", async () => {
    const transport = new FakeTransport();
    const failure = new Error("boom");
    transport.failWith = failure;
    await expect(serve(transport, { port: 7007 })).rejects.toBe(failure);
  });

  it("reports accept errors and keeps listening", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    await serve(transport, { port: 7007, onEvent: (event) => events.push(event) });
    const error = Object.assign(new Error("too many open files"), { code: "EMFILE" });
    transport.acceptError(error);
    expect(events.at(-1)).toEqual({ type: "accept-error", error });
    expect(() => transport.connect()).not.toThrow();
  });

  it("rejects an option nothing reads, naming it, before listening", async () => {
    const transport = new FakeTransport();
    await expect(serve(transport, { port: 7007, prot: 7 } as never)).rejects.toThrow(
      "Cannot serve: unknown option 'prot' (known: host, port, reuseAddress, family, reusePort, backlog, highWaterMark, " +
        "handler, maxConnections, idleTimeout, onEvent, events, greeting, signal)",
    );
    expect(transport.requests).toEqual([]);
  });

  it("fails an explicit backlog where the transport cannot pass it on, and accepts the default", async () => {
    const transport = new FakeTransport();
    transport.unsupported = { backlog: "no backlog here" };
    await expect(serve(transport, { port: 7007, backlog: 64 })).rejects.toMatchObject({
      code: "ERR_UNSUPPORTED_OPTION",
      option: "backlog",
      runtime: "fake",
      reason: "no backlog here",
    });
    await expect(serve(transport, { port: 7007 })).resolves.toBeDefined();
  });

  it("shuts down when its signal is aborted", async () => {
    const transport = new FakeTransport();
    const controller = new AbortController();
    const events: ServerEvent[] = [];
    await serve(transport, { port: 7007, signal: controller.signal, onEvent: (event) => events.push(event) });
    controller.abort();
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: "shutdown", phase: "end" }));
    expect(transport.closed).toBe(true);
  });

  it("reports the reason a handler gave close() in the close event", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    await serve(transport, {
      port: 7007,
      handler: { onData: (connection) => connection.close("said-goodbye") },
      onEvent: (event) => events.push(event),
    });
    const socket = transport.connect();
    socket.receive("bye");
    socket.finishClose();
    expect(events.at(-1)).toMatchObject({ type: "close", reason: "said-goodbye", bytesIn: 3, bytesOut: 0 });
  });

  it("sends the greeting once when a connection opens, before the echo", async () => {
    const transport = new FakeTransport();
    await serve(transport, { port: 7007, greeting: new TextEncoder().encode("hi from test\n") });
    const socket = transport.connect();
    socket.receive("ping");
    expect(socket.text()).toBe("hi from test\nping");
  });

  it("derives the default connection limit from the open-file limit, leaving a reserve", async () => {
    const transport = new FakeTransport();
    transport.budget = { limit: 64, open: 20 };
    const server = await serve(transport, { port: 7007 });
    expect(server.maxConnections).toBe(28);
    transport.budget = { limit: 20_000, open: 30 };
    expect((await serve(transport, { port: 7007 })).maxConnections).toBe(18_970);
    transport.budget = undefined;
    expect((await serve(transport, { port: 7007 })).maxConnections).toBe(Number.POSITIVE_INFINITY);
  });

  it("keeps an explicit maxConnections above the budget and says so in an event", async () => {
    const transport = new FakeTransport();
    transport.budget = { limit: 64, open: 20 };
    const events: ServerEvent[] = [];
    const server = await serve(transport, { port: 7007, maxConnections: 100, onEvent: (event) => events.push(event) });
    expect(server.maxConnections).toBe(100);
    expect(events).toContainEqual({ type: "descriptor-limit", maxConnections: 100, allowed: 28, limit: 64 });
  });
});

describe("callbacks that throw", () => {
  it("resets the connection whose handler threw, with that error, and goes on serving", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const broken = new Error("the handler broke");
    const server = await serve(transport, {
      port: 7007,
      handler: {
        onData(connection, chunk) {
          if (new TextDecoder().decode(chunk) === "boom") throw broken;
          connection.write(chunk);
        },
      },
      onEvent: (event) => events.push(event),
    });
    const failing = transport.connect();
    const fine = transport.connect();
    failing.receive("boom");
    fine.receive("hello");
    expect(failing.state).toBe("reset");
    expect(fine.text()).toBe("hello");
    expect(server.connectionCount).toBe(1);
    expect(events.find((event) => event.type === "close")).toMatchObject({ reason: "error", error: broken });
  });

  it("resets the connection when onEnd or onDrain throws", async () => {
    const transport = new FakeTransport();
    const server = await serve(transport, {
      port: 7007,
      handler: {
        onData(connection, chunk) {
          connection.write(chunk);
        },
        onEnd() {
          throw new Error("no end");
        },
        onDrain() {
          throw new Error("no drain");
        },
      },
      highWaterMark: 1,
    });
    const ending = transport.connect();
    ending.events.onEnd();
    expect(ending.state).toBe("reset");
    const draining = transport.connect();
    draining.full = true;
    draining.receive("xy");
    draining.room = Number.POSITIVE_INFINITY;
    draining.events.onWritable();
    expect(draining.state).toBe("reset");
    expect(server.connectionCount).toBe(0);
  });

  it("resets the connection when the open event's callback throws", async () => {
    const transport = new FakeTransport();
    const server = await serve(transport, {
      port: 7007,
      onEvent(event) {
        if (event.type === "open") throw new Error("the log broke");
      },
    });
    const socket = transport.connect();
    expect(socket.state).toBe("reset");
    expect(server.connectionCount).toBe(0);
  });

  it("throws an error from a close callback again from a timer, as uncaught", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const broken = new Error("close log broke");
    await serve(transport, {
      port: 7007,
      onEvent(event) {
        if (event.type === "close") throw broken;
      },
    });
    const socket = transport.connect();
    socket.finishClose();
    expect(() => vi.runOnlyPendingTimers()).toThrow(broken);
  });
});
