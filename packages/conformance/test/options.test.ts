import { tcp, transport } from "tcp-echo:binding";
import {
  type Capability,
  createListener,
  type ServeOptions,
  serve,
  type TcpAddress,
  type TcpBindOptions,
  TcpEchoError,
  UnknownOptionError,
  UnsupportedOptionError,
} from "@tcp-echo/core";
import { beforeEach, describe, expect, it, type TestContext } from "vitest";
import { allByteValues, assertSameBytes, EchoClient, roundTrip, withDeadline } from "../src/index.ts";

const loopback = { host: "127.0.0.1", port: 0 };

/** Records which capability the running case is about, for the options table. */
function about(context: TestContext, capability: Capability): string | undefined {
  context.task.meta.capability = capability;
  return transport.unsupported[capability];
}

/** Expects `error` to be the core's error for `option`, naming the option, the runtime and `reason`. */
function expectUnsupported(error: unknown, option: string, reason: string): void {
  expect(error).toBeInstanceOf(UnsupportedOptionError);
  expect(error).toBeInstanceOf(TcpEchoError);
  const runtime = transport.runtime.name;
  expect(error).toMatchObject({ code: "ERR_UNSUPPORTED_OPTION", option, runtime, reason });
  const message = (error as Error).message;
  for (const part of [option, runtime, reason]) expect(message).toContain(part);
}

/** Expects `error` to be the core's error for the unknown key `key`, naming it. */
function expectUnknown(error: unknown, key: string): void {
  expect(error).toBeInstanceOf(UnknownOptionError);
  expect(error).toMatchObject({ code: "ERR_UNKNOWN_OPTION", option: key });
  expect((error as Error).message).toContain(`'${key}'`);
}

/** What `serve()` rejects with, or undefined when it starts (the server is then shut down). */
function serveFailure(options: ServeOptions<TcpBindOptions, TcpAddress>): Promise<unknown> {
  return serve(transport, options).then(
    async (server) => {
      await server.shutdown({ timeout: 0 });
      return undefined;
    },
    (error: unknown) => error,
  );
}

/** Whatever `run` throws or rejects with, or undefined. */
async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("honest options", () => {
  beforeEach(({ task }) => {
    task.meta.unsupported = transport.unsupported;
  });

  it("serve() fails with ERR_UNKNOWN_OPTION naming a key nothing reads ('path', a unix socket's)", async () => {
    // @ts-expect-error: `path` is not a TCP bind option, which is the point.
    expectUnknown(await serveFailure({ ...loopback, path: "/tmp/x" }), "path");
  });

  it("tcp() fails with ERR_UNKNOWN_OPTION naming a key nothing reads", async () => {
    // @ts-expect-error: `bogus` is not an option of tcp(), which is the point.
    expectUnknown(await caught(() => tcp({ bogus: 1 })), "bogus");
  });

  it("listen() fails with ERR_UNKNOWN_OPTION naming a key nothing reads, and stays bound", async () => {
    const listener = createListener(transport);
    listener.bind(loopback);
    try {
      // @ts-expect-error: `bogus` is not a listen option, which is the point.
      expectUnknown(await caught(() => listener.listen({ bogus: 1 })), "bogus");
      expect(listener.state).toBe("bound");
    } finally {
      await listener.shutdown({ timeout: 0 });
    }
  });

  it("reuseAddress: false is refused at bind() where SO_REUSEADDR cannot be left off, and honoured elsewhere", async (context) => {
    const reason = about(context, "reuseAddressOff");
    const listener = createListener(transport);
    const bound = await caught(() => listener.bind({ ...loopback, reuseAddress: false }));
    if (reason !== undefined) {
      expectUnsupported(bound, "reuseAddress: false", reason);
      expect(listener.state).toBe("created");
      expectUnsupported(await serveFailure({ ...loopback, reuseAddress: false }), "reuseAddress: false", reason);
      return;
    }
    expect(bound).toBeUndefined();
    const { port } = await listener.listen({
      onConnection: (connection) =>
        connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() }),
    });
    try {
      const payload = allByteValues();
      assertSameBytes(await roundTrip({ host: "127.0.0.1", port }, payload, 5000), payload, "echo, reuseAddress off");
    } finally {
      await listener.shutdown({ timeout: 0 });
    }
  });

  it("family 'ipv6' on '' is refused at bind() where '::' cannot refuse IPv4, and refuses IPv4 clients elsewhere", async (context) => {
    const reason = about(context, "ipv6Only");
    const listener = createListener(transport);
    const bound = await caught(() => listener.bind({ host: "", port: 0, family: "ipv6" }));
    if (reason !== undefined) {
      expectUnsupported(bound, 'family: "ipv6"', reason);
      expect(listener.state).toBe("created");
      expectUnsupported(await serveFailure({ host: "::", port: 0, family: "ipv6" }), 'family: "ipv6"', reason);
      return;
    }
    expect(bound).toBeUndefined();
    const address = await listener.listen({
      onConnection: (connection) =>
        connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() }),
    });
    try {
      expect(address).toMatchObject({ hostname: "::", family: "IPv6" });
      const payload = allByteValues();
      const target = { host: "::1", port: address.port };
      assertSameBytes(await roundTrip(target, payload, 5000), payload, "IPv6 echo");
      const refused = await caught(async () =>
        (await EchoClient.connect({ host: "127.0.0.1", port: address.port })).destroy(),
      );
      expect(refused).toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await listener.shutdown({ timeout: 0 });
    }
  });

  it("an explicit backlog is refused at listen() where it cannot reach listen(2), and honoured elsewhere", async (context) => {
    const reason = about(context, "backlog");
    const listener = createListener(transport);
    listener.bind(loopback);
    const listened = await caught(() => listener.listen({ backlog: 17 }));
    try {
      if (reason !== undefined) {
        expectUnsupported(listened, "backlog", reason);
        expect(listener.state).toBe("bound");
        expectUnsupported(await serveFailure({ ...loopback, backlog: 17 }), "backlog", reason);
        return;
      }
      expect(listened).toBeUndefined();
      expect(listener.state).toBe("listening");
      const echoed = roundTrip({ host: "127.0.0.1", port: listener.address?.port ?? 0 }, allByteValues(), 5000);
      const connection = await withDeadline(listener.accept(), 5000, "accept()");
      connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() });
      assertSameBytes(await echoed, allByteValues(), "echo with backlog 17");
    } finally {
      await listener.shutdown({ timeout: 0 });
    }
  });
});
