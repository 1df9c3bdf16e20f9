import { afterEach, describe, expect, it, vi } from "vitest";
import { formatAddress, type TcpEchoError, type TlsAddress } from "../src/index.ts";
import {
  createWithMode,
  guardHandshake,
  resolveTlsOptions,
  resolveUnixBind,
  type UnixAdapter,
  unixAddress,
  unixTransport,
} from "../src/transport.ts";

const runtime = { name: "test", version: "1" };
const linux = { runtime, unsupported: {}, maxPathBytes: 107 };
const PEM = "-----BEGIN TEST-----\n-----END TEST-----\n";

function thrown(run: () => unknown): TcpEchoError {
  try {
    run();
  } catch (error) {
    return error as TcpEchoError;
  }
  throw new Error("expected a throw");
}

describe("resolveUnixBind", () => {
  it("takes a path, a mode and an abstract @name, which the runtime gets with a leading NUL", () => {
    expect(resolveUnixBind({ path: "/run/echo.sock", mode: 0o660 }, linux)).toEqual({
      path: "/run/echo.sock",
      abstract: false,
      mode: 0o660,
    });
    expect(resolveUnixBind({ path: "@echo" }, linux)).toEqual({ path: "\0echo", abstract: true, mode: undefined });
  });

  it("counts the limit in UTF-8 bytes: 107 fit, 108 do not", () => {
    expect(resolveUnixBind({ path: `/${"a".repeat(106)}` }, linux).path).toHaveLength(107);
    const error = thrown(() => resolveUnixBind({ path: `/${"é".repeat(54)}` }, linux));
    expect(error.code).toBe("ERR_INVALID_ADDRESS");
    expect(error.message).toContain("the path is 109 bytes and a unix socket's may be at most 107 bytes");
  });

  it.each([
    [{ path: "" }, "give a path"],
    [{ path: "/a\0b" }, "cannot hold a NUL byte"],
    [{ path: "/a", mode: 0o1000 }, "is not permission bits from 0 to 0o777"],
    [{ path: "/a", mode: 1.5 }, "is not permission bits"],
    [{ path: "@a", mode: 0o600 }, "an abstract name has no file, so no mode"],
  ])("refuses %j", (options, message) => {
    const error = thrown(() => resolveUnixBind(options, linux));
    expect(error.code).toBe("ERR_INVALID_ADDRESS");
    expect(error.message).toContain(message);
  });

  it("refuses an abstract name where the runtime lacks abstractUnix, and unknown keys", () => {
    const lacking = { ...linux, unsupported: { abstractUnix: "not on this system" } };
    expect(thrown(() => resolveUnixBind({ path: "@a" }, lacking)).code).toBe("ERR_UNSUPPORTED_OPTION");
    expect(thrown(() => resolveUnixBind({ path: "/a", port: 7 } as never, linux)).code).toBe("ERR_UNKNOWN_OPTION");
  });
});

describe("unixTransport's socket file", () => {
  function adapter(kind: "socket" | "other" | "absent", live: boolean) {
    const calls: string[] = [];
    let listens = 0;
    const fake: UnixAdapter = {
      runtime,
      unsupported: {},
      maxPathBytes: 107,
      listen: (target) => {
        listens += 1;
        calls.push(`listen ${target.path}`);
        if (listens === 1 && kind !== "absent") {
          return Promise.reject(Object.assign(new Error("in use"), { code: "EADDRINUSE" }));
        }
        return Promise.resolve({ address: unixAddress(target.path), close: () => Promise.resolve() });
      },
      pathKind: () => Promise.resolve(kind),
      connects: (path) => {
        calls.push(`connect ${path}`);
        return Promise.resolve(live);
      },
      remove: (path) => {
        calls.push(`remove ${path}`);
        return Promise.resolve();
      },
    };
    return { fake, calls };
  }
  const sink = { connection: () => ({}) as never, acceptError: () => {} };
  const settings = { backlog: 511, highWaterMark: 65536 };

  it("says so when the socket's directory does not exist, and keeps other failures as they were", async () => {
    const failing = (kind: "absent" | "unknown"): UnixAdapter => ({
      ...adapter("absent", false).fake,
      listen: () => Promise.reject(Object.assign(new Error("permission denied"), { code: "EACCES" })),
      pathKind: () => Promise.resolve(kind),
    });
    const missing = await unixTransport(failing("absent"))
      .bind({ path: "/no/such/dir/s.sock" })
      .listen(settings, sink)
      .catch((e) => e);
    expect(missing).toMatchObject({
      code: "ERR_LISTEN_FAILED",
      message: "Cannot listen on unix:/no/such/dir/s.sock: the directory /no/such/dir does not exist",
    });
    const unknown = await unixTransport(failing("unknown"))
      .bind({ path: "/no/such/dir/s.sock" })
      .listen(settings, sink)
      .catch((e) => e);
    expect(unknown).toMatchObject({ code: "EACCES", message: "permission denied" });
  });

  it("removes a stale socket only after a connect to it is refused, then listens again", async () => {
    const { fake, calls } = adapter("socket", false);
    await unixTransport(fake).bind({ path: "/s" }).listen(settings, sink);
    expect(calls).toEqual(["listen /s", "connect /s", "remove /s", "listen /s"]);
  });

  it("never removes a live socket or a file that is not a socket", async () => {
    const live = adapter("socket", true);
    const error = await unixTransport(live.fake)
      .bind({ path: "/s" })
      .listen(settings, sink)
      .catch((e) => e);
    expect(error.message).toBe("Cannot listen on unix:/s: another server is accepting connections on it");
    expect(live.calls).not.toContain("remove /s");
    const other = adapter("other", false);
    const refused = await unixTransport(other.fake)
      .bind({ path: "/s" })
      .listen(settings, sink)
      .catch((e) => e);
    expect(refused.message).toBe("Cannot listen on unix:/s: the path exists and is not a socket; it was left alone");
    expect(other.calls).toEqual(["listen /s"]);
  });
});

describe("createWithMode", () => {
  it("creates under the umask that leaves the mode, and restores the umask", () => {
    let mask = 0o022;
    const umask = {
      set(next: number) {
        const previous = mask;
        mask = next;
        return previous;
      },
      read: () => mask,
    };
    expect(createWithMode(0o600, umask, () => mask)).toBe(0o177);
    expect(mask).toBe(0o022);
  });

  it("without a settable umask, refuses when the process's umask would let someone connect first", () => {
    const fixed = (mask: number) => ({
      set: () => {
        throw new Error("worker");
      },
      read: () => mask,
    });
    expect(createWithMode(0o660, fixed(0o022), () => "made")).toBe("made");
    const error = thrown(() => createWithMode(0o600, fixed(0o002), () => "made"));
    expect(error.message).toBe(
      "Cannot set the socket file's mode 0600: this thread cannot set the umask, and the process's umask 0002 would let group connect first; listen on the main thread, or start with umask 0022",
    );
  });
});

describe("resolveTlsOptions", () => {
  it("fills in TLS 1.2, a 10 s handshake timeout and noDelay where the runtime can", () => {
    expect(resolveTlsOptions({ cert: PEM, key: new TextEncoder().encode(PEM) }, linux)).toEqual({
      cert: PEM,
      key: PEM,
      ca: undefined,
      requestCert: false,
      minVersion: "TLSv1.2",
      handshakeTimeout: 10_000,
      noDelay: true,
    });
    expect(resolveTlsOptions({ cert: PEM, key: PEM }, { runtime, unsupported: { noDelay: "no" } }).noDelay).toBe(false);
  });

  it.each([
    [{ key: PEM }, "ERR_INVALID_OPTION"],
    [{ cert: "plain text", key: PEM }, "ERR_TLS_CREDENTIALS"],
    [{ cert: PEM, key: PEM, requestCert: true }, "ERR_INVALID_OPTION"],
    [{ cert: PEM, key: PEM, minVersion: "TLSv1" }, "ERR_INVALID_OPTION"],
    [{ cert: PEM, key: PEM, handshakeTimeout: 0 }, "ERR_INVALID_OPTION"],
    [{ cert: PEM, key: PEM, sni: true }, "ERR_UNKNOWN_OPTION"],
  ])("refuses %j with %s", (options, code) => {
    expect(thrown(() => resolveTlsOptions(options as never, linux)).code).toBe(code);
  });

  it("needs the capability for client certificates, TLS 1.3 only, and an explicit noDelay", () => {
    const lacking = { runtime, unsupported: { tlsClientAuth: "no", tlsMinVersion: "no", noDelay: "no" } };
    for (const options of [
      { cert: PEM, key: PEM, ca: PEM, requestCert: true },
      { cert: PEM, key: PEM, minVersion: "TLSv1.3" as const },
      { cert: PEM, key: PEM, noDelay: true },
    ]) {
      expect(thrown(() => resolveTlsOptions(options, lacking)).code).toBe("ERR_UNSUPPORTED_OPTION");
    }
  });
});

describe("guardHandshake", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const remote: TlsAddress = { transport: "tls", hostname: "::1", port: 40000, family: "IPv6" };

  it("aborts a handshake that outlasts the timeout and reports it once", () => {
    vi.useFakeTimers();
    const reports: TcpEchoError[] = [];
    let aborted = 0;
    const handshake = guardHandshake(
      remote,
      500,
      () => aborted++,
      (error) => reports.push(error),
    );
    vi.advanceTimersByTime(499);
    expect(aborted).toBe(0);
    vi.advanceTimersByTime(1);
    expect(aborted).toBe(1);
    expect(reports.map((error) => [error.code, error.message])).toEqual([
      ["ERR_TLS_HANDSHAKE", "TLS handshake with [::1]:40000 failed: no handshake within 500 ms; closed"],
    ]);
    expect(handshake.succeeded()).toBe(false);
    handshake.failed(new Error("late"));
    expect(reports).toHaveLength(1);
  });

  it("reports a failure on one line and disarms the timer", () => {
    vi.useFakeTimers();
    const reports: TcpEchoError[] = [];
    const handshake = guardHandshake(
      remote,
      500,
      () => {},
      (error) => reports.push(error),
    );
    handshake.failed(new Error("wrong version number\nat line 2"));
    vi.advanceTimersByTime(1000);
    expect(reports.map((error) => error.message)).toEqual([
      "TLS handshake with [::1]:40000 failed: wrong version number; closed",
    ]);
  });
});

describe("formatAddress", () => {
  it("prints tls:// and unix: addresses", () => {
    expect(formatAddress({ transport: "tls", hostname: "::1", port: 7443, family: "IPv6" })).toBe("tls://[::1]:7443");
    expect(formatAddress(unixAddress("\0echo"))).toBe("unix:@echo");
  });
});
