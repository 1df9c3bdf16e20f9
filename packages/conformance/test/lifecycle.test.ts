import { transport } from "tcp-echo:binding";
import { createListener, ListenerClosedError, ListenerStateError } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { roundTrip, withDeadline } from "../src/index.ts";

const loopback = { host: "127.0.0.1", port: 0 };

describe("listener lifecycle", () => {
  it("starts in the created state and walks created -> bound -> listening -> closed", async () => {
    const listener = createListener(transport);
    expect(listener.state).toBe("created");
    listener.bind(loopback);
    expect(listener.state).toBe("bound");
    await listener.listen();
    expect(listener.state).toBe("listening");
    await listener.close();
    expect(listener.state).toBe("closed");
  });

  it("rejects listen before bind with ListenerStateError", async () => {
    const listener = createListener(transport);
    const error = await listener.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenerStateError);
    expect(error).toMatchObject({ code: "ERR_LISTENER_STATE", message: "Cannot listen: call bind() first" });
  });

  it("rejects a second bind with ListenerStateError", () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    expect(() => listener.bind(loopback)).toThrow(ListenerStateError);
    expect(() => listener.bind(loopback)).toThrow("Cannot bind: the listener is already bound to 127.0.0.1:0");
  });

  it("rejects accept before listen with ListenerStateError", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    const error = await listener.accept().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenerStateError);
    expect(error).toMatchObject({ code: "ERR_LISTENER_STATE" });
  });

  it("rejects accept after close with ListenerClosedError", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    await listener.listen();
    await listener.close();
    const error = await listener.accept().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenerClosedError);
    expect(error).toMatchObject({ code: "ERR_LISTENER_CLOSED" });
  });

  it("rejects listen after close with ListenerStateError", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    await listener.listen();
    await listener.close();
    await expect(listener.listen()).rejects.toBeInstanceOf(ListenerStateError);
  });

  it("reports the ephemeral port it got for port 0", async () => {
    await using listener = createListener(transport);
    listener.bind(loopback);
    const address = await listener.listen();
    expect(address.port).toBeGreaterThan(0);
    expect(address.port).toBeLessThan(65536);
    expect(listener.address).toEqual(address);
    expect(address).toMatchObject({ transport: "tcp", hostname: "127.0.0.1", family: "IPv4" });
  });

  it("accepts a connection whose addresses match both ends, and echoes through the pull API", async () => {
    await using listener = createListener(transport);
    listener.bind(loopback);
    const { port } = await listener.listen();
    const echoed = roundTrip({ host: "127.0.0.1", port }, new TextEncoder().encode("pull"), 5000);
    const connection = await withDeadline(listener.accept(), 5000, "accept()");
    expect(connection.localAddress).toMatchObject({ hostname: "127.0.0.1", port, family: "IPv4" });
    expect(connection.remoteAddress.hostname).toBe("127.0.0.1");
    for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
      if (!connection.write(chunk)) await connection.drained();
    }
    connection.close();
    expect((await echoed).toString()).toBe("pull");
  });

  it("yields connections from the async iterator and ends it at close", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    const { port } = await listener.listen();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const connection of listener) {
        seen.push(connection.remoteAddress.port);
        connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() });
        if (seen.length === 2) await listener.close();
      }
    })();
    await roundTrip({ host: "127.0.0.1", port }, new Uint8Array([1]), 5000);
    await roundTrip({ host: "127.0.0.1", port }, new Uint8Array([2]), 5000);
    await withDeadline(loop, 5000, "the async iterator to end after close()");
    expect(seen).toHaveLength(2);
    expect(listener.state).toBe("closed");
  });

  it("shuts down at the end of an `await using` scope", async () => {
    let escaped: ReturnType<typeof createListener> | undefined;
    {
      await using listener = createListener(transport);
      listener.bind(loopback);
      await listener.listen();
      escaped = listener;
    }
    expect(escaped.state).toBe("closed");
  });
});
