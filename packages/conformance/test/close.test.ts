import { connect } from "node:net";
import { transport } from "tcp-echo:binding";
import { createListener, ListenerClosedError } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { assertSameBytes, EchoClient, patternBytes, streamChunks, withDeadline } from "../src/index.ts";
import { serveWatched } from "./serve.ts";

const loopback = { host: "127.0.0.1", port: 0 };

/** Resolves with the error code a fresh connection to `port` fails with, or "connected". */
function connectOutcome(port: number): Promise<string> {
  return withDeadline(
    new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    }),
    5000,
    `a connection attempt to port ${port}`,
  );
}

/** With the `reset` capability the client sees ECONNRESET; without it, at least the close. */
async function expectResetUnlessUnsupported(client: EchoClient): Promise<void> {
  if (transport.unsupported.reset !== undefined) return;
  const error = await withDeadline(client.closed, 5000, "the client to see the reset");
  expect(error).toMatchObject({ code: "ECONNRESET" });
}

describe("close and shutdown", () => {
  it("close() stops accepting at once: a new connection is refused", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    const { port } = await listener.listen();
    await listener.close();
    expect(await connectOutcome(port)).toBe("ECONNREFUSED");
  });

  it("a pending accept() rejects with ListenerClosedError at close()", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    await listener.listen();
    const pending = listener.accept().catch((caught: unknown) => caught);
    await listener.close();
    const error = await withDeadline(pending, 1000, "the pending accept()");
    expect(error).toBeInstanceOf(ListenerClosedError);
    expect(error).toMatchObject({ code: "ERR_LISTENER_CLOSED" });
  });

  it("the same port can be listened on again right after close(), with a connection still open", async () => {
    const first = createListener(transport);
    first.bind(loopback);
    const { port } = await first.listen({ onConnection: (connection) => connection.handle({ onData: () => {} }) });
    const client = await EchoClient.connect({ host: "127.0.0.1", port });
    try {
      await first.close();
      await using second = createListener(transport);
      second.bind({ host: "127.0.0.1", port });
      expect((await second.listen()).port).toBe(port);
    } finally {
      client.destroy();
      await first.shutdown({ timeout: 0 });
    }
  });

  it("a graceful shutdown waits for an open connection to finish its echo", async () => {
    const { server } = await serveWatched();
    const payload = patternBytes(256 << 10, 3);
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      await client.write(payload);
      await client.until(payload.byteLength, 5000);
      let finished = false;
      // No quiet period: only the client's end may finish the connection, however long it pauses.
      const stopping = server.shutdown({ timeout: 10_000, quietPeriod: 0 }).then((result) => {
        finished = true;
        return result;
      });
      // The connection stays open until the client is done: shutdown must still be waiting.
      await client.write(payload);
      await client.until(2 * payload.byteLength, 5000);
      expect(finished).toBe(false);
      client.end();
      const echoed = await client.untilEnd(5000);
      assertSameBytes(echoed, Buffer.concat([payload, payload]), "echo across a graceful shutdown");
      expect(await withDeadline(stopping, 5000, "shutdown() after the last connection ended")).toEqual({
        idleClosed: 0,
        finished: 1,
        reset: 0,
      });
    } finally {
      client.destroy();
    }
  });

  it("a forced shutdown (timeout 0) cuts an echo mid-stream: the client sees the close, not the rest", async () => {
    const { server } = await serveWatched();
    const total = 64 << 20;
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port }, { keep: false });
    try {
      const writing = client.writeAll(streamChunks(total, 1 << 20));
      writing.catch(() => {});
      await client.until(1 << 20, 5000);
      expect(await withDeadline(server.shutdown({ timeout: 0 }), 5000, "shutdown()")).toEqual({
        idleClosed: 0,
        finished: 0,
        reset: 1,
      });
      await client.untilEnd(5000);
      expect(client.received).toBeLessThan(total);
      await expectResetUnlessUnsupported(client);
    } finally {
      client.destroy();
    }
  });

  it("a shutdown whose timeout expires resets the connections still open", async () => {
    const { server } = await serveWatched();
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      await client.write(patternBytes(1024, 4));
      await client.until(1024, 5000);
      const started = performance.now();
      // No quiet period: the silent connection would otherwise be closed as idle before the deadline.
      expect(await withDeadline(server.shutdown({ timeout: 300, quietPeriod: 0 }), 5000, "shutdown()")).toEqual({
        idleClosed: 0,
        finished: 0,
        reset: 1,
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(280);
      await client.untilEnd(5000);
      expect(client.received).toBe(1024);
      await expectResetUnlessUnsupported(client);
    } finally {
      client.destroy();
    }
  });

  it("a forced shutdown resolves once the connections it reset are gone", async () => {
    const closes: string[] = [];
    const { server } = await serveWatched({ onEvent: (event) => event.type === "close" && closes.push(event.reason) });
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      await client.write(patternBytes(1024, 6));
      await client.until(1024, 5000);
      expect(await withDeadline(server.shutdown({ timeout: 0 }), 5000, "shutdown()")).toEqual({
        idleClosed: 0,
        finished: 0,
        reset: 1,
      });
      expect(server.connectionCount).toBe(0);
      expect(closes).toEqual(["shutdown"]);
    } finally {
      client.destroy();
    }
  });

  it("a second shutdown() with a sooner timeout brings the deadline forward, and both settle alike", async () => {
    const { server } = await serveWatched();
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      await client.write(patternBytes(1024, 7));
      await client.until(1024, 5000);
      const first = server.shutdown({ quietPeriod: 0 });
      const second = server.shutdown({ timeout: 200 });
      const result = { idleClosed: 0, finished: 0, reset: 1 };
      expect(await withDeadline(second, 5000, "the second shutdown()")).toEqual(result);
      expect(await withDeadline(first, 1000, "the first shutdown()")).toEqual(result);
      await client.untilEnd(5000);
    } finally {
      client.destroy();
    }
  });

  it("a graceful shutdown closes a silent connection with a FIN after the quiet period, losing nothing", async () => {
    const { server } = await serveWatched();
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      const payload = patternBytes(1024, 5);
      await client.write(payload);
      await client.until(1024, 5000);
      const started = performance.now();
      expect(await withDeadline(server.shutdown({ timeout: 5000, quietPeriod: 250 }), 5000, "shutdown()")).toEqual({
        idleClosed: 1,
        finished: 0,
        reset: 0,
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(225);
      assertSameBytes(await client.untilEnd(5000), payload, "echo before an idle close");
      // A FIN, not a reset: the client ends its side too and the socket closes without an error.
      client.end();
      expect(await withDeadline(client.closed, 5000, "the client to close")).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});
