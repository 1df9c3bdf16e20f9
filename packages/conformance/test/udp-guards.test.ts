// The guards that make a UDP echo safe to expose: no answer to the source ports of services
// that answer everything (a loop), a token bucket per sender address (a flood from one address
// is capped, others go on being answered), a bounded table of buckets (spoofed addresses cannot
// grow memory), and what was dropped reported as a periodic summary.
import { describe, expect, it } from "vitest";
import {
  openOnPort,
  patternBytes,
  reservedPortsUnanswered,
  resolveUdpTarget,
  UdpClient,
  type UdpPeer,
  withDeadline,
} from "../src/index.ts";
import { arranged, exchangeOnce, serveUdp, udpCase } from "./datagrams.ts";

/** A client on `address` that counts what it receives and wakes whoever waits on the count. */
async function countingClient(address: string) {
  let received = 0;
  let bytes = 0;
  const wakers = new Set<() => void>();
  const client = await UdpClient.open({
    family: "IPv4",
    address,
    onMessage(datagram) {
      received += 1;
      bytes += datagram.length;
      for (const wake of [...wakers]) wake();
    },
  });
  return {
    client,
    get received() {
      return received;
    },
    get bytes() {
      return bytes;
    },
    /** Resolves once `ready()` holds, checked now and at each datagram; rejects after `ms`. */
    until(ready: () => boolean, ms: number, what: string): Promise<void> {
      return withDeadline(
        new Promise<void>((resolve) => {
          const check = () => {
            if (!ready()) return;
            wakers.delete(check);
            resolve();
          };
          wakers.add(check);
          check();
        }),
        ms,
        what,
      );
    },
  };
}

/**
 * Floods `peer` from `flooder`: `bursts` bursts of `burst` datagrams of `size` bytes, each as
 * fast as the socket takes them, and after each a datagram from `other` that must be answered.
 * Its answer also shows that the server has read the burst, so the next one never overflows
 * the server's receive buffer: every datagram reaches the server, and what goes unanswered was
 * refused by the server, not dropped by the kernel.
 */
async function flood(
  flooder: UdpClient,
  other: UdpClient,
  peer: UdpPeer,
  { bursts, burst, size }: { bursts: number; burst: number; size: number },
): Promise<void> {
  const payload = patternBytes(size, 31);
  for (let round = 0; round < bursts; round++) {
    await Promise.all(Array.from({ length: burst }, () => flooder.send(payload, peer)));
    await other.roundTrip(
      peer,
      patternBytes(size, 1000 + round),
      `a datagram from ${other.socket.address().address} after burst ${round + 1}`,
    );
  }
}

describe("source ports", () => {
  it("gets no answer from source ports 7 and 19 while an ordinary port right after is answered, and counts them", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp();
    await arranged(context, () => reservedPortsUnanswered(endpoint.target, { localAddress: "127.0.0.1" }));
    const stats = endpoint.server.stats();
    // The ordinary port's datagram is sent again if its echo is slow: count what was dropped.
    expect(stats.dropped).toEqual({ "reserved-port": 2, broadcast: 0, "rate-limit": 0, "byte-limit": 0 });
    expect(stats.received).toBe(stats.answered + 2);
  });

  it("gets no answer from the other reserved source ports either: 13 (daytime), 17 (qotd) and 37 (time)", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp();
    const ports = [13, 17, 37];
    await arranged(context, () => reservedPortsUnanswered(endpoint.target, { localAddress: "127.0.0.1", ports }));
    expect(endpoint.server.stats().dropped["reserved-port"]).toBe(ports.length);
  });

  it("on dual-stack '::', gets no answer from IPv4 source ports 7 and 19 either (IPv4-mapped senders)", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ host: "" });
    const target = { udp: true, host: "127.0.0.1", port: endpoint.server.address.port } as const;
    await arranged(context, () => reservedPortsUnanswered(target, { localAddress: "127.0.0.1" }));
    expect(endpoint.server.stats().dropped["reserved-port"]).toBe(2);
  });

  it("with allowReservedPorts: true, answers source port 7", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ allowReservedPorts: true });
    const peer = await resolveUdpTarget(endpoint.target);
    await arranged(context, async () => {
      const client = await openOnPort("IPv4", 7, "127.0.0.1");
      try {
        await client.roundTrip(peer, patternBytes(64, 7), "a datagram from source port 7");
      } finally {
        await client.close();
      }
    });
    expect(endpoint.server.stats().dropped["reserved-port"]).toBe(0);
  });
});

describe("per-sender rate limit", () => {
  it("caps a source sending 20x datagramsPerSecond near its bucket's worth, and answers another address all along", async (context) => {
    udpCase(context);
    const limit = 100;
    await using endpoint = await serveUdp({ rateLimit: { datagramsPerSecond: limit } });
    const peer = await resolveUdpTarget(endpoint.target);
    const flooder = await countingClient("127.0.0.1");
    const other = await UdpClient.open({ family: "IPv4", address: "127.0.0.2" });
    try {
      const started = performance.now();
      await flood(flooder.client, other, peer, { bursts: 20, burst: limit, size: 32 });
      await flooder.until(
        () => flooder.received + other.received >= endpoint.server.stats().answered,
        2000,
        "the flooder's answers",
      );
      const seconds = (performance.now() - started) / 1000;
      const stats = endpoint.server.stats();
      context.annotate(`flood of ${20 * limit}: ${flooder.received} answered in ${Math.round(seconds * 1000)} ms`);
      // Every datagram of the flood reached the server (the other address's may have been resent).
      expect(stats.received - other.received).toBeGreaterThanOrEqual(20 * limit);
      // A full bucket, plus what it refilled while the flood lasted.
      expect(flooder.received).toBeGreaterThanOrEqual(limit);
      expect(flooder.received).toBeLessThanOrEqual(limit + Math.ceil(limit * seconds) + 1);
      expect(stats.dropped["rate-limit"]).toBeGreaterThan(0);
      expect(stats.dropped["rate-limit"]).toBe(stats.received - stats.answered);
    } finally {
      await Promise.all([flooder.client.close(), other.close()]);
    }
  });

  it("caps a source sending 12x bytesPerSecond near its bucket's worth, and answers another address all along", async (context) => {
    udpCase(context);
    const bytesPerSecond = 16 * 1024;
    await using endpoint = await serveUdp({ rateLimit: { bytesPerSecond } });
    const peer = await resolveUdpTarget(endpoint.target);
    const flooder = await countingClient("127.0.0.1");
    const other = await UdpClient.open({ family: "IPv4", address: "127.0.0.2" });
    try {
      const started = performance.now();
      await flood(flooder.client, other, peer, { bursts: 4, burst: 50, size: 1024 });
      await flooder.until(
        () => flooder.received + other.received >= endpoint.server.stats().answered,
        2000,
        "the flooder's answers",
      );
      const seconds = (performance.now() - started) / 1000;
      const stats = endpoint.server.stats();
      context.annotate(`flood of 200 KiB: ${flooder.bytes} bytes answered in ${Math.round(seconds * 1000)} ms`);
      expect(stats.received - other.received).toBeGreaterThanOrEqual(200);
      expect(flooder.bytes).toBeGreaterThanOrEqual(bytesPerSecond);
      expect(flooder.bytes).toBeLessThanOrEqual(bytesPerSecond + Math.ceil(bytesPerSecond * seconds) + 1024);
      expect(stats.dropped["byte-limit"]).toBeGreaterThan(0);
      expect(stats.dropped["byte-limit"]).toBe(stats.received - stats.answered);
    } finally {
      await Promise.all([flooder.client.close(), other.close()]);
    }
  });

  it("tracks at most maxSources addresses: 300 sender addresses (127.0.1.1 to 127.0.2.44) with maxSources 64 are all answered", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ rateLimit: { maxSources: 64 } });
    const peer = await resolveUdpTarget(endpoint.target);
    const addresses = Array.from(
      { length: 300 },
      (_, index) => `127.0.${1 + ((index + 1) >> 8)}.${(index + 1) & 0xff}`,
    );
    expect([addresses[0], addresses.at(-1)]).toEqual(["127.0.1.1", "127.0.2.44"]);
    let largest = 0;
    for (let start = 0; start < addresses.length; start += 50) {
      await Promise.all(
        addresses.slice(start, start + 50).map(async (address, offset) => {
          const client = await UdpClient.open({ family: "IPv4", address });
          try {
            await client.roundTrip(peer, patternBytes(64, start + offset), `a datagram from ${address}`);
          } finally {
            await client.close();
          }
        }),
      );
      largest = Math.max(largest, endpoint.server.stats().sources);
    }
    const stats = endpoint.server.stats();
    expect(stats.answered).toBeGreaterThanOrEqual(300);
    expect(stats.received).toBe(stats.answered);
    expect(largest).toBeLessThanOrEqual(64);
    expect(stats.sources).toBeLessThanOrEqual(64);
  });
});

describe("drop summaries", () => {
  it("with summaryInterval 100, one refused datagram brings one drops event naming the reason and count, and silence brings none", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ summaryInterval: 100, rateLimit: { datagramsPerSecond: 1 } });
    const peer = await resolveUdpTarget(endpoint.target);
    const limited = await UdpClient.open({ family: "IPv4", address: "127.0.0.1" });
    const other = await UdpClient.open({ family: "IPv4", address: "127.0.0.2" });
    try {
      // Each sent once: a bucket of one a second would refuse a resend, and count it.
      await exchangeOnce(limited, peer, patternBytes(16, 1), "the first datagram, within the bucket");
      await limited.send(patternBytes(16, 2), peer);
      await exchangeOnce(
        other,
        peer,
        patternBytes(16, 3),
        "a datagram from another address, read after the refused one",
      );
      const drops = await endpoint.event("drops", 2000);
      expect(drops).toEqual({
        type: "drops",
        periodMs: 100,
        dropped: { "reserved-port": 0, broadcast: 0, "rate-limit": 1, "byte-limit": 0 },
        sendErrors: 0,
        receiveErrors: 0,
        handlerErrors: 0,
      });
      // Nothing more is dropped: an answered datagram (from a third address: each has a bucket
      // of one a second), then three intervals without a report.
      const third = await UdpClient.open({ family: "IPv4", address: "127.0.0.3" });
      await exchangeOnce(third, peer, patternBytes(16, 4), "a datagram from a third address");
      await third.close();
      await expect(endpoint.event("drops", 350, 1)).rejects.toThrow(/timed out/);
      expect(endpoint.eventsOf("drops")).toHaveLength(1);
      expect(await limited.silence(0)).toBeUndefined();
    } finally {
      await Promise.all([limited.close(), other.close()]);
    }
  });

  it("sends no drops event while nothing is dropped", async (context) => {
    udpCase(context);
    await using endpoint = await serveUdp({ summaryInterval: 100 });
    const peer = await resolveUdpTarget(endpoint.target);
    const client = await UdpClient.open({ family: "IPv4", address: "127.0.0.1" });
    try {
      await client.roundTrip(peer, patternBytes(16, 1), "a datagram");
      await expect(endpoint.event("drops", 350)).rejects.toThrow(/timed out/);
    } finally {
      await client.close();
    }
  });
});
