import { describe, expect, it } from "vitest";
import type { AddressFamily, TcpBindOptions, Unsupported } from "../src/index.ts";
import { formatAddress, isIPv4, isIPv6, TcpEchoError } from "../src/index.ts";
import { resolveTcpBind } from "../src/transport.ts";

const capable = { runtime: { name: "test", version: "1" }, unsupported: {} };

function resolveBind(options: TcpBindOptions, family: AddressFamily, unsupported: Unsupported = {}) {
  return resolveTcpBind({ ...options, family }, { ...capable, unsupported });
}

describe("resolveTcpBind", () => {
  it.each([
    ["", "auto", "::", false],
    ["", "ipv4", "0.0.0.0", false],
    ["", "ipv6", "::", true],
    ["localhost", "auto", "127.0.0.1", false],
    ["localhost", "ipv6", "::1", true],
    ["LOCALHOST", "auto", "127.0.0.1", false],
    ["10.1.2.3", "auto", "10.1.2.3", false],
    ["::1", "auto", "::1", true],
    ["[::1]", "dual", "::1", true],
    ["::", "dual", "::", false],
  ] as const)("host %j with family %s binds %s (ipv6Only %s)", (host, family, hostname, ipv6Only) => {
    expect(resolveBind({ host, port: 7 }, family)).toMatchObject({ hostname, ipv6Only, port: 7 });
  });

  it("defaults to 127.0.0.1, port 0 and SO_REUSEADDR on", () => {
    expect(resolveBind({}, "auto")).toEqual({
      hostname: "127.0.0.1",
      port: 0,
      ipv6Only: false,
      family: "IPv4",
      reuseAddress: true,
      reusePort: false,
    });
  });

  it.each([70000, -1, 1.5, Number.NaN])("rejects port %s with ERR_INVALID_ADDRESS", (port) => {
    expect(() => resolveBind({ port }, "auto")).toThrow(TcpEchoError);
    expect(() => resolveBind({ port }, "auto")).toThrow(/is not a whole number from 0 to 65535/);
  });

  it("says a port given as a string is a string", () => {
    expect(() => resolveBind({ port: "7007" as unknown as number }, "auto")).toThrow(
      'Cannot bind: port the string "7007" (give a number) is not a whole number from 0 to 65535',
    );
  });

  it("rejects a host that is not '', localhost or an IP literal", () => {
    expect(() => resolveBind({ host: "example.com" }, "auto")).toThrow(
      `Cannot bind "example.com": use '' (all interfaces), 'localhost' or an IP address`,
    );
  });

  it("rejects a literal of the other family", () => {
    expect(() => resolveBind({ host: "127.0.0.1" }, "ipv6")).toThrow(/IPv6-only/);
    expect(() => resolveBind({ host: "::1" }, "ipv4")).toThrow(/IPv4-only/);
  });

  it("rejects a family that does not exist", () => {
    expect(() => resolveBind({}, "ip7" as AddressFamily)).toThrow(
      'Cannot bind: family "ip7" is not one of auto, ipv4, ipv6, dual',
    );
  });

  it("rejects a key it does not read, naming it", () => {
    expect(() => resolveTcpBind({ host: "::1", path: "/tmp/echo.sock" } as TcpBindOptions, capable)).toThrow(
      expect.objectContaining({
        code: "ERR_UNKNOWN_OPTION",
        option: "path",
        message: "Cannot bind: unknown option 'path' (known: host, port, reuseAddress, family, reusePort)",
      }),
    );
  });

  it("fails reuseAddress: false on a runtime that always sets SO_REUSEADDR", () => {
    const unsupported = { reuseAddressOff: "always on here" };
    expect(() => resolveBind({ reuseAddress: false }, "auto", unsupported)).toThrow(
      expect.objectContaining({
        code: "ERR_UNSUPPORTED_OPTION",
        message: "Cannot use option 'reuseAddress: false' on test: always on here",
      }),
    );
    expect(resolveBind({ reuseAddress: false }, "auto")).toMatchObject({ reuseAddress: false });
  });

  it("fails reusePort: true on a runtime without SO_REUSEPORT, and passes it on where it has it", () => {
    const unsupported = { reusePort: "needs --unstable-net" };
    expect(() => resolveBind({ reusePort: true }, "auto", unsupported)).toThrow(
      expect.objectContaining({
        code: "ERR_UNSUPPORTED_OPTION",
        message: "Cannot use option 'reusePort: true' on test: needs --unstable-net",
      }),
    );
    expect(resolveBind({ reusePort: false }, "auto", unsupported)).toMatchObject({ reusePort: false });
    expect(resolveBind({ reusePort: true }, "auto")).toMatchObject({ reusePort: true });
  });

  it("fails an IPv6-only '::' without IPV6_V6ONLY, and leaves other IPv6 binds alone", () => {
    const unsupported = { ipv6Only: "no IPV6_V6ONLY here" };
    for (const host of ["", "::"]) {
      expect(() => resolveBind({ host }, "ipv6", unsupported)).toThrow(
        `Cannot use option 'family: "ipv6"' on test: no IPV6_V6ONLY here`,
      );
    }
    expect(resolveBind({ host: "::1" }, "ipv6", unsupported)).toMatchObject({ hostname: "::1" });
    expect(resolveBind({ host: "localhost" }, "ipv6", unsupported)).toMatchObject({ hostname: "::1" });
    expect(resolveBind({ host: "" }, "dual", unsupported)).toMatchObject({ hostname: "::", ipv6Only: false });
  });
});

describe("address literals", () => {
  it("tells IPv4 from IPv6", () => {
    expect([isIPv4("127.0.0.1"), isIPv4("256.0.0.1"), isIPv4("01.2.3.4")]).toEqual([true, false, false]);
    expect([isIPv6("::1"), isIPv6("fe80::1:2"), isIPv6("::ffff:1.2.3.4"), isIPv6("1:::2")]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("brackets IPv6 hosts when formatting", () => {
    expect(formatAddress({ hostname: "::1", port: 7 })).toBe("[::1]:7");
    expect(formatAddress({ hostname: "127.0.0.1", port: 7 })).toBe("127.0.0.1:7");
  });

  it("formats each transport's address the way its users type it", () => {
    expect(formatAddress({ transport: "tcp", hostname: "::1", port: 7, family: "IPv6" })).toBe("[::1]:7");
    expect(formatAddress({ transport: "unix", path: "/run/echo.sock" })).toBe("unix:/run/echo.sock");
    expect(formatAddress({ transport: "udp", hostname: "127.0.0.1", port: 7, family: "IPv4" })).toBe(
      "udp://127.0.0.1:7",
    );
  });
});
