import { execFileSync } from "node:child_process";
import { transport } from "tcp-echo:binding";
import { AddressInUseError, createListener, type TcpAddress } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { allByteValues, assertSameBytes, EchoClient, roundTrip, withDeadline } from "../src/index.ts";
import { requires } from "./capability.ts";

async function echoesAt(host: string, connectTo: string): Promise<TcpAddress> {
  await using listener = createListener(transport);
  listener.bind({ host, port: 0 });
  const address = await listener.listen({
    onConnection: (connection) => connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() }),
  });
  const payload = allByteValues();
  assertSameBytes(await roundTrip({ host: connectTo, port: address.port }, payload, 5000), payload, `echo at ${host}`);
  return address;
}

describe("hosts", () => {
  it("'127.0.0.1' listens on IPv4 loopback", async () => {
    expect(await echoesAt("127.0.0.1", "127.0.0.1")).toMatchObject({ hostname: "127.0.0.1", family: "IPv4" });
  });

  it("'localhost' means the loopback", async () => {
    expect(await echoesAt("localhost", "127.0.0.1")).toMatchObject({ hostname: "127.0.0.1", family: "IPv4" });
  });

  it("'::1' listens on IPv6 loopback", async () => {
    expect(await echoesAt("::1", "::1")).toMatchObject({ hostname: "::1", family: "IPv6" });
  });

  it("'' means all interfaces", async () => {
    const address = await echoesAt("", "127.0.0.1");
    expect(["0.0.0.0", "::"]).toContain(address.hostname);
  });
});

/** `ss` rows (no header) for `filter`, e.g. `["-tanH", "state", "time-wait", "sport = :7007"]`. */
function ss(args: readonly string[]): string[] {
  return execFileSync("ss", args, { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** Leaves a connection in TIME_WAIT on the listening port (the server closes first), then closes the listener. */
async function timeWaitOn(): Promise<number> {
  const listener = createListener(transport);
  listener.bind({ host: "127.0.0.1", port: 0 });
  const { port } = await listener.listen({
    onConnection: (connection) => connection.handle({ onData: (c) => c.close() }),
  });
  const client = await EchoClient.connect({ host: "127.0.0.1", port });
  await client.write(new Uint8Array([1]));
  await client.untilEnd(5000);
  client.destroy();
  await withDeadline(client.closed, 5000, "the client to close");
  await listener.shutdown({ timeout: 5000 });
  return port;
}

describe("address options", () => {
  it("reuseAddress binds a port whose earlier connections sit in TIME_WAIT", async () => {
    const port = await timeWaitOn();
    expect(ss(["-tanH", "state", "time-wait", `sport = :${port}`]).length).toBeGreaterThan(0);
    await using listener = createListener(transport);
    listener.bind({ host: "127.0.0.1", port, reuseAddress: true });
    expect((await listener.listen()).port).toBe(port);
  });

  it("reuseAddress: false cannot bind a port in TIME_WAIT (AddressInUseError)", async (context) => {
    requires(context, "reuseAddressOff");
    const port = await timeWaitOn();
    const listener = createListener(transport);
    listener.bind({ host: "127.0.0.1", port, reuseAddress: false });
    await expect(listener.listen()).rejects.toBeInstanceOf(AddressInUseError);
  });

  it("'::' with family 'dual' accepts an IPv4 client on 127.0.0.1", async () => {
    await using listener = createListener(transport);
    listener.bind({ host: "::", port: 0, family: "dual" });
    const address = await listener.listen({
      onConnection: (connection) =>
        connection.handle({ onData: (c, chunk) => c.write(chunk), onEnd: (c) => c.close() }),
    });
    expect(address).toMatchObject({ hostname: "::", family: "IPv6" });
    const payload = allByteValues();
    assertSameBytes(await roundTrip({ host: "127.0.0.1", port: address.port }, payload, 5000), payload, "IPv4 echo");
  });

  it("'::' with family 'ipv6' refuses an IPv4 client", async (context) => {
    requires(context, "ipv6Only");
    await using listener = createListener(transport);
    listener.bind({ host: "::", port: 0, family: "ipv6" });
    const { port } = await listener.listen();
    const error = await EchoClient.connect({ host: "127.0.0.1", port }).then(
      (client) => {
        client.destroy();
        return undefined;
      },
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("listen({ backlog: 17 }) reaches the kernel: the listening socket's queue limit is 17", async (context) => {
    requires(context, "backlog");
    await using listener = createListener(transport);
    listener.bind({ host: "127.0.0.1", port: 0 });
    const { port } = await listener.listen({ backlog: 17 });
    const rows = ss(["-ltnH", `sport = :${port}`]);
    expect(rows).toHaveLength(1);
    // State, Recv-Q, Send-Q: for a listening socket Send-Q is the backlog.
    expect(rows[0]?.trim().split(/\s+/)[2]).toBe("17");
  });
});
