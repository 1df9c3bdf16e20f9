import { isIPv4, isIPv6 } from "@tcp-echo/core";
import { argvTokens, type TokenOption } from "./argv-tokens.ts";
import { parseDurationFlag } from "./duration.ts";
import { nameVariables, readEnvFlags } from "./env-flags.ts";
import { checkGreeting } from "./greeting.ts";
import { type ProxyChoice, proxyChoice } from "./proxy-args.ts";
import { type UdpChoice, udpChoice } from "./udp-args.ts";
import { UsageError } from "./usage-error.ts";
import { type WorkersChoice, workersChoice } from "./workers/choice.ts";

/** How the log is written: one readable line per event, or one JSON object per line. */
export type LogFormat = "pretty" | "json";

/** Which transport to serve on, and its own settings. */
export type TransportChoice =
  | { readonly kind: "tcp" }
  | {
      readonly kind: "unix";
      /** The socket's path, or `@name` for a Linux abstract name. */
      readonly path: string;
      /** The socket file's permission bits (`--unix-mode 0660`). */
      readonly mode: number | undefined;
    }
  | {
      readonly kind: "tls";
      /** The PEM certificate chain's file. */
      readonly certFile: string;
      /** The PEM private key's file. */
      readonly keyFile: string;
      /** The PEM file of the authorities client certificates must chain to. */
      readonly caFile: string | undefined;
      /** Require a client certificate signed by `caFile` (`--tls-client-auth`). */
      readonly clientAuth: boolean;
      /** Milliseconds a client has to finish the handshake. */
      readonly handshakeTimeout: number;
    };

/** What the command line asks the server for, validated, with the defaults filled in. */
export interface CliOptions {
  /** TCP (the default), a unix socket (`--unix`) or TLS (`--tls-cert` and `--tls-key`). */
  readonly transport: TransportChoice;
  /** UDP echo beside it or alone (`--udp`, `--no-tcp`); undefined without `--udp`. */
  readonly udp?: UdpChoice;
  /** Read a PROXY header (v1 or v2) first on each TCP or unix connection (`--proxy-protocol`); undefined without it. */
  readonly proxyProtocol?: ProxyChoice;
  /** `''` (all interfaces), `localhost`, an IP literal (brackets around IPv6 allowed) or a host name to resolve. */
  readonly host: string;
  /** 0 to 65535; 0 asks for a free port. */
  readonly port: number;
  /** The `listen(2)` backlog; undefined leaves the core's default. */
  readonly backlog: number | undefined;
  /** Whether `SO_REUSEADDR` is set. */
  readonly reuseAddress: boolean;
  /** Open connections allowed at once; undefined for no limit. */
  readonly maxConnections: number | undefined;
  /** Milliseconds of silence before a connection is closed; 0 never closes it. */
  readonly idleTimeout: number;
  /** Milliseconds a graceful shutdown waits before resetting what is open; 0 resets at once. */
  readonly shutdownTimeout: number;
  /**
   * Milliseconds a connection must stay silent, with nothing unsent, to count as idle during a
   * shutdown and be closed with a FIN; one busy since the signal needs eight times as long. 0
   * never closes a connection as idle.
   */
  readonly shutdownQuietPeriod: number;
  /** The log's format. */
  readonly logFormat: LogFormat;
  /** Leave out the per-connection events (open, close, reject). */
  readonly quiet: boolean;
  /** Text sent once when a connection opens, with `{host}`, `{pid}`, `{runtime}`, `{pod}`; undefined sends none. */
  readonly greeting: string | undefined;
  /** Worker processes sharing the port (`--workers N|auto`); undefined for one process. */
  readonly workers?: WorkersChoice;
}

/** What to do: print help, print the version, or serve. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "serve";
      readonly options: CliOptions;
      /**
       * What set each flag taken from the environment, for messages to name it: `port` to
       * `TCP_ECHO_PORT`, `no-reuse-address` to `TCP_ECHO_REUSE_ADDRESS=0`. Empty when every
       * setting came from the command line or the defaults.
       */
      readonly sources: ReadonlyMap<string, string>;
    };

/**
 * The defaults of {@link CliOptions}, as `--help` prints them.
 */
export const DEFAULTS: CliOptions = {
  transport: { kind: "tcp" },
  host: "127.0.0.1",
  port: 7007,
  backlog: undefined,
  reuseAddress: true,
  maxConnections: undefined,
  idleTimeout: 0,
  shutdownTimeout: 10_000,
  shutdownQuietPeriod: 250,
  logFormat: "pretty",
  quiet: false,
  greeting: undefined,
};

const STRING_FLAGS = [
  "host",
  "port",
  "backlog",
  "max-connections",
  "idle-timeout",
  "shutdown-timeout",
  "shutdown-quiet-period",
  "log-format",
  "greeting",
  "unix",
  "unix-mode",
  "tls-cert",
  "tls-key",
  "tls-ca",
  "handshake-timeout",
  "proxy-timeout",
  "udp-rate",
  "udp-bytes-rate",
  "udp-summary-interval",
  "workers",
] as const;
const BOOLEAN_FLAGS = [
  "reuse-address",
  "no-reuse-address",
  "tls-client-auth",
  "no-tls-client-auth",
  "proxy-protocol",
  "no-proxy-protocol",
  "udp",
  "no-udp",
  "tcp",
  "no-tcp",
  "udp-allow-reserved-ports",
  "no-udp-allow-reserved-ports",
  "quiet",
  "no-quiet",
  "help",
  "version",
] as const;
/** Flag pairs where the last one given wins, each way round. */
const PAIRS: readonly (readonly [BooleanFlag, BooleanFlag])[] = [
  ["reuse-address", "no-reuse-address"],
  ["udp", "no-udp"],
  ["tcp", "no-tcp"],
  ["tls-client-auth", "no-tls-client-auth"],
  ["proxy-protocol", "no-proxy-protocol"],
  ["udp-allow-reserved-ports", "no-udp-allow-reserved-ports"],
  ["quiet", "no-quiet"],
];
const OPPOSITES: Readonly<Partial<Record<BooleanFlag, BooleanFlag>>> = Object.fromEntries(
  PAIRS.flatMap(([flag, opposite]) => [
    [flag, opposite],
    [opposite, flag],
  ]),
);
type StringFlag = (typeof STRING_FLAGS)[number];
type BooleanFlag = (typeof BOOLEAN_FLAGS)[number];

const OPTIONS = {
  ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: "string" }])),
  ...Object.fromEntries(BOOLEAN_FLAGS.map((name) => [name, { type: "boolean" }])),
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies Record<string, TokenOption>;

/**
 * Reads the command line, then the `TCP_ECHO_*` variable of each flag it leaves out
 * (`TCP_ECHO_MAX_CONNECTIONS`), then the `HOST` and `PORT` environment variables (used when
 * neither the flags nor `TCP_ECHO_HOST` and `TCP_ECHO_PORT` are set) into a {@link Command}.
 * `--flag value` and `--flag=value` both work; the last of a repeated flag wins; `--help` and
 * `--version` win over everything else and read no variable.
 *
 * @param args The arguments after the program name.
 * @param env Reads an environment variable; undefined when it is unset or not readable.
 * @returns The command to run.
 * @throws {UsageError} For an unknown flag, a missing or malformed value, a stray argument, or a
 * bad `TCP_ECHO_*`, `HOST` or `PORT` (the message names the variable).
 *
 * @example Flags over environment
 * ```ts
 * import { parseCommandLine } from "@tcp-echo/cli";
 *
 * const command = parseCommandLine(["--port=0", "--idle-timeout", "30s"], (name) => ({ HOST: "::1" })[name]);
 * if (command.kind === "serve") console.log(command.options.host, command.options.port); // "::1" 0
 * ```
 */
export function parseCommandLine(args: readonly string[], env: (name: string) => string | undefined): Command {
  const sources = new Map<string, string>();
  try {
    return parseFlags(args, env, sources);
  } catch (error) {
    throw nameVariables(error, sources);
  }
}

function parseFlags(
  args: readonly string[],
  env: (name: string) => string | undefined,
  sources: Map<string, string>,
): Command {
  // The tokens, as node:util's parseArgs would give them, are checked here so that every runtime
  // reports the same messages: parseArgs's own errors differ in wording between runtimes and versions.
  const tokens = argvTokens(args, OPTIONS);
  const strings = new Map<StringFlag, string>();
  const booleans = new Map<BooleanFlag, boolean>();
  let problem: UsageError | undefined;
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      problem ??= new UsageError(`unexpected argument '${token.value}'`);
    } else if (isStringFlag(token.name)) {
      if (token.value === undefined) problem ??= new UsageError(`option '${token.rawName}' needs a value`);
      else strings.set(token.name, token.value);
    } else if (isBooleanFlag(token.name)) {
      if (token.value !== undefined) problem ??= new UsageError(`option '${token.rawName}' takes no value`);
      else booleans.set(token.name, true);
      const opposite = OPPOSITES[token.name];
      if (opposite !== undefined) booleans.delete(opposite);
    } else {
      problem ??= new UsageError(`unknown option '${token.rawName}'`);
    }
  }
  if (booleans.has("help")) return { kind: "help" };
  if (booleans.has("version")) return { kind: "version" };
  if (problem !== undefined) throw problem;
  const flags = { strings, booleans, stringFlags: STRING_FLAGS, booleanFlags: BOOLEAN_FLAGS, opposites: OPPOSITES };
  readEnvFlags(flags, env, sources);
  // A unix socket has no host or port: TCP_ECHO_HOST and TCP_ECHO_PORT (the image sets them) are not read for it.
  if (strings.has("unix")) for (const flag of ["host", "port"] as const) if (sources.has(flag)) strings.delete(flag);

  const transport = transportChoice(strings, booleans);
  const udp = udpChoice({
    string: (name) => strings.get(name),
    has: (name) => booleans.has(name),
    transport: transport.kind,
  });
  const proxyProtocol = proxyChoice({
    string: (name) => strings.get(name),
    has: (name) => booleans.has(name),
    transport: transport.kind,
  });
  if (udp?.alone === true) {
    // Flags of the stream side, given on the command line (the environment may be shared).
    const streamOnly = (["max-connections", "idle-timeout", "greeting", "backlog"] as const).find(
      (flag) => strings.has(flag) && !sources.has(flag),
    );
    if (streamOnly !== undefined) {
      throw new UsageError(`--${streamOnly} applies to TCP connections, and --no-tcp serves none`);
    }
  }
  // A unix socket has no host or port: HOST and PORT (set for another service) are not read.
  const envHost = strings.has("host") || transport.kind === "unix" ? undefined : env("HOST");
  const envPort = strings.has("port") || transport.kind === "unix" ? undefined : env("PORT");
  return {
    kind: "serve",
    sources,
    options: {
      transport,
      host: host(strings.get("host"), "--host") ?? host(envHost, "HOST environment variable") ?? DEFAULTS.host,
      port: port(strings.get("port"), "--port") ?? port(envPort, "PORT environment variable") ?? DEFAULTS.port,
      backlog: wholeNumber(strings.get("backlog"), "--backlog", 1),
      reuseAddress: !booleans.has("no-reuse-address"),
      maxConnections: wholeNumber(strings.get("max-connections"), "--max-connections", 1),
      idleTimeout: duration(strings.get("idle-timeout"), "--idle-timeout") ?? DEFAULTS.idleTimeout,
      shutdownTimeout: duration(strings.get("shutdown-timeout"), "--shutdown-timeout") ?? DEFAULTS.shutdownTimeout,
      shutdownQuietPeriod:
        duration(strings.get("shutdown-quiet-period"), "--shutdown-quiet-period") ?? DEFAULTS.shutdownQuietPeriod,
      logFormat: logFormat(strings.get("log-format")) ?? DEFAULTS.logFormat,
      quiet: booleans.has("quiet"),
      greeting: greeting(strings.get("greeting")),
      ...(udp === undefined ? {} : { udp }),
      ...(proxyProtocol === undefined ? {} : { proxyProtocol }),
      ...workers(strings.get("workers"), transport, udp),
    },
  };
}

/** The transport the flags pick, checked for flags that do not go together. */
function transportChoice(strings: Map<StringFlag, string>, booleans: Map<BooleanFlag, boolean>): TransportChoice {
  const tlsFlags: string[] = (["tls-cert", "tls-key", "tls-ca", "handshake-timeout"] as const).filter((flag) =>
    strings.has(flag),
  );
  if (booleans.has("tls-client-auth")) tlsFlags.push("tls-client-auth");
  const path = strings.get("unix");
  if (path !== undefined) {
    const clash = [...(["host", "port"] as const).filter((flag) => strings.has(flag)), ...tlsFlags][0];
    if (clash !== undefined)
      throw new UsageError(`--unix cannot be combined with --${clash}: a unix socket has no host, port or TLS`);
    if (booleans.has("no-reuse-address"))
      throw new UsageError("--no-reuse-address applies to TCP; a unix socket has no SO_REUSEADDR");
    if (path === "") throw new UsageError("invalid --unix '': expected a socket path such as /tmp/echo.sock, or @name");
    return { kind: "unix", path, mode: fileMode(strings.get("unix-mode")) };
  }
  if (strings.has("unix-mode")) throw new UsageError("--unix-mode needs --unix PATH");
  if (tlsFlags.length === 0) return { kind: "tcp" };
  const certFile = strings.get("tls-cert");
  const keyFile = strings.get("tls-key");
  if (certFile === undefined || keyFile === undefined) {
    throw new UsageError(`--${tlsFlags[0]} needs both --tls-cert FILE and --tls-key FILE`);
  }
  const empty = (["tls-cert", "tls-key", "tls-ca"] as const).find((flag) => strings.get(flag) === "");
  if (empty !== undefined) throw new UsageError(`invalid --${empty} '': expected the path of a PEM file`);
  const caFile = strings.get("tls-ca");
  const clientAuth = booleans.has("tls-client-auth");
  if (clientAuth && caFile === undefined) {
    throw new UsageError("--tls-client-auth needs --tls-ca FILE, the authorities client certificates must chain to");
  }
  if (!clientAuth && caFile !== undefined) {
    throw new UsageError(
      "--tls-ca is read only with --tls-client-auth: add it to require client certificates, or drop --tls-ca",
    );
  }
  const handshakeTimeout = duration(strings.get("handshake-timeout"), "--handshake-timeout") ?? HANDSHAKE_TIMEOUT;
  if (handshakeTimeout === 0) throw new UsageError("invalid --handshake-timeout '0': expected more than 0");
  return { kind: "tls", certFile, keyFile, caFile, clientAuth, handshakeTimeout };
}

/** The default `--handshake-timeout`: 10 s. */
export const HANDSHAKE_TIMEOUT = 10_000;

function fileMode(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^0?[0-7]{3}$/.test(value)) return Number.parseInt(value, 8);
  throw new UsageError(`invalid --unix-mode '${value}': expected octal permission bits such as 0660 or 600`);
}

function workers(
  value: string | undefined,
  transport: TransportChoice,
  udp: UdpChoice | undefined,
): { workers?: WorkersChoice } {
  const choice = workersChoice(value, { transport: transport.kind, udp: udp !== undefined });
  return choice === undefined ? {} : { workers: choice };
}

function greeting(value: string | undefined): string | undefined {
  return value === undefined ? undefined : checkGreeting(value, "--greeting");
}

function isStringFlag(name: string): name is StringFlag {
  return (STRING_FLAGS as readonly string[]).includes(name);
}

function isBooleanFlag(name: string): name is BooleanFlag {
  return (BOOLEAN_FLAGS as readonly string[]).includes(name);
}

// RFC 1123 labels; the last one is not all digits, so 256.1.1.1 is a bad address, not a name.
const HOST_NAME =
  /^(?=.{1,253}\.?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*(?!\d+\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

function host(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  if (bare === "" || isIPv4(bare) || isIPv6(bare) || HOST_NAME.test(bare)) return value;
  throw new UsageError(
    `invalid ${source} '${value}': use an IP address, a host name, 'localhost' or '' (all interfaces)`,
  );
}

/**
 * Whether `host` is a name to resolve before binding: not `''`, `localhost` or an IP literal,
 * which the core binds as they are.
 *
 * @param host The host as given.
 * @returns True for a host name.
 */
export function isHostName(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return bare !== "" && bare.toLowerCase() !== "localhost" && !isIPv4(bare) && !isIPv6(bare);
}

function port(value: string | undefined, source: string): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (number >= 0 && number <= 65535) return number;
  throw new UsageError(`invalid ${source} '${value}': expected a whole number from 0 to 65535`);
}

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (number >= min && Number.isSafeInteger(number)) return number;
  throw new UsageError(`invalid ${flag} '${value}': expected a whole number of ${min} or more`);
}

function duration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  return parseDurationFlag(value, flag, "expected a duration such as 500ms, 30s, 2m or 1h");
}

function logFormat(value: string | undefined): LogFormat | undefined {
  if (value === undefined || value === "pretty" || value === "json") return value;
  throw new UsageError(`invalid --log-format '${value}': expected pretty or json`);
}
