import { afterEach, describe, expect, it, vi } from "vitest";
import {
  formatAddress,
  InvalidOptionError,
  ProxyHeaderParser,
  type ProxyHeaderStep,
  parseProxyHeader,
  proxyProtocol,
  type ServerEvent,
  type StreamTransport,
  serve,
  type TcpEchoError,
  type TlsTransport,
  type UnixAddress,
} from "../src/index.ts";
import { crc32c } from "../src/proxy/crc32c.ts";
import type { AcceptSink, StreamSocket } from "../src/transport.ts";
import { FakeTransport } from "./fake-transport.ts";

afterEach(() => {
  vi.useRealTimers();
});

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const ascii = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A v2 header: version/command, family/protocol, then the bytes after the length field. */
function v2(command: number, family: number, body: number[] = [], length = body.length): Uint8Array {
  return Uint8Array.of(...SIGNATURE, command, family, length >> 8, length & 0xff, ...body);
}
const IPV4_BODY = [192, 0, 2, 1, 198, 51, 100, 2, 0xc7, 0x38, 0x1b, 0x5f]; // 192.0.2.1:51000 -> 198.51.100.2:7007
const IPV6_BODY = [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ...[0xc7, 0x38, 0x1b, 0x5f],
];
const tlv = (type: number, value: number[]) => [type, value.length >> 8, value.length & 0xff, ...value];

function done(step: ProxyHeaderStep) {
  if (step.status !== "done") throw new Error(`expected done, got ${JSON.stringify(step)}`);
  return step;
}
function reason(step: ProxyHeaderStep): string {
  if (step.status !== "error") throw new Error(`expected an error, got ${step.status}`);
  return step.reason;
}
function withRest(header: Uint8Array, rest: string): Uint8Array {
  const bytes = new Uint8Array(header.byteLength + rest.length);
  bytes.set(header);
  bytes.set(ascii(rest), header.byteLength);
  return bytes;
}

describe("parseProxyHeader: valid v1 headers", () => {
  it("reads TCP4 with its addresses and ports, and returns the bytes after the CRLF", () => {
    const step = done(parseProxyHeader(ascii("PROXY TCP4 192.0.2.1 198.51.100.2 51000 7007\r\nhello")));
    expect(step.header).toEqual({
      version: 1,
      command: "proxy",
      source: { hostname: "192.0.2.1", port: 51000, family: "IPv4" },
      destination: { hostname: "198.51.100.2", port: 7007, family: "IPv4" },
      tlvs: [],
      length: 46,
    });
    expect(text(step.rest)).toBe("hello");
  });

  it("reads TCP6 and writes its addresses in RFC 5952 form", () => {
    const step = done(parseProxyHeader(ascii("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::ffff:127.0.0.1 0 65535\r\n")));
    expect(step.header.source).toEqual({ hostname: "2001:db8::1", port: 0, family: "IPv6" });
    expect(step.header.destination).toEqual({ hostname: "::ffff:127.0.0.1", port: 65535, family: "IPv6" });
    expect(step.rest.byteLength).toBe(0);
  });

  it("takes UNKNOWN, short or with anything before the CRLF, without addresses", () => {
    expect(done(parseProxyHeader(ascii("PROXY UNKNOWN\r\n"))).header).toEqual({
      version: 1,
      command: "proxy",
      tlvs: [],
      length: 15,
    });
    const long = done(parseProxyHeader(ascii("PROXY UNKNOWN whatever \x01 here\r\nx")));
    expect(long.header.source).toBeUndefined();
    expect(text(long.rest)).toBe("x");
  });

  it("takes the longest line, 107 bytes with the CRLF, and refuses one byte more", () => {
    const max = `PROXY UNKNOWN ${"f".repeat(39)} ${"f".repeat(39)} 65535 65535\r\n`;
    expect(max).toHaveLength(107);
    expect(done(parseProxyHeader(ascii(max))).header.length).toBe(107);
    const over = `PROXY UNKNOWN ${"f".repeat(40)} ${"f".repeat(39)} 65535 65535\r\n`;
    expect(reason(parseProxyHeader(ascii(over)))).toBe("no CRLF within the first 107 bytes of the v1 line");
  });
});

describe("parseProxyHeader: valid v2 headers", () => {
  it("reads TCP over IPv4", () => {
    const step = done(parseProxyHeader(withRest(v2(0x21, 0x11, IPV4_BODY), "data")));
    expect(step.header).toEqual({
      version: 2,
      command: "proxy",
      source: { hostname: "192.0.2.1", port: 51000, family: "IPv4" },
      destination: { hostname: "198.51.100.2", port: 7007, family: "IPv4" },
      tlvs: [],
      length: 28,
    });
    expect(text(step.rest)).toBe("data");
  });

  it("reads TCP over IPv6", () => {
    const step = done(parseProxyHeader(v2(0x21, 0x21, IPV6_BODY)));
    expect(step.header.source).toEqual({ hostname: "2001:db8::1", port: 51000, family: "IPv6" });
    expect(step.header.destination).toEqual({ hostname: "::1", port: 7007, family: "IPv6" });
  });

  it("takes LOCAL with no addresses, and ignores any address block it carries", () => {
    expect(done(parseProxyHeader(v2(0x20, 0x00))).header).toEqual({
      version: 2,
      command: "local",
      tlvs: [],
      length: 16,
    });
    const withBlock = done(parseProxyHeader(withRest(v2(0x20, 0x11, IPV4_BODY), "x")));
    expect(withBlock.header).toMatchObject({ command: "local", length: 28 });
    expect(withBlock.header.source).toBeUndefined();
    expect(text(withBlock.rest)).toBe("x");
  });

  it("gives no addresses for AF_UNSPEC, AF_UNIX and UDP, so the connection's own stand", () => {
    expect(done(parseProxyHeader(v2(0x21, 0x00))).header.source).toBeUndefined();
    const unix = done(parseProxyHeader(v2(0x21, 0x31, new Array(216).fill(0x41))));
    expect(unix.header).toMatchObject({ command: "proxy", length: 232 });
    expect(unix.header.source).toBeUndefined();
    expect(done(parseProxyHeader(v2(0x21, 0x12, IPV4_BODY))).header.source).toBeUndefined();
  });

  it("reads the TLVs after the addresses and keeps copies of their values", () => {
    const body = [...IPV4_BODY, ...tlv(0x01, [0x68, 0x32]), ...tlv(0x04, []), ...tlv(0xe0, [1, 2, 3])];
    const bytes = v2(0x21, 0x11, body);
    const step = done(parseProxyHeader(bytes));
    expect(step.header.source?.hostname).toBe("192.0.2.1");
    expect(step.header.tlvs).toEqual([
      { type: 0x01, value: Uint8Array.of(0x68, 0x32) },
      { type: 0x04, value: new Uint8Array(0) },
      { type: 0xe0, value: Uint8Array.of(1, 2, 3) },
    ]);
    bytes.fill(0);
    expect(step.header.tlvs[0]?.value).toEqual(Uint8Array.of(0x68, 0x32));
  });

  it("checks a CRC32C TLV against the header", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    const bytes = v2(0x21, 0x11, [...IPV4_BODY, ...tlv(0x03, [0, 0, 0, 0])]);
    const sum = crc32c(bytes);
    bytes.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], bytes.byteLength - 4);
    expect(done(parseProxyHeader(bytes)).header.tlvs[0]?.type).toBe(0x03);
    bytes[16] = 10;
    expect(reason(parseProxyHeader(bytes))).toMatch(/^the v2 CRC32C checksum is 0x[0-9a-f]{8}, the header's is 0x/);
  });
});

describe("ProxyHeaderParser: a header split over many writes", () => {
  it.each([
    ["v1", withRest(ascii("PROXY TCP6 2001:db8::1 ::1 51000 7007\r\n"), "after")],
    ["v2 with TLVs", withRest(v2(0x21, 0x21, [...IPV6_BODY, ...tlv(0x02, Array.from(ascii("example.com")))]), "after")],
  ])("reads a %s header fed one byte at a time, and the rest from the last write", (_, bytes) => {
    const parser = new ProxyHeaderParser();
    const steps: ProxyHeaderStep[] = [];
    for (let i = 0; i < bytes.byteLength; i++) {
      const chunk = bytes.slice(i, i + 1);
      const step = parser.push(chunk);
      steps.push(step);
      if (step.status === "done") {
        // The rest of the byte that completed the header is empty; the data comes in later writes.
        expect(step.rest.byteLength).toBe(0);
        expect(step.header.source).toEqual({ hostname: "2001:db8::1", port: 51000, family: "IPv6" });
        expect(bytes.byteLength - (i + 1)).toBe(5);
        break;
      }
      expect(step.status).toBe("more");
    }
    expect(steps.at(-1)?.status).toBe("done");
  });

  it("keeps what was fed while incomplete, and copies it: the caller may reuse its chunks", () => {
    const parser = new ProxyHeaderParser();
    const chunk = ascii("PROXY TCP4 192.0.2.1");
    expect(parser.push(chunk).status).toBe("more");
    expect(parser.buffered).toBe(20);
    chunk.fill(0x20);
    const step = done(parser.push(ascii(" 198.51.100.2 51000 7007\r\nabc")));
    expect(step.header.source?.hostname).toBe("192.0.2.1");
    expect(text(step.rest)).toBe("abc");
  });

  it("answers every push after the end with the same step, and ignores empty chunks", () => {
    const parser = new ProxyHeaderParser();
    expect(parser.push(new Uint8Array(0)).status).toBe("more");
    const first = parser.push(ascii("PROXY UNKNOWN\r\n"));
    expect(parser.push(ascii("more"))).toBe(first);
    const failed = new ProxyHeaderParser();
    const error = failed.push(ascii("GET /"));
    expect(failed.push(ascii("PROXY UNKNOWN\r\n"))).toBe(error);
  });

  it("says more for a truncated header, v1 and v2, at every length short of complete", () => {
    for (const bytes of [ascii("PROXY TCP4 192.0.2.1 198.51.100.2 51000 7007\r\n"), v2(0x21, 0x11, IPV4_BODY)]) {
      for (let end = 1; end < bytes.byteLength; end++) {
        expect(parseProxyHeader(bytes.subarray(0, end)).status).toBe("more");
      }
    }
  });

  it("refuses a maxHeaderBytes outside 232 to 65,551", () => {
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 231 })).toThrow(InvalidOptionError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 65_552 })).toThrow(InvalidOptionError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 232 })).not.toThrow();
  });
});

describe("parseProxyHeader: malformed headers are refused with a reason, never thrown", () => {
  const v1 = (line: string) => ascii(`${line}\r\n`);
  it.each([
    [
      "a first byte of neither version",
      ascii("GET / HTTP/1.1\r\n"),
      'the first byte is 0x47, not the start of "PROXY " (v1) or of the v2 signature',
    ],
    ["a bad v1 prefix", ascii("PROXZ TCP4"), 'the v1 header does not start with "PROXY " (got "PROXZ")'],
    [
      "a v1 line over 107 bytes",
      ascii(`PROXY TCP4 ${"1".repeat(100)}`),
      "no CRLF within the first 107 bytes of the v1 line",
    ],
    ["a bare LF", ascii("PROXY UNKNOWN\n"), "the v1 line ends with a bare LF, not CRLF"],
    ["a CR without LF", ascii("PROXY UNKNOWN\rx"), "a CR in the v1 line is not followed by LF"],
    [
      "a lower-case protocol",
      v1("PROXY tcp4 1.2.3.4 1.2.3.4 1 2"),
      'the v1 protocol "tcp4" is not TCP4, TCP6 or UNKNOWN',
    ],
    [
      "an unknown protocol",
      v1("PROXY UDP4 1.2.3.4 1.2.3.4 1 2"),
      'the v1 protocol "UDP4" is not TCP4, TCP6 or UNKNOWN',
    ],
    [
      "a missing port",
      v1("PROXY TCP4 1.2.3.4 1.2.3.4 1"),
      "the v1 TCP4 line has 3 fields, not 4 (source, destination, their ports)",
    ],
    [
      "two spaces",
      v1("PROXY TCP4 1.2.3.4  1.2.3.4 1 2"),
      "the v1 TCP4 line has 5 fields, not 4 (source, destination, their ports)",
    ],
    [
      "an IPv4 part over 255",
      v1("PROXY TCP4 256.1.1.1 1.2.3.4 1 2"),
      'the v1 source address "256.1.1.1" is not an IPv4 address',
    ],
    [
      "an IPv4 leading zero",
      v1("PROXY TCP4 1.2.3.4 01.2.3.4 1 2"),
      'the v1 destination address "01.2.3.4" is not an IPv4 address',
    ],
    ["IPv6 in TCP4", v1("PROXY TCP4 ::1 1.2.3.4 1 2"), 'the v1 source address "::1" is not an IPv4 address'],
    ["IPv4 in TCP6", v1("PROXY TCP6 1.2.3.4 ::1 1 2"), 'the v1 source address "1.2.3.4" is not an IPv6 address'],
    [
      "a zone in TCP6",
      v1("PROXY TCP6 fe80::1%eth0 ::1 1 2"),
      'the v1 source address "fe80::1%eth0" is not an IPv6 address',
    ],
    ["two :: in TCP6", v1("PROXY TCP6 1::2::3 ::1 1 2"), 'the v1 source address "1::2::3" is not an IPv6 address'],
    [
      "a port over 65535",
      v1("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2"),
      'the v1 source port "65536" is not a number from 0 to 65535 without leading zeros',
    ],
    [
      "a port with a leading zero",
      v1("PROXY TCP4 1.2.3.4 1.2.3.4 1 070"),
      'the v1 destination port "070" is not a number from 0 to 65535 without leading zeros',
    ],
    [
      "a negative port",
      v1("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2"),
      'the v1 source port "-1" is not a number from 0 to 65535 without leading zeros',
    ],
    ["a bad v2 signature", Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x01), "byte 4 of the v2 signature is 0x01, not 0x00"],
    ["v2 version 1", v2(0x11, 0x11, IPV4_BODY), "the v2 header's version is 1, not 2"],
    ["v2 version 3", Uint8Array.of(...SIGNATURE, 0x31), "the v2 header's version is 3, not 2"],
    ["a v2 command of 2", v2(0x22, 0x11, IPV4_BODY), "the v2 command 0x2 is neither LOCAL nor PROXY"],
    ["a v2 family of 4", Uint8Array.of(...SIGNATURE, 0x21, 0x41), "the v2 address family 0x4 is unknown"],
    ["a v2 protocol of 3", Uint8Array.of(...SIGNATURE, 0x21, 0x13), "the v2 transport protocol 0x3 is unknown"],
    [
      "a v2 length over the limit",
      v2(0x21, 0x11, [], 5000),
      "the v2 header declares 5016 bytes, more than the 4096 accepted",
    ],
    [
      "a v2 IPv4 block too short",
      v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8]),
      "the v2 length 8 is too short for AF_INET addresses (12 bytes)",
    ],
    [
      "a v2 IPv6 block too short",
      v2(0x21, 0x21, IPV4_BODY),
      "the v2 length 12 is too short for AF_INET6 addresses (36 bytes)",
    ],
    [
      "a v2 unix block too short",
      v2(0x21, 0x31, IPV6_BODY),
      "the v2 length 36 is too short for AF_UNIX addresses (216 bytes)",
    ],
    [
      "a v2 TLV past the end",
      v2(0x21, 0x11, [...IPV4_BODY, 0x01, 0, 9, 1]),
      "the v2 TLV 0x01 at byte 28 declares 9 bytes, past the end of the header",
    ],
    [
      "a v2 TLV cut off",
      v2(0x21, 0x11, [...IPV4_BODY, 0x01, 0]),
      "a v2 TLV at byte 28 is cut off by the end of the header",
    ],
    [
      "a v2 CRC32C TLV of 2 bytes",
      v2(0x21, 0x11, [...IPV4_BODY, ...tlv(0x03, [1, 2])]),
      "the v2 CRC32C TLV holds 2 bytes, not 4",
    ],
  ])("refuses %s", (_, bytes, expected) => {
    let step: ProxyHeaderStep | undefined;
    expect(() => {
      step = parseProxyHeader(bytes);
    }).not.toThrow();
    expect(reason(step as ProxyHeaderStep)).toBe(expected);
  });

  it("refuses a v2 header over the limit as soon as its length field arrives", () => {
    const parser = new ProxyHeaderParser({ maxHeaderBytes: 300 });
    expect(parser.push(v2(0x21, 0x11, [], 285)).status).toBe("error");
    expect(parseProxyHeader(v2(0x21, 0x11, [], 284), { maxHeaderBytes: 300 }).status).toBe("more");
  });

  it("neither throws nor keeps more than the limit on random input, whole or a byte at a time", () => {
    let seed = 862;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const starts = [ascii("PROXY "), ascii("PROXY TCP4 "), ascii("PROXY TCP6 "), Uint8Array.of(...SIGNATURE, 0x21)];
    for (let round = 0; round < 2000; round++) {
      const start = starts[round % starts.length] as Uint8Array;
      const tail = Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      const bytes = Uint8Array.of(...start, ...tail);
      const whole = parseProxyHeader(bytes);
      const parser = new ProxyHeaderParser();
      let last: ProxyHeaderStep = { status: "more" };
      for (let i = 0; i < bytes.byteLength && last.status === "more"; i++) last = parser.push(bytes.subarray(i, i + 1));
      expect(last.status).toBe(whole.status);
      expect(parser.buffered).toBeLessThanOrEqual(4096);
    }
  });
});

/** A server behind proxyProtocol() over the fake transport, recording its events. */
async function proxied(options: Parameters<typeof proxyProtocol>[1] = {}) {
  const transport = new FakeTransport();
  const events: ServerEvent[] = [];
  const server = await serve(proxyProtocol(transport, options), { port: 7007, onEvent: (event) => events.push(event) });
  return { transport, events, server };
}
const acceptErrors = (events: ServerEvent[]) =>
  events.flatMap((event) => (event.type === "accept-error" ? [event.error as TcpEchoError] : []));

describe("proxyProtocol", () => {
  it("hands the connection on once the header is in, with the header's addresses, and echoes only what follows", async () => {
    const { transport, events } = await proxied();
    const socket = transport.connect();
    expect(events.map((event) => event.type)).toEqual(["listening"]);
    socket.receive("PROXY TCP4 192.0.2.1 198.51.100.2 51000 ");
    expect(events.map((event) => event.type)).toEqual(["listening"]);
    socket.receive("7007\r\nhello ");
    socket.receive("world");
    expect(events[1]).toMatchObject({
      type: "open",
      remote: { transport: "tcp", hostname: "192.0.2.1", port: 51000, family: "IPv4" },
    });
    expect(socket.text()).toBe("hello world");
    socket.events.onEnd();
    socket.finishClose();
    expect(events[2]).toMatchObject({ type: "close", remote: { hostname: "192.0.2.1" }, bytesIn: 11, bytesOut: 11 });
  });

  it("keeps the real addresses for a v2 LOCAL header and a v1 UNKNOWN one", async () => {
    const { transport, events } = await proxied();
    transport.connect().receive(v2(0x20, 0x00));
    transport.connect().receive(ascii("PROXY UNKNOWN\r\n"));
    const opens = events.filter((event) => event.type === "open");
    expect(
      opens.map((event) => event.type === "open" && event.remote.transport === "tcp" && event.remote.port),
    ).toEqual([50_000, 50_001]);
  });

  it("closes a connection with a malformed header, reports it as an accept error and never hands it on", async () => {
    const { transport, events } = await proxied();
    const socket = transport.connect();
    socket.receive("GET / HTTP/1.1\r\n\r\n");
    expect(socket.calls).toEqual(["close"]);
    expect(socket.text()).toBe("");
    socket.receive("more garbage");
    socket.events.onEnd();
    expect(socket.calls).toEqual(["close"]);
    socket.finishClose();
    const errors = acceptErrors(events);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe("ERR_PROXY_HEADER");
    expect(errors[0]?.message).toBe(
      'PROXY header from 127.0.0.1:50000 rejected: the first byte is 0x47, not the start of "PROXY " (v1) or of the v2 signature; closed',
    );
    expect(events.some((event) => event.type === "open" || event.type === "close")).toBe(false);
    // The server goes on serving.
    const next = transport.connect();
    next.receive("PROXY UNKNOWN\r\nok");
    expect(next.text()).toBe("ok");
  });

  it("closes a connection whose header is not complete within the timeout", async () => {
    vi.useFakeTimers();
    const { transport, events } = await proxied({ timeout: 3000 });
    const socket = transport.connect();
    socket.receive("PROXY TCP4");
    vi.advanceTimersByTime(2999);
    expect(socket.calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(socket.calls).toEqual(["close"]);
    expect(acceptErrors(events)[0]?.message).toBe(
      "PROXY header from 127.0.0.1:50000 rejected: no complete header within 3000 ms; closed",
    );
    const silent = transport.connect();
    vi.advanceTimersByTime(3000);
    expect(silent.calls).toEqual(["close"]);
    expect(acceptErrors(events)).toHaveLength(2);
  });

  it("reports a connection that ends partway through its header, and closes one that sent nothing quietly", async () => {
    const { transport, events } = await proxied();
    const partial = transport.connect();
    partial.receive("PROXY TCP");
    partial.events.onEnd();
    expect(partial.calls).toEqual(["close"]);
    expect(acceptErrors(events)[0]?.message).toBe(
      "PROXY header from 127.0.0.1:50000 rejected: the client ended the connection after 9 bytes, before the header was complete; closed",
    );
    const reset = transport.connect();
    reset.receive(Uint8Array.of(...SIGNATURE));
    reset.finishClose(new Error("ECONNRESET"));
    expect(acceptErrors(events)[1]?.message).toBe(
      "PROXY header from 127.0.0.1:50001 rejected: the connection closed after 12 bytes, before the header was complete",
    );
    const check = transport.connect();
    check.events.onEnd();
    expect(check.calls).toEqual(["close"]);
    check.finishClose();
    expect(acceptErrors(events)).toHaveLength(2);
  });

  it("lends the data after the header as the adapter lent it, and forwards the write counters", async () => {
    const transport = new FakeTransport();
    await serve(proxyProtocol(transport), {
      port: 7007,
      handler: {
        borrowsChunks: true,
        onData: (connection, chunk) => connection.write(chunk),
      },
    });
    const socket = transport.connect();
    socket.full = true;
    expect(socket.receive(withRest(ascii("PROXY UNKNOWN\r\n"), "abc"))).toBe(false);
    expect(socket.events.bytesAccepted).toBe(3);
    expect(socket.events.bytesSent).toBe(0);
    socket.full = false;
    socket.events.onWritable();
    expect(socket.events.bytesSent).toBe(3);
    expect(socket.text()).toBe("abc");
  });

  it("releases a connection over the limit that the runtime reports closed at once", async () => {
    const transport = new FakeTransport();
    const events: ServerEvent[] = [];
    const server = await serve(proxyProtocol(transport), {
      port: 7007,
      maxConnections: 1,
      onEvent: (event) => events.push(event),
    });
    const first = transport.connect();
    first.receive("PROXY UNKNOWN\r\n");
    const second = transport.connect();
    second.closesAtOnce = true;
    second.receive("PROXY UNKNOWN\r\n");
    expect(second.calls).toEqual(["close"]);
    expect(events.map((event) => event.type)).toEqual(["listening", "open", "reject"]);
    expect(server.connectionCount).toBe(1);
    first.events.onEnd();
    first.finishClose();
    expect(server.connectionCount).toBe(0);
  });

  it("resets the connections still sending a header when the listener closes", async () => {
    const { transport, events, server } = await proxied();
    const waiting = transport.connect();
    waiting.receive("PROXY ");
    await server.shutdown({ timeout: 0 });
    expect(waiting.calls).toEqual(["reset"]);
    expect(acceptErrors(events)).toHaveLength(0);
  });

  it("refuses TLS, a bad timeout and an unknown option", () => {
    const tls = { ...new FakeTransport(), kind: "stream", name: "tls" } as unknown as TlsTransport;
    const thrown = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error as TcpEchoError;
      }
      throw new Error("expected a throw");
    };
    expect(thrown(() => proxyProtocol(tls as never)).message).toMatch(/^Cannot use the PROXY protocol over tls: /);
    expect(thrown(() => proxyProtocol(new FakeTransport(), { timeout: 0 })).code).toBe("ERR_INVALID_OPTION");
    expect(thrown(() => proxyProtocol(new FakeTransport(), { timout: 1 } as never)).code).toBe("ERR_UNKNOWN_OPTION");
    expect(() => proxyProtocol(new FakeTransport(), { maxHeaderBytes: 100 })).toThrow(InvalidOptionError);
  });
});

describe("proxyProtocol over a unix socket", () => {
  it("names the socket for an unnamed client it refuses, and hands on TCP addresses from a header", async () => {
    const unix = { transport: "unix", path: "" } as const;
    const local = { transport: "unix", path: "/run/echo.sock" } as const;
    let accept: AcceptSink<UnixAddress> | undefined;
    const inner: StreamTransport<object, UnixAddress> = {
      kind: "stream",
      name: "unix",
      runtime: { name: "fake", version: "1" },
      unsupported: {},
      bind: () => ({
        description: "unix:/run/echo.sock",
        listen: async (_settings, sink) => {
          accept = sink;
          return { address: local, close: async () => {} };
        },
      }),
    };
    const errors: Error[] = [];
    const remotes: string[] = [];
    await proxyProtocol(inner)
      .bind({})
      .listen(
        { backlog: 1, highWaterMark: 1024 },
        {
          connection(socket) {
            remotes.push(formatAddress(socket.remoteAddress), formatAddress(socket.localAddress));
            return { onData: () => true, onEnd() {}, onWritable() {}, onClose() {}, bytesAccepted: 0, bytesSent: 0 };
          },
          acceptError: (error) => errors.push(error),
        },
      );
    const socket = (): StreamSocket<UnixAddress> => ({
      localAddress: local,
      remoteAddress: unix,
      send: (chunk) => chunk.byteLength,
      buffered: 0,
      sendSettled() {},
      pause() {},
      resume() {},
      closeWrite() {},
      close() {},
      reset() {},
    });
    accept?.connection(socket()).onData(ascii("nope\r\n"));
    expect(errors[0]?.message).toMatch(/^PROXY header from a client of unix:\/run\/echo\.sock rejected: /);
    accept?.connection(socket()).onData(ascii("PROXY TCP6 2001:db8::1 ::1 51000 7007\r\n"));
    accept?.connection(socket()).onData(ascii("PROXY UNKNOWN\r\n"));
    expect(remotes).toEqual(["[2001:db8::1]:51000", "[::1]:7007", "unix:", "unix:/run/echo.sock"]);
  });
});
