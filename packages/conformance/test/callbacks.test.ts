import { spawn } from "node:child_process";
import { connect } from "node:net";
import { transport } from "tcp-echo:binding";
import { type Connection, createListener, type ServerEvent } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { EchoClient, withDeadline } from "../src/index.ts";
import { serveWatched } from "./serve.ts";

const loopback = { host: "127.0.0.1", port: 0 };
const text = (value: string) => new TextEncoder().encode(value);

/** Resolves with the first event of `type` that `events` receives, or rejects after `ms`. */
function eventOf<T extends ServerEvent["type"]>(type: T, ms: number) {
  let found: (event: Extract<ServerEvent, { type: T }>) => void = () => {};
  const seen = new Promise<Extract<ServerEvent, { type: T }>>((resolve) => {
    found = resolve;
  });
  return {
    onEvent(event: ServerEvent) {
      if (event.type === type) found(event as Extract<ServerEvent, { type: T }>);
    },
    seen: withDeadline(seen, ms, `a ${type} event`),
  };
}

describe("callbacks that throw, and the ends of a connection", () => {
  it("clients that reset before they are accepted do not hold up the next: 300, then an echo within 5 s", async () => {
    const { server, emptied } = await serveWatched();
    const port = server.address.port;
    // Another process, so that the resets queue up faster than this one accepts: each client
    // connects and resets straight away, four at a time, 300 in all.
    const storm = [
      "const net = require('node:net'); let left = 300;",
      "const next = () => { if (left <= 0) return; left -= 1;",
      `  const s = net.connect(${port}, '127.0.0.1'); s.on('error', () => {});`,
      "  s.on('connect', () => s.resetAndDestroy()); s.on('close', () => setImmediate(next)); };",
      "for (let i = 0; i < 4; i++) next();",
    ].join("\n");
    const child = spawn("node", ["-e", storm], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      expect(await withDeadline(exited, 20_000, "the resetting clients to finish")).toBe(0);
    } finally {
      // Never left running: a stray client loop would load the machine for every later case.
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const client = await EchoClient.connect({ host: "127.0.0.1", port });
    try {
      await client.write(text("still accepting"));
      await client.until(15, 5000);
    } finally {
      client.destroy();
    }
    await emptied(5000);
    await server.shutdown({ timeout: 0 });
  });

  it("a handler that throws resets its own connection with that error; the others go on", async () => {
    const closed = eventOf("close", 5000);
    const broken = new Error("the handler broke");
    const { server, emptied } = await serveWatched({
      handler: {
        onData(connection, chunk) {
          if (new TextDecoder().decode(chunk) === "boom") throw broken;
          connection.write(chunk);
        },
      },
      onEvent: closed.onEvent,
    });
    const target = { host: "127.0.0.1", port: server.address.port };
    const failing = await EchoClient.connect(target);
    const fine = await EchoClient.connect(target);
    try {
      await failing.write(text("boom"));
      expect(await closed.seen).toMatchObject({ reason: "error", error: broken });
      await failing.untilEnd(5000);
      await fine.write(text("still here"));
      await fine.until(10, 5000);
      expect(fine.bytes().toString()).toBe("still here");
      expect(server.connectionCount).toBe(1);
    } finally {
      failing.destroy();
      fine.destroy();
    }
    await emptied(5000);
    await server.shutdown({ timeout: 0 });
  });

  it("an onConnection that throws resets that connection, and the listener keeps accepting", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    let first = true;
    const closes: (Error | undefined)[] = [];
    let released: () => void = () => {};
    const firstReleased = new Promise<void>((resolve) => {
      released = resolve;
    });
    const { port } = await listener.listen({
      onConnection(connection) {
        if (first) {
          first = false;
          throw new Error("not this one");
        }
        connection.handle({ onData: (self, chunk) => self.write(chunk) });
      },
      onConnectionClose(_connection, error) {
        closes.push(error);
        released();
      },
    });
    // The reset may come before the client's connect() settles: a bare socket, errors ignored.
    const refused = connect({ host: "127.0.0.1", port });
    refused.on("error", () => {});
    try {
      await withDeadline(firstReleased, 5000, "the first connection to close");
      const served = await EchoClient.connect({ host: "127.0.0.1", port });
      try {
        await served.write(text("echo"));
        await served.until(4, 5000);
      } finally {
        served.destroy();
      }
      expect(closes.map((error) => error?.message)).toEqual(["not this one"]);
    } finally {
      refused.destroy();
      await listener.shutdown({ timeout: 0 });
    }
  });

  it("after the server half-closes, the client's end still reaches onEnd before onClose", async () => {
    const calls: string[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const { server } = await serveWatched({
      handler: {
        onData(connection: Connection, chunk) {
          calls.push(`data ${chunk.byteLength}`);
          connection.write(text("ok"));
          connection.closeWrite();
        },
        onEnd(connection) {
          calls.push("end");
          connection.close();
        },
        onClose(_connection, error) {
          calls.push(`close${error === undefined ? "" : ` ${error.message}`}`);
          done();
        },
      },
    });
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port });
    try {
      await client.write(text("abc"));
      expect((await client.untilEnd(5000)).toString()).toBe("ok");
      client.end();
      await withDeadline(finished, 5000, "the connection to close");
      expect(calls).toEqual(["data 3", "end", "close"]);
    } finally {
      client.destroy();
      await server.shutdown({ timeout: 0 });
    }
  });
});
