// UDP echo (RFC 862's datagram half) on the wire: serveDatagrams() over the runtime's udp(),
// checked by a node:dgram client with the same cases the bin runs against any UDP echo server
// (src/udp). Each echo is compared byte for byte. The guards are in udp-guards.test.ts, the
// server's life and errors in udp-lifecycle.test.ts.
import type { DatagramHandler } from "@tcp-echo/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertSameBytes,
  echoesSize,
  manySources,
  pacedDatagrams,
  patternBytes,
  resolveUdpTarget,
  UDP_SIZES,
  UdpClient,
  udpSizesCase,
} from "../src/index.ts";
import { exchangeOnce, serveUdp, type UdpEndpoint, udpCase } from "./datagrams.ts";

/** A handler that sends each datagram back three times, from the lent buffer. */
const replyThrice: DatagramHandler = (datagram, _sender, reply) => {
  reply(datagram);
  reply(datagram);
  reply(datagram);
};

describe("UDP echo over 127.0.0.1", () => {
  let endpoint: UdpEndpoint;
  beforeAll(async () => {
    endpoint = await serveUdp();
  });
  afterAll(() => endpoint.server.close());

  it.for(UDP_SIZES)("returns a %i-byte datagram whole and byte-exact", async (size, context) => {
    udpCase(context);
    await echoesSize(await resolveUdpTarget(endpoint.target), size, { localAddress: "127.0.0.1" });
    expect(endpoint.server.stats()).toMatchObject({ receiveErrors: 0, sendErrors: 0 });
  });

  it("returns 10,000 paced 64-byte datagrams (32 in flight) byte-exact, losing at most 1%", async (context) => {
    udpCase(context);
    await using paced = await serveUdp();
    const result = await pacedDatagrams(paced.target, { localAddress: "127.0.0.1" });
    context.annotate(`${result.answered} of ${result.sent} echoed, ${result.lost} lost, in ${result.ms} ms`);
    const stats = paced.server.stats();
    expect(stats.received).toBeGreaterThanOrEqual(result.answered);
    expect(stats.received).toBeLessThanOrEqual(result.sent);
    expect(stats.dropped).toEqual({ "reserved-port": 0, broadcast: 0, "rate-limit": 0, "byte-limit": 0 });
  });

  it("answers 200 sources (sockets) each with exactly its own 256 bytes", async (context) => {
    udpCase(context);
    await using sources = await serveUdp();
    await manySources(sources.target, { localAddress: "127.0.0.1" });
    expect(sources.server.stats().answered).toBeGreaterThanOrEqual(200);
  });

  it("answers bursts in order: 50 sources send 4 numbered datagrams each at once, twice, and each gets its 4 back in that order", async (context) => {
    udpCase(context);
    // 200 datagrams arrive together, the load under which an adapter may batch its sends (Bun
    // sends one at a time until it sees a turn bring several, and batches from then on: the
    // second burst); batched or not, each source's echoes go back in the order its datagrams
    // came. 200 small datagrams fit Linux's default receive buffer on the loopback: none is lost.
    await using burst = await serveUdp();
    const peer = await resolveUdpTarget(burst.target);
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => UdpClient.open({ family: peer.family, address: "127.0.0.1" })),
    );
    try {
      for (const round of [0, 1]) {
        const payloads = clients.map((_, source) =>
          Array.from({ length: 4 }, (_, sequence) => patternBytes(96, 300_000 + round * 1000 + source * 4 + sequence)),
        );
        await Promise.all(
          clients.map(async (client, source) => {
            for (const payload of payloads[source] as Uint8Array[]) await client.send(payload, peer);
          }),
        );
        await Promise.all(
          clients.map(async (client, source) => {
            for (const [sequence, payload] of (payloads[source] as Uint8Array[]).entries()) {
              const what = `echo ${sequence} of burst ${round} to source ${source} (port ${client.port})`;
              assertSameBytes(await client.receive(5000, what), payload, what);
            }
          }),
        );
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(burst.server.stats()).toMatchObject({ received: 400, answered: 400, sendErrors: 0 });
  });

  it("sends the lent datagram three times from a handler: each of 200 sources gets only its own bytes", async (context) => {
    udpCase(context);
    // Each reply is sent from the runtime's read buffer while the next datagrams arrive: a
    // buffer read into again before all three sends are done would send another source's bytes.
    await using thrice = await serveUdp({ handler: replyThrice });
    await manySources(thrice.target, { localAddress: "127.0.0.1", size: 1024 });
    expect(thrice.server.stats()).toMatchObject({ sendErrors: 0, handlerErrors: 0 });
  });

  it("sends the lent datagram three times from a handler under 10,000 paced datagrams (32 in flight): every copy byte-exact", async (context) => {
    udpCase(context);
    // Enough datagrams queue for an adapter to read several at once (Deno widens to four reads
    // in flight, each into its own buffer): a buffer read into again before its three sends
    // are done would send another datagram's bytes.
    await using thrice = await serveUdp({ handler: replyThrice });
    const result = await pacedDatagrams(thrice.target, { localAddress: "127.0.0.1", copies: 3 });
    context.annotate(`${result.answered} of ${result.sent} answered, ${result.lost} lost, in ${result.ms} ms`);
    expect(thrice.server.stats()).toMatchObject({ sendErrors: 0, handlerErrors: 0 });
  });
});

describe("UDP echo over IPv6", () => {
  it("returns datagrams of 0 to 65,527 bytes (the IPv6 maximum) whole and byte-exact over ::1", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ host: "::1" });
    expect(endpoint.server.address).toMatchObject({ hostname: "::1", family: "IPv6" });
    await udpSizesCase.run(endpoint.target, { localAddress: "::1" });
    expect(endpoint.server.stats()).toMatchObject({ receiveErrors: 0, sendErrors: 0 });
    expect(endpoint.server.stats().answered).toBeGreaterThanOrEqual(7);
  });

  it("answers 200 IPv6 sources each with exactly its own bytes", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ host: "::1" });
    await manySources(endpoint.target, { localAddress: "::1" });
  });

  it("'' binds dual-stack '::': it answers an IPv4 sender on 127.0.0.1 and an IPv6 one on ::1", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ host: "" });
    expect(endpoint.server.address).toMatchObject({ hostname: "::", family: "IPv6" });
    const port = endpoint.server.address.port;
    for (const [family, address] of [
      ["IPv4", "127.0.0.1"],
      ["IPv6", "::1"],
    ] as const) {
      const client = await UdpClient.open({ family, address });
      try {
        await client.roundTrip({ address, port, family }, new TextEncoder().encode(`dual-stack ${family}`), family);
      } finally {
        await client.close();
      }
    }
  });

  it("'::' with family 'ipv6' leaves IPv4 alone: 127.0.0.1 on the same port can be bound, and ::1 is answered", async (context) => {
    udpCase(context, "ipv6Only");
    await using endpoint = await serveUdp({ host: "::", family: "ipv6" });
    const port = endpoint.server.address.port;
    const ipv4 = await UdpClient.open({ family: "IPv4", address: "127.0.0.1", port });
    const client = await UdpClient.open({ family: "IPv6", address: "::1" });
    try {
      // The IPv4 datagram reaches the IPv4 socket on the port, not the server.
      const sender = await UdpClient.open({ family: "IPv4", address: "127.0.0.1" });
      await sender.send(new Uint8Array([4]), { address: "127.0.0.1", port, family: "IPv4" });
      expect([...(await ipv4.receive(2000, "the IPv4 datagram at the IPv4 socket"))]).toEqual([4]);
      await sender.close();
      await exchangeOnce(client, { address: "::1", port, family: "IPv6" }, new Uint8Array([6]), "an IPv6 datagram");
      expect(endpoint.server.stats().received).toBe(1);
    } finally {
      await Promise.all([ipv4.close(), client.close()]);
    }
  });
});
