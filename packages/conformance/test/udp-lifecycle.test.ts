// A UDP echo server's life: senders that vanish before their echo, close() (immediate, the
// port free at once, totals reported), a taken port, and options it cannot honour.
import { udp } from "tcp-echo:binding";
import {
  AddressInUseError,
  serveDatagrams,
  TcpEchoError,
  UnknownOptionError,
  UnsupportedOptionError,
} from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { patternBytes, resolveUdpTarget, UdpClient } from "../src/index.ts";
import { exchangeOnce, serveUdp, udpCase, udpUnsupported } from "./datagrams.ts";

/** What `promise` rejects with, or undefined when it resolves (a server is then closed). */
async function failure(promise: Promise<{ close(): Promise<void> }>): Promise<unknown> {
  return promise.then(
    async (server) => {
      await server.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe("senders that vanish", () => {
  it("keeps answering after 500 senders close before their echo arrives", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp();
    const peer = await resolveUdpTarget(endpoint.target);
    // On an address of their own, so an echo to a closed port reaches no other test's socket.
    // After each hundred, a living sender's answer shows the server has read them (its
    // receive buffer holds a few hundred small datagrams: all 500 at once would overflow it).
    const later = await UdpClient.open({ family: "IPv4", address: "127.0.0.6" });
    try {
      for (let start = 0; start < 500; start += 100) {
        await Promise.all(
          Array.from({ length: 100 }, async (_, offset) => {
            const client = await UdpClient.open({ family: "IPv4", address: "127.0.0.5" });
            await client.send(patternBytes(64, start + offset), peer);
            await client.close();
          }),
        );
        await later.roundTrip(
          peer,
          patternBytes(64, 1000 + start),
          `a datagram from a living sender after ${start + 100}`,
        );
      }
    } finally {
      await later.close();
    }
    const stats = endpoint.server.stats();
    context.annotate(
      `answered ${stats.answered} datagrams, 500 of them to senders gone before their echo; sendErrors ${stats.sendErrors}`,
    );
    expect(endpoint.eventsOf("closed")).toEqual([]);
    // All 500 reached the server and were answered (the living sender's may have been resent).
    expect(stats.received).toBe(stats.answered);
    expect(stats.received).toBeGreaterThanOrEqual(505);
  });
});

describe("close", () => {
  it("close() releases the port at once, which binds again, and emits closed with the totals", async (context) => {
    udpCase(context);
    const endpoint = await serveUdp();
    const { port } = endpoint.server.address;
    const peer = await resolveUdpTarget(endpoint.target);
    const client = await UdpClient.open({ family: "IPv4", address: "127.0.0.1" });
    try {
      await exchangeOnce(client, peer, patternBytes(100, 1), "a datagram");
    } finally {
      await client.close();
    }
    await endpoint.server.close();
    expect(endpoint.eventsOf("closed")).toEqual([
      {
        type: "closed",
        address: endpoint.server.address,
        received: 1,
        answered: 1,
        bytesIn: 100,
        bytesOut: 100,
        dropped: { "reserved-port": 0, broadcast: 0, "rate-limit": 0, "byte-limit": 0 },
        sendErrors: 0,
        receiveErrors: 0,
        handlerErrors: 0,
        sources: 1,
      },
    ]);
    // Another program's socket, then another server, on the same port at once.
    const other = await UdpClient.open({ family: "IPv4", address: "127.0.0.1", port });
    await other.close();
    const again = await serveDatagrams(udp(), { host: "127.0.0.1", port });
    expect(again.address.port).toBe(port);
    await again.close();
    // A second close() is the first's.
    await endpoint.server.close();
    expect(endpoint.eventsOf("closed")).toHaveLength(1);
  });
});

describe("bind errors and options", () => {
  it("a port another UDP socket holds is AddressInUseError (EADDRINUSE), naming the address", async (context) => {
    udpCase(context);
    const holder = await UdpClient.open({ family: "IPv4", address: "127.0.0.1" });
    try {
      const error = await failure(serveDatagrams(udp(), { host: "127.0.0.1", port: holder.port }));
      expect(error).toBeInstanceOf(AddressInUseError);
      expect(error).toBeInstanceOf(TcpEchoError);
      expect(error).toMatchObject({
        code: "EADDRINUSE",
        message: `Cannot listen on udp://127.0.0.1:${holder.port}: address already in use`,
      });
    } finally {
      await holder.close();
    }
    // And a port a datagram server holds, for another one.
    await using first = await serveUdp();
    const error = await failure(serveDatagrams(udp(), { host: "127.0.0.1", port: first.server.address.port }));
    expect(error).toMatchObject({ code: "EADDRINUSE" });
  });

  it("serveDatagrams() and udp() fail with ERR_UNKNOWN_OPTION naming a key nothing reads", async (context) => {
    udpCase(context);
    const served = await failure(
      serveDatagrams(udp(), { host: "127.0.0.1", port: 0, path: "/tmp/echo.sock" } as never),
    );
    expect(served).toBeInstanceOf(UnknownOptionError);
    expect(served).toMatchObject({ code: "ERR_UNKNOWN_OPTION", option: "path" });
    expect((served as Error).message).toContain("'path'");
    let factory: unknown;
    try {
      udp({ highWaterMark: 1 } as never);
    } catch (error) {
      factory = error;
    }
    expect(factory).toMatchObject({ code: "ERR_UNKNOWN_OPTION", option: "highWaterMark" });
  });

  it("family 'ipv6' on '::' is refused at bind() where the runtime cannot set IPV6_V6ONLY, and binds elsewhere", async (context) => {
    udpCase(context);
    const reason = udpUnsupported.ipv6Only;
    const error = await failure(serveDatagrams(udp(), { host: "::", port: 0, family: "ipv6" }));
    if (reason === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(UnsupportedOptionError);
    expect(error).toMatchObject({ code: "ERR_UNSUPPORTED_OPTION", runtime: udp().runtime.name, reason });
  });
});
