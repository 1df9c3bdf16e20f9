import { describe, expect, it } from "vitest";
import {
  type DatagramServerEvent,
  isUnicastSource,
  refuseSource,
  SourceBuckets,
  serveDatagrams,
  type TcpEchoError,
  type UdpAddress,
} from "../src/index.ts";
import {
  type DatagramEvents,
  type DatagramSocket,
  resolveUdpBind,
  type UdpAdapter,
  udpAddress,
  udpTransport,
} from "../src/transport.ts";

const runtime = { name: "test", version: "1" };
const from = (hostname: string, port: number): UdpAddress => udpAddress(hostname, port);

describe("the source guard", () => {
  it("refuses port 0 and the ports of echo, daytime, qotd, chargen and time", () => {
    for (const port of [0, 7, 13, 17, 19, 37])
      expect(refuseSource(from("192.0.2.1", port), false)).toBe("reserved-port");
    for (const port of [1, 8, 53, 123, 1024, 40000])
      expect(refuseSource(from("192.0.2.1", port), false)).toBeUndefined();
  });

  it("answers the reserved ports when allowed, never port 0", () => {
    expect(refuseSource(from("192.0.2.1", 19), true)).toBeUndefined();
    expect(refuseSource(from("192.0.2.1", 0), true)).toBe("reserved-port");
  });

  it("refuses broadcast, multicast and unspecified sources, mapped into IPv6 too", () => {
    for (const host of [
      "255.255.255.255",
      "224.0.0.1",
      "239.1.2.3",
      "240.0.0.1",
      "0.0.0.0",
      "::",
      "ff02::1",
      "FF05::2",
    ]) {
      expect([host, isUnicastSource(host)]).toEqual([host, false]);
    }
    for (const host of ["::ffff:255.255.255.255", "::ffff:224.0.0.251"]) expect(isUnicastSource(host)).toBe(false);
    for (const host of [
      "127.0.0.1",
      "10.0.0.255",
      "223.255.255.254",
      "::1",
      "fe80::1",
      "2001:db8::1",
      "::ffff:192.0.2.1",
    ]) {
      expect([host, isUnicastSource(host)]).toEqual([host, true]);
    }
    expect(refuseSource(from("ff02::1", 40000), false)).toBe("broadcast");
  });
});

describe("SourceBuckets", () => {
  it("gives each address one second's worth, then refills with time", () => {
    let now = 1000;
    const buckets = new SourceBuckets({ datagramsPerSecond: 3, bytesPerSecond: 1e9 }, () => now);
    const results = Array.from({ length: 4 }, () => buckets.take("192.0.2.1", 1));
    expect(results).toEqual([undefined, undefined, undefined, "rate-limit"]);
    expect(buckets.take("192.0.2.2", 1)).toBeUndefined();
    now += 334;
    expect(buckets.take("192.0.2.1", 1)).toBeUndefined();
    expect(buckets.take("192.0.2.1", 1)).toBe("rate-limit");
  });

  it("limits bytes, yet lets one datagram larger than a second's worth through a full bucket", () => {
    const now = 0;
    const buckets = new SourceBuckets({ datagramsPerSecond: 1000, bytesPerSecond: 1000 }, () => now);
    expect(buckets.take("a", 600)).toBeUndefined();
    expect(buckets.take("a", 600)).toBe("byte-limit");
    expect(buckets.take("b", 5000)).toBeUndefined();
    expect(buckets.take("b", 1)).toBe("byte-limit");
  });

  it("never tracks more than maxSources addresses", () => {
    const buckets = new SourceBuckets({ maxSources: 64 }, () => 0);
    for (let i = 0; i < 10_000; i++) buckets.take(`10.0.${i >> 8}.${i & 255}`, 64);
    expect(buckets.size).toBe(64);
  });

  it("reads the clock only for a new address and when a bucket runs short", () => {
    let reads = 0;
    const buckets = new SourceBuckets({ datagramsPerSecond: 100, bytesPerSecond: 1e9 }, () => {
      reads += 1;
      return 0;
    });
    for (let i = 0; i < 100; i++) expect(buckets.take("192.0.2.1", 64)).toBeUndefined();
    expect(reads).toBe(1);
    expect(buckets.take("192.0.2.1", 64)).toBe("rate-limit");
    expect(reads).toBe(2);
  });

  it("gives a source at most two seconds' worth in one instant after a silence", () => {
    let now = 0;
    const buckets = new SourceBuckets({ datagramsPerSecond: 4, bytesPerSecond: 1e9 }, () => now);
    expect([buckets.take("a", 1), buckets.take("a", 1)]).toEqual([undefined, undefined]);
    now += 10_000;
    // The two left over, then a refill of one second's worth (not ten).
    const burst = Array.from({ length: 7 }, () => buckets.take("a", 1));
    expect(burst).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, "rate-limit"]);
  });

  it("starts an address that returns after it made way with a full bucket", () => {
    const buckets = new SourceBuckets({ datagramsPerSecond: 1, maxSources: 1 }, () => 0);
    expect([buckets.take("a", 1), buckets.take("a", 1)]).toEqual([undefined, "rate-limit"]);
    expect(buckets.take("b", 1)).toBeUndefined();
    expect(buckets.size).toBe(1);
    expect([buckets.take("a", 1), buckets.take("a", 1)]).toEqual([undefined, "rate-limit"]);
  });

  it("holds a whole datagram even when the rate is under one a second", () => {
    let now = 0;
    const buckets = new SourceBuckets({ datagramsPerSecond: 0.5 }, () => now);
    expect(buckets.take("a", 1)).toBeUndefined();
    expect(buckets.take("a", 1)).toBe("rate-limit");
    now += 2000;
    expect(buckets.take("a", 1)).toBeUndefined();
  });

  it("names a misspelt limit, and refuses a limit that is not an object", () => {
    expect(() => new SourceBuckets({ datagramsPerSec: 5 } as never)).toThrow(/datagramsPerSec/);
    expect(() => new SourceBuckets(true as never)).toThrow(
      "Cannot limit the rate: rateLimit must be an object or false, not true",
    );
    expect(() => new SourceBuckets(null as never)).toThrow(TypeError);
  });

  it("rejects a limit that is not positive", () => {
    expect(() => new SourceBuckets({ datagramsPerSecond: 0 })).toThrow(
      "Cannot limit the rate: datagramsPerSecond 0 must be more than 0",
    );
  });
});

describe("resolveUdpBind", () => {
  const transport = { runtime, unsupported: {} };
  it("uses the TCP host table and refuses listen-only options", () => {
    expect(resolveUdpBind({ host: "", port: 7 }, transport)).toEqual({
      hostname: "::",
      port: 7,
      ipv6Only: false,
      family: "IPv6",
    });
    const error = (() => {
      try {
        resolveUdpBind({ host: "127.0.0.1", backlog: 5 } as never, transport);
      } catch (caught) {
        return caught as TcpEchoError;
      }
      throw new Error("expected a throw");
    })();
    expect(error.code).toBe("ERR_UNKNOWN_OPTION");
  });
});

/** A datagram socket in memory: `deliver()` plays a datagram in, `sent` records replies. */
function fakeUdp(options: { full?: boolean } = {}) {
  const sent: { data: Uint8Array; to: UdpAddress }[] = [];
  let events: DatagramEvents<UdpAddress> | undefined;
  let paused = false;
  const socket: DatagramSocket<UdpAddress> = {
    address: udpAddress("127.0.0.1", 7007),
    send(data, to) {
      sent.push({ data: data.slice(), to });
      return !options.full;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    close() {
      events?.onClose();
      return Promise.resolve();
    },
  };
  const adapter: UdpAdapter = {
    runtime,
    unsupported: {},
    open(_target, _settings, given) {
      events = given;
      return Promise.resolve(socket);
    },
  };
  return {
    transport: udpTransport(adapter),
    sent,
    get paused() {
      return paused;
    },
    get events(): DatagramEvents<UdpAddress> {
      if (events === undefined) throw new Error("not open");
      return events;
    },
  };
}

describe("serveDatagrams", () => {
  it("echoes each datagram whole to its sender, an empty one included, and lends the bytes", async () => {
    const fake = fakeUdp();
    const server = await serveDatagrams(fake.transport, { host: "127.0.0.1", port: 7007 });
    const kept = [new Uint8Array([1, 2, 3]), new Uint8Array(0)].map((data) =>
      fake.events.onMessage(data, from("127.0.0.1", 40000)),
    );
    expect(kept).toEqual([false, false]);
    expect(fake.sent.map(({ data, to }) => [[...data], to.port])).toEqual([
      [[1, 2, 3], 40000],
      [[], 40000],
    ]);
    expect(server.stats()).toMatchObject({ received: 2, answered: 2, bytesIn: 3, bytesOut: 3, sendErrors: 0 });
    await server.close();
  });

  it("counts refused datagrams by reason and answers the next ordinary sender", async () => {
    const fake = fakeUdp();
    const server = await serveDatagrams(fake.transport, { rateLimit: { datagramsPerSecond: 1 } });
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 19));
    fake.events.onMessage(new Uint8Array(1), from("255.255.255.255", 4000));
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 4000));
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 4000));
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.2", 4000));
    expect(fake.sent.map(({ to }) => to.hostname)).toEqual(["127.0.0.1", "127.0.0.2"]);
    expect(server.stats().dropped).toEqual({ "reserved-port": 1, broadcast: 1, "rate-limit": 1, "byte-limit": 0 });
    expect(server.stats().sources).toBe(2);
    await server.close();
  });

  it("counts a reply too large for one datagram as a send error, and sends nothing", async () => {
    const fake = fakeUdp();
    const events: DatagramServerEvent[] = [];
    const server = await serveDatagrams(fake.transport, {
      handler: (_datagram, _sender, reply) => reply(new Uint8Array(65_508)),
      rateLimit: false,
      onEvent: (event) => events.push(event),
    });
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 4000));
    fake.events.onMessage(new Uint8Array(1), from("::1", 4000));
    expect(fake.sent.map(({ data, to }) => [data.length, to.hostname])).toEqual([[65_508, "::1"]]);
    expect(server.stats()).toMatchObject({ sendErrors: 1, bytesOut: 65_508 });
    await server.close();
    const closed = events.find((event) => event.type === "closed");
    expect(closed).toMatchObject({ sendErrors: 1 });
  });

  it("pauses reading while the socket is full and resumes on writable", async () => {
    const fake = fakeUdp({ full: true });
    const server = await serveDatagrams(fake.transport, {});
    fake.events.onMessage(new Uint8Array(4), from("127.0.0.1", 4000));
    expect(fake.paused).toBe(true);
    fake.events.onWritable();
    expect(fake.paused).toBe(false);
    await server.close();
  });

  it("counts send errors without closing, and reports drops as one event per period", async () => {
    const fake = fakeUdp();
    const events: DatagramServerEvent[] = [];
    let wake: () => void = () => {};
    const drops = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const server = await serveDatagrams(fake.transport, {
      summaryInterval: 10,
      onEvent(event) {
        events.push(event);
        if (event.type === "drops") wake();
      },
    });
    for (let i = 0; i < 100; i++) fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 7));
    fake.events.onSendError(new Error("ECONNREFUSED"), from("127.0.0.1", 4000));
    await drops;
    await server.close();
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("listening");
    expect(types.filter((type) => type === "drops")).toHaveLength(1);
    expect(events.find((event) => event.type === "drops")).toMatchObject({
      dropped: { "reserved-port": 100, broadcast: 0, "rate-limit": 0, "byte-limit": 0 },
      sendErrors: 1,
      receiveErrors: 0,
      handlerErrors: 0,
    });
    expect(events.at(-1)).toMatchObject({ type: "closed", received: 100, answered: 0, sendErrors: 1 });
  });

  it("counts a handler that throws and a failed receive, and keeps answering", async () => {
    const fake = fakeUdp();
    let calls = 0;
    const server = await serveDatagrams(fake.transport, {
      handler(datagram, _sender, reply) {
        calls += 1;
        if (calls === 1) throw new Error("handler bug");
        reply(datagram);
      },
    });
    fake.events.onMessage(new Uint8Array(1), from("127.0.0.1", 4000));
    fake.events.onReceiveError(new Error("truncated"), from("127.0.0.1", 4000));
    fake.events.onMessage(new Uint8Array(2), from("127.0.0.1", 4000));
    expect(fake.sent).toHaveLength(1);
    expect(server.stats()).toMatchObject({ received: 2, answered: 2, handlerErrors: 1, receiveErrors: 1 });
    await server.close();
  });

  it("names its own options beside the transport's when one is unknown", async () => {
    const fake = fakeUdp();
    await expect(serveDatagrams(fake.transport, { maxConnections: 5 } as never)).rejects.toMatchObject({
      code: "ERR_UNKNOWN_OPTION",
      message: expect.stringContaining("rateLimit"),
    });
  });

  it("prints its address as udp://", () => {
    expect(fakeUdp().transport.bind({ host: "::1", port: 7 }).description).toBe("udp://[::1]:7");
  });
});

describe("SendBudget", () => {
  it("is full above the mark and writable once, when back at or under it", async () => {
    const { SendBudget } = await import("../src/transport.ts");
    let writable = 0;
    const budget = new SendBudget(100, () => writable++);
    expect([budget.take(50), budget.take(50), budget.take(1)]).toEqual([true, true, false]);
    budget.release(1);
    budget.release(50);
    expect(writable).toBe(1);
    expect(budget.take(10)).toBe(true);
    budget.release(10);
    expect(writable).toBe(1);
  });
});

describe("SenderAddresses", () => {
  it("hands back the last address for the same host and port, and a new one otherwise", async () => {
    const { SenderAddresses } = await import("../src/transport.ts");
    const senders = new SenderAddresses();
    const first = senders.of("127.0.0.1", 40000);
    expect(first).toEqual({ transport: "udp", hostname: "127.0.0.1", port: 40000, family: "IPv4" });
    expect(senders.of("127.0.0.1", 40000)).toBe(first);
    const otherPort = senders.of("127.0.0.1", 40001);
    expect(otherPort).not.toBe(first);
    expect(otherPort.port).toBe(40001);
    expect(senders.of("::1", 40001)).toEqual({ transport: "udp", hostname: "::1", port: 40001, family: "IPv6" });
    // The one before is not remembered: a run from one address is what it saves.
    expect(senders.of("127.0.0.1", 40000)).not.toBe(first);
    expect(first.port).toBe(40000);
  });

  it("makes a real address for the first datagram, even one from the empty host and port 0", async () => {
    const { SenderAddresses } = await import("../src/transport.ts");
    expect(new SenderAddresses().of("", 0)).toEqual({ transport: "udp", hostname: "", port: 0, family: "IPv4" });
  });
});

describe("ReceiveWidth", () => {
  const load = async () => (await import("../src/transport.ts")).ReceiveWidth;

  it("starts at one and probes with two after probeEvery completions", async () => {
    const ReceiveWidth = await load();
    const width = new ReceiveWidth({ max: 4, probeEvery: 5, window: 4 });
    const grew = Array.from({ length: 5 }, () => width.completed(true));
    expect(grew).toEqual([false, false, false, false, true]);
    expect(width.wanted).toBe(2);
  });

  it("widens to max when completions share turns, and narrows to one when each has its own", async () => {
    const ReceiveWidth = await load();
    const width = new ReceiveWidth({ max: 4, probeEvery: 1, window: 6 });
    width.completed(true);
    // Three turns of two completions each: queueing.
    const grew = [true, false, true, false, true, false].map((first) => width.completed(first));
    expect(grew).toEqual([false, false, false, false, false, true]);
    expect(width.wanted).toBe(4);
    // Four turns of one and one of two: 6 completions in 5 turns, under half again as many.
    const shrank = [true, true, true, true, true, false].map((first) => width.completed(first));
    expect(shrank).toEqual([false, false, false, false, false, false]);
    expect(width.wanted).toBe(1);
  });

  it("never widens with max 1", async () => {
    const ReceiveWidth = await load();
    const width = new ReceiveWidth({ max: 1, probeEvery: 2 });
    for (let i = 0; i < 10; i++) expect(width.completed(i % 2 === 0)).toBe(false);
    expect(width.wanted).toBe(1);
  });
});
