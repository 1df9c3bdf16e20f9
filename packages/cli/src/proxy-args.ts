import { parseDurationFlag } from "./duration.ts";
import { UsageError } from "./usage-error.ts";

/** What `--proxy-protocol` asks for: a PROXY header (v1 or v2) first on every stream connection. */
export interface ProxyChoice {
  /** Milliseconds a connection has to send its whole header (`--proxy-timeout`). */
  readonly timeout: number;
}

/** The default `--proxy-timeout`: 5 s. */
export const PROXY_TIMEOUT = 5_000;

/** The PROXY protocol flags, as `parseCommandLine` read them. */
export interface ProxyFlags {
  /** The value of `--proxy-timeout`, undefined when absent. */
  string(name: "proxy-timeout"): string | undefined;
  /** Whether a boolean flag was given. */
  has(name: "proxy-protocol" | "no-tcp"): boolean;
  /** The stream transport the other flags picked. */
  readonly transport: "tcp" | "unix" | "tls";
}

/**
 * Reads `--proxy-protocol` and `--proxy-timeout`.
 *
 * @param flags The parsed flags.
 * @returns The choice, or undefined without `--proxy-protocol`.
 * @throws {UsageError} For `--proxy-timeout` without `--proxy-protocol`, `--proxy-protocol` with
 * TLS or `--no-tcp`, or a bad timeout.
 */
export function proxyChoice(flags: ProxyFlags): ProxyChoice | undefined {
  const value = flags.string("proxy-timeout");
  if (!flags.has("proxy-protocol")) {
    if (value !== undefined) throw new UsageError("--proxy-timeout needs --proxy-protocol");
    return undefined;
  }
  if (flags.transport === "tls") {
    throw new UsageError(
      "--proxy-protocol cannot be combined with TLS: a proxy sends the PROXY header before the TLS handshake, which the runtime reads itself; end TLS at the proxy and serve TCP here",
    );
  }
  if (flags.has("no-tcp")) {
    throw new UsageError("--proxy-protocol applies to TCP and unix sockets, and --no-tcp serves neither");
  }
  return { timeout: timeout(value) ?? PROXY_TIMEOUT };
}

function timeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const expected = "expected a duration above 0 such as 500ms, 5s or 1m";
  const milliseconds = parseDurationFlag(value, "--proxy-timeout", expected);
  if (milliseconds > 0) return milliseconds;
  throw new UsageError(`invalid --proxy-timeout '${value}': ${expected}`);
}
