import { describe, expect, test } from "vitest";
import { DEFAULTS, parseCommandLine } from "../src/args.ts";
import { options, usageError } from "./helpers/command-line.ts";

const noEnv = (): undefined => undefined;

describe("parseCommandLine", () => {
  test("no arguments serve on the defaults", () => {
    expect(parseCommandLine([], noEnv)).toEqual({ kind: "serve", options: DEFAULTS, sources: new Map() });
    expect(DEFAULTS).toMatchObject({
      host: "127.0.0.1",
      port: 7007,
      shutdownTimeout: 10_000,
      shutdownQuietPeriod: 250,
      logFormat: "pretty",
    });
  });

  test("--flag value and --flag=value both set a flag", () => {
    expect(options(["--port", "0", "--host=::1"])).toMatchObject({ port: 0, host: "::1" });
  });

  test("every flag is read into its option", () => {
    const args = [
      "--host=",
      "--port=8000",
      "--backlog=64",
      "--no-reuse-address",
      "--max-connections=3",
      "--idle-timeout=300ms",
      "--shutdown-timeout=2m",
      "--shutdown-quiet-period=1s",
      "--log-format=json",
      "--quiet",
    ];
    expect(options(args)).toEqual({
      transport: { kind: "tcp" },
      host: "",
      port: 8000,
      backlog: 64,
      reuseAddress: false,
      maxConnections: 3,
      idleTimeout: 300,
      shutdownTimeout: 120_000,
      shutdownQuietPeriod: 1000,
      logFormat: "json",
      quiet: true,
    });
  });

  test("the last of --reuse-address and --no-reuse-address wins", () => {
    expect(options(["--no-reuse-address", "--reuse-address"]).reuseAddress).toBe(true);
    expect(options(["--reuse-address", "--no-reuse-address"]).reuseAddress).toBe(false);
  });

  test("the last of a repeated flag wins", () => {
    expect(options(["--port", "1", "--port", "2"]).port).toBe(2);
  });

  test("HOST and PORT are read when the flags are absent", () => {
    expect(options([], { HOST: "localhost", PORT: "9000" })).toMatchObject({ host: "localhost", port: 9000 });
  });

  test("the flags win over HOST and PORT, and a bad variable under a flag is not read", () => {
    expect(options(["--host=::1", "--port=1"], { HOST: "nope", PORT: "abc" })).toMatchObject({ host: "::1", port: 1 });
  });

  test("every boolean flag has its --no- form, and the last of a pair wins", () => {
    expect(options(["--quiet", "--no-quiet"]).quiet).toBe(false);
    expect(options(["--no-quiet", "--quiet"]).quiet).toBe(true);
    expect(options(["--proxy-protocol", "--no-proxy-protocol"]).proxyProtocol).toBeUndefined();
    expect(
      options(["--udp", "--udp-allow-reserved-ports", "--no-udp-allow-reserved-ports"]).udp?.allowReservedPorts,
    ).toBe(false);
    expect(
      options(["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-auth", "--no-tls-client-auth"]).transport,
    ).toMatchObject({ kind: "tls", clientAuth: false });
  });

  test("--help and -h print help, even beside other flags", () => {
    expect(parseCommandLine(["--help"], noEnv)).toEqual({ kind: "help" });
    expect(parseCommandLine(["--port=abc", "-h"], noEnv)).toEqual({ kind: "help" });
  });

  test("--version and -V print the version", () => {
    expect(parseCommandLine(["--version"], noEnv)).toEqual({ kind: "version" });
    expect(parseCommandLine(["-V"], noEnv)).toEqual({ kind: "version" });
  });

  test("hosts in brackets, IPv4, IPv6, localhost and '' are accepted", () => {
    for (const host of ["[::1]", "0.0.0.0", "fe80::1", "LOCALHOST", ""])
      expect(options(["--host", host]).host).toBe(host);
  });

  test.each([
    [["--port", "70000"], "invalid --port '70000': expected a whole number from 0 to 65535"],
    [["--port", "-1"], "invalid --port '-1': expected a whole number from 0 to 65535"],
    [["--port=abc"], "invalid --port 'abc': expected a whole number from 0 to 65535"],
    [["--port=1.5"], "invalid --port '1.5': expected a whole number from 0 to 65535"],
    [["--port="], "invalid --port '': expected a whole number from 0 to 65535"],
    [
      ["--host", "bad_host"],
      "invalid --host 'bad_host': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    ],
    [
      ["--host", "-x.example"],
      "invalid --host '-x.example': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    ],
    [
      ["--host", "256.1.1.1"],
      "invalid --host '256.1.1.1': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    ],
    [["--bogus"], "unknown option '--bogus'"],
    [["-x"], "unknown option '-x'"],
    [["serve"], "unexpected argument 'serve'"],
    [["--port"], "option '--port' needs a value"],
    [["--quiet=yes"], "option '--quiet' takes no value"],
    [["--idle-timeout", "5x"], "invalid --idle-timeout '5x': expected a duration such as 500ms, 30s, 2m or 1h"],
    [["--shutdown-timeout=-1s"], "invalid --shutdown-timeout '-1s': expected a duration such as 500ms, 30s, 2m or 1h"],
    [
      ["--shutdown-quiet-period=1000h"],
      "invalid --shutdown-quiet-period '1000h': at most 596h, the longest timer the runtimes keep",
    ],
    [["--max-connections", "0"], "invalid --max-connections '0': expected a whole number of 1 or more"],
    [["--backlog", "many"], "invalid --backlog 'many': expected a whole number of 1 or more"],
    [["--backlog", "0"], "invalid --backlog '0': expected a whole number of 1 or more"],
    [["--tls-cert=", "--tls-key", "k.pem"], "invalid --tls-cert '': expected the path of a PEM file"],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem"],
      "--tls-ca is read only with --tls-client-auth: add it to require client certificates, or drop --tls-ca",
    ],
    [
      ["--udp", "--no-tcp", "--max-connections", "5"],
      "--max-connections applies to TCP connections, and --no-tcp serves none",
    ],
    [
      ["--udp", "--no-tcp", "--idle-timeout", "5s"],
      "--idle-timeout applies to TCP connections, and --no-tcp serves none",
    ],
    [["--udp", "--no-tcp", "--greeting", "hi"], "--greeting applies to TCP connections, and --no-tcp serves none"],
    [["--log-format", "xml"], "invalid --log-format 'xml': expected pretty or json"],
    [
      ["--greeting", "hi {name}"],
      "invalid --greeting: unknown placeholder {name}; known: {host}, {pid}, {runtime}, {pod}",
    ],
  ])("%j is a usage error", (args, message) => {
    expect(usageError(args)).toBe(message);
  });

  test("a bad PORT or HOST is a usage error naming the variable", () => {
    expect(usageError([], { PORT: "abc" })).toBe(
      "invalid PORT environment variable 'abc': expected a whole number from 0 to 65535",
    );
    expect(usageError([], { HOST: "no pe" })).toBe(
      "invalid HOST environment variable 'no pe': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    );
  });
});

describe("parseCommandLine: transports", () => {
  test("--unix picks a unix socket, with --unix-mode in octal, and HOST and PORT are not read", () => {
    expect(options(["--unix", "/tmp/echo.sock", "--unix-mode", "0660"], { HOST: "bad host", PORT: "x" })).toMatchObject(
      { transport: { kind: "unix", path: "/tmp/echo.sock", mode: 0o660 } },
    );
    expect(options(["--unix=@echo"]).transport).toEqual({ kind: "unix", path: "@echo", mode: undefined });
    expect(options(["--unix=/tmp/e.sock", "--unix-mode=600"]).transport).toMatchObject({ mode: 0o600 });
  });

  test("--tls-cert and --tls-key pick TLS, with the CA, client auth and handshake timeout", () => {
    expect(options(["--tls-cert", "c.pem", "--tls-key", "k.pem"]).transport).toEqual({
      kind: "tls",
      certFile: "c.pem",
      keyFile: "k.pem",
      caFile: undefined,
      clientAuth: false,
      handshakeTimeout: 10_000,
    });
    const args = [
      "--tls-cert=c.pem",
      "--tls-key=k.pem",
      "--tls-ca=ca.pem",
      "--tls-client-auth",
      "--handshake-timeout=2s",
    ];
    expect(options(args).transport).toMatchObject({ caFile: "ca.pem", clientAuth: true, handshakeTimeout: 2000 });
  });

  test.each([
    [
      ["--unix", "/tmp/e.sock", "--port", "7"],
      "--unix cannot be combined with --port: a unix socket has no host, port or TLS",
    ],
    [
      ["--host", "::1", "--unix", "/tmp/e.sock"],
      "--unix cannot be combined with --host: a unix socket has no host, port or TLS",
    ],
    [
      ["--unix", "/tmp/e.sock", "--tls-cert", "c.pem"],
      "--unix cannot be combined with --tls-cert: a unix socket has no host, port or TLS",
    ],
    [
      ["--unix", "/tmp/e.sock", "--no-reuse-address"],
      "--no-reuse-address applies to TCP; a unix socket has no SO_REUSEADDR",
    ],
    [["--unix="], "invalid --unix '': expected a socket path such as /tmp/echo.sock, or @name"],
    [["--unix-mode", "0660"], "--unix-mode needs --unix PATH"],
    [
      ["--unix", "/tmp/e.sock", "--unix-mode", "0999"],
      "invalid --unix-mode '0999': expected octal permission bits such as 0660 or 600",
    ],
    [["--tls-cert", "c.pem"], "--tls-cert needs both --tls-cert FILE and --tls-key FILE"],
    [["--tls-client-auth"], "--tls-client-auth needs both --tls-cert FILE and --tls-key FILE"],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-auth"],
      "--tls-client-auth needs --tls-ca FILE, the authorities client certificates must chain to",
    ],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--handshake-timeout", "soon"],
      "invalid --handshake-timeout 'soon': expected a duration such as 500ms, 30s, 2m or 1h",
    ],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--handshake-timeout", "0"],
      "invalid --handshake-timeout '0': expected more than 0",
    ],
  ])("%j is a usage error: %s", (args, message) => {
    expect(usageError(args)).toBe(message);
  });
});
