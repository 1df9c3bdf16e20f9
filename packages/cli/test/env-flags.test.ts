import { describe, expect, test } from "vitest";
import { DEFAULTS, parseCommandLine } from "../src/args.ts";
import { flagVariable } from "../src/env-flags.ts";
import { HELP } from "../src/help.ts";
import { options, usageError } from "./helpers/command-line.ts";

describe("TCP_ECHO_* variables", () => {
  test("a flag's variable is TCP_ECHO_ and its name in capitals, dashes as underscores", () => {
    expect(flagVariable("max-connections")).toBe("TCP_ECHO_MAX_CONNECTIONS");
    expect(flagVariable("no-tcp")).toBe("TCP_ECHO_NO_TCP");
  });

  test("every flag in --help but --help and --version is read from its variable", () => {
    const flags = [...HELP.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((match) => match[1] as string);
    expect(flags).toContain("udp-summary-interval");
    const read = new Set<string>();
    parseCommandLine([], (name) => void read.add(name));
    const expected = flags.filter((flag) => flag !== "help" && flag !== "version").map(flagVariable);
    expect([...read]).toEqual(expect.arrayContaining(expected));
    expect(read).not.toContain("TCP_ECHO_HELP");
    expect(read).not.toContain("TCP_ECHO_VERSION");
  });

  test("the variables set the options the flags set", () => {
    const env = {
      TCP_ECHO_HOST: "",
      TCP_ECHO_PORT: "8000",
      TCP_ECHO_BACKLOG: "64",
      TCP_ECHO_REUSE_ADDRESS: "0",
      TCP_ECHO_MAX_CONNECTIONS: "3",
      TCP_ECHO_IDLE_TIMEOUT: "300ms",
      TCP_ECHO_SHUTDOWN_TIMEOUT: "2m",
      TCP_ECHO_SHUTDOWN_QUIET_PERIOD: "0",
      TCP_ECHO_LOG_FORMAT: "json",
      TCP_ECHO_QUIET: "1",
      TCP_ECHO_GREETING: "hi {pod}\\n",
    };
    expect(options([], env)).toEqual({
      transport: { kind: "tcp" },
      host: "",
      port: 8000,
      backlog: 64,
      reuseAddress: false,
      maxConnections: 3,
      idleTimeout: 300,
      shutdownTimeout: 120_000,
      shutdownQuietPeriod: 0,
      logFormat: "json",
      quiet: true,
      greeting: "hi {pod}\\n",
    });
  });

  test("UDP, its rates and TCP off come from their variables", () => {
    const env = {
      TCP_ECHO_UDP: "true",
      TCP_ECHO_NO_TCP: "yes",
      TCP_ECHO_UDP_RATE: "5",
      TCP_ECHO_UDP_BYTES_RATE: "1KiB",
    };
    expect(options([], env).udp).toMatchObject({ alone: true, datagramsPerSecond: 5, bytesPerSecond: 1024 });
    expect(options([], { TCP_ECHO_UDP: "1", TCP_ECHO_TCP: "0" }).udp?.alone).toBe(true);
    expect(options([], { TCP_ECHO_UDP: "0" }).udp).toBeUndefined();
  });

  test("TLS and a unix socket come from their variables", () => {
    const tls = { TCP_ECHO_TLS_CERT: "c.pem", TCP_ECHO_TLS_KEY: "k.pem", TCP_ECHO_HANDSHAKE_TIMEOUT: "2s" };
    expect(options([], tls).transport).toMatchObject({ kind: "tls", certFile: "c.pem", handshakeTimeout: 2000 });
    const unix = { TCP_ECHO_UNIX: "/tmp/e.sock", TCP_ECHO_UNIX_MODE: "0600" };
    expect(options([], unix).transport).toEqual({ kind: "unix", path: "/tmp/e.sock", mode: 0o600 });
  });

  test("a flag wins over its variable, which wins over HOST and PORT, which win over the default", () => {
    const all = { TCP_ECHO_HOST: "::1", TCP_ECHO_PORT: "2", HOST: "localhost", PORT: "3" };
    expect(options(["--host=0.0.0.0", "--port=1"], all)).toMatchObject({ host: "0.0.0.0", port: 1 });
    expect(options([], all)).toMatchObject({ host: "::1", port: 2 });
    expect(options([], { HOST: "localhost", PORT: "3" })).toMatchObject({ host: "localhost", port: 3 });
    expect(options([], {})).toMatchObject({ host: DEFAULTS.host, port: DEFAULTS.port });
    expect(options(["--log-format=pretty"], { TCP_ECHO_LOG_FORMAT: "json" }).logFormat).toBe("pretty");
  });

  test("an empty TCP_ECHO_HOST is all interfaces, over HOST", () => {
    expect(options([], { TCP_ECHO_HOST: "", HOST: "localhost" }).host).toBe("");
  });

  test("a bad variable under its flag is not read", () => {
    expect(options(["--port=1", "--quiet"], { TCP_ECHO_PORT: "x", TCP_ECHO_QUIET: "maybe" }).port).toBe(1);
  });

  test("either flag of a pair leaves both of its variables unread", () => {
    const env = { TCP_ECHO_REUSE_ADDRESS: "0", TCP_ECHO_NO_REUSE_ADDRESS: "bogus" };
    expect(options(["--reuse-address"], env).reuseAddress).toBe(true);
    expect(options(["--udp", "--tcp"], { TCP_ECHO_NO_TCP: "1" }).udp?.alone).toBe(false);
  });

  test.each(["1", "true", "TRUE", "yes", "Yes"])("boolean %j turns a flag on", (value) => {
    expect(options([], { TCP_ECHO_QUIET: value }).quiet).toBe(true);
    expect(options([], { TCP_ECHO_NO_REUSE_ADDRESS: value }).reuseAddress).toBe(false);
  });

  test.each(["0", "false", "False", "no", "NO"])("boolean %j turns a flag off, or its --no- side on", (value) => {
    expect(options([], { TCP_ECHO_QUIET: value }).quiet).toBe(false);
    expect(options([], { TCP_ECHO_REUSE_ADDRESS: value }).reuseAddress).toBe(false);
    expect(options([], { TCP_ECHO_NO_REUSE_ADDRESS: value }).reuseAddress).toBe(true);
  });

  test("--help and --version read no variable, even a bad one", () => {
    expect(parseCommandLine(["--help"], () => "bad")).toEqual({ kind: "help" });
    expect(parseCommandLine(["-V"], () => "bad")).toEqual({ kind: "version" });
  });

  test("with a unix socket, TCP_ECHO_HOST and TCP_ECHO_PORT (as the image sets them) are not read", () => {
    const image = { TCP_ECHO_HOST: "", TCP_ECHO_PORT: "7007" };
    expect(options(["--unix=/tmp/e.sock"], image).transport).toMatchObject({ kind: "unix" });
    expect(options([], { ...image, TCP_ECHO_UNIX: "@echo" }).transport).toMatchObject({ kind: "unix", path: "@echo" });
  });

  test.each([
    [{ TCP_ECHO_PORT: "x" }, "invalid TCP_ECHO_PORT 'x': expected a whole number from 0 to 65535"],
    [{ TCP_ECHO_PORT: "" }, "invalid TCP_ECHO_PORT '': expected a whole number from 0 to 65535"],
    [
      { TCP_ECHO_HOST: "no pe", HOST: "::1" },
      "invalid TCP_ECHO_HOST 'no pe': use an IP address, a host name, 'localhost' or '' (all interfaces)",
    ],
    [{ TCP_ECHO_MAX_CONNECTIONS: "0" }, "invalid TCP_ECHO_MAX_CONNECTIONS '0': expected a whole number of 1 or more"],
    [
      { TCP_ECHO_IDLE_TIMEOUT: "5x" },
      "invalid TCP_ECHO_IDLE_TIMEOUT '5x': expected a duration such as 500ms, 30s, 2m or 1h",
    ],
    [
      { TCP_ECHO_SHUTDOWN_TIMEOUT: "soon" },
      "invalid TCP_ECHO_SHUTDOWN_TIMEOUT 'soon': expected a duration such as 500ms, 30s, 2m or 1h",
    ],
    [{ TCP_ECHO_LOG_FORMAT: "xml" }, "invalid TCP_ECHO_LOG_FORMAT 'xml': expected pretty or json"],
    [
      { TCP_ECHO_GREETING: "{name}" },
      "invalid TCP_ECHO_GREETING: unknown placeholder {name}; known: {host}, {pid}, {runtime}, {pod}",
    ],
    [{ TCP_ECHO_QUIET: "maybe" }, "invalid TCP_ECHO_QUIET 'maybe': expected 1, true, yes, 0, false or no"],
    [{ TCP_ECHO_QUIET: "" }, "invalid TCP_ECHO_QUIET '': expected 1, true, yes, 0, false or no"],
    [{ TCP_ECHO_UDP: "on" }, "invalid TCP_ECHO_UDP 'on': expected 1, true, yes, 0, false or no"],
    [{ TCP_ECHO_UDP_RATE: "5" }, "TCP_ECHO_UDP_RATE needs --udp"],
    [
      { TCP_ECHO_UDP: "1", TCP_ECHO_UDP_RATE: "fast" },
      "invalid TCP_ECHO_UDP_RATE 'fast': expected a whole number of datagrams per second per sender (0 for no limit)",
    ],
    [{ TCP_ECHO_TCP: "1", TCP_ECHO_NO_TCP: "1" }, "TCP_ECHO_TCP=1 and TCP_ECHO_NO_TCP=1 disagree; set one of them"],
    [
      { TCP_ECHO_TLS_CERT: "c.pem", TCP_ECHO_TLS_KEY: "k.pem", TCP_ECHO_UDP: "1", TCP_ECHO_TCP: "0" },
      "TCP_ECHO_TCP=0 leaves nothing to serve TLS on: drop TCP_ECHO_TCP=0 or the --tls-* flags",
    ],
  ])("%j is a usage error naming the variable", (env, message) => {
    expect(usageError([], env)).toBe(message);
  });

  test("a clash between a flag and a variable names each by where it came from", () => {
    expect(usageError(["--unix=/tmp/e.sock"], { TCP_ECHO_TLS_CERT: "c.pem" })).toBe(
      "--unix cannot be combined with TCP_ECHO_TLS_CERT: a unix socket has no host, port or TLS",
    );
  });
});
