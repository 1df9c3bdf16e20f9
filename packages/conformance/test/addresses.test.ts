import { transport } from "tcp-echo:binding";
import { createListener, type TcpAddress } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { allByteValues, assertSameBytes, roundTrip } from "../src/index.ts";

async function echoesAt(host: string, connectTo: string): Promise<TcpAddress> {
  await using listener = createListener(transport);
  listener.bind({ host, port: 0 });
  const address = await listener.listen({
    onConnection: (connection) => connection.handle({ data: (c, chunk) => c.write(chunk), end: (c) => c.close() }),
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
