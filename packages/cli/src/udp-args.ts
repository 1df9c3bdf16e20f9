import { DEFAULT_RATE_LIMIT } from "@tcp-echo/core";
import { parseDurationFlag } from "./duration.ts";
import { parseSize } from "./size.ts";
import { UsageError } from "./usage-error.ts";

/** What `--udp` and its flags ask for, validated, with the defaults filled in. */
export interface UdpChoice {
  /** Serve UDP alone (`--no-tcp`); otherwise beside TCP (or TLS) on the same host and port. */
  readonly alone: boolean;
  /** Datagrams per second per sender address (`--udp-rate`); 0 for no limit. */
  readonly datagramsPerSecond: number;
  /** Bytes per second per sender address (`--udp-bytes-rate`); 0 for no limit. */
  readonly bytesPerSecond: number;
  /** Answer senders on ports 7, 13, 17, 19 and 37 (`--udp-allow-reserved-ports`). */
  readonly allowReservedPorts: boolean;
  /** Milliseconds between summaries of dropped datagrams (`--udp-summary-interval`); 0 for none. */
  readonly summaryInterval: number;
}

/** The defaults of {@link UdpChoice}, as `--help` prints them. */
export const UDP_DEFAULTS: UdpChoice = {
  alone: false,
  datagramsPerSecond: DEFAULT_RATE_LIMIT.datagramsPerSecond,
  bytesPerSecond: DEFAULT_RATE_LIMIT.bytesPerSecond,
  allowReservedPorts: false,
  summaryInterval: 10_000,
};

/** The UDP flags, as `parseCommandLine` read them. */
export interface UdpFlags {
  /** The value of a string flag, undefined when absent. */
  string(name: "udp-rate" | "udp-bytes-rate" | "udp-summary-interval"): string | undefined;
  /** Whether a boolean flag was given (the last of a `--x`/`--no-x` pair wins). */
  has(name: "udp" | "no-tcp" | "udp-allow-reserved-ports"): boolean;
  /** The stream transport the other flags picked. */
  readonly transport: "tcp" | "unix" | "tls";
}

/**
 * Reads `--udp`, `--no-tcp` and the `--udp-*` flags.
 *
 * @param flags The parsed flags.
 * @returns The choice, or undefined when UDP is not asked for.
 * @throws {UsageError} For a UDP flag without `--udp`, `--udp` with `--unix`, or a bad value.
 */
export function udpChoice(flags: UdpFlags): UdpChoice | undefined {
  const given: string[] = [
    ...(flags.has("no-tcp") ? ["no-tcp"] : []),
    ...(["udp-rate", "udp-bytes-rate", "udp-summary-interval"] as const).filter(
      (name) => flags.string(name) !== undefined,
    ),
    ...(flags.has("udp-allow-reserved-ports") ? ["udp-allow-reserved-ports"] : []),
  ];
  if (!flags.has("udp")) {
    if (given[0] !== undefined) throw new UsageError(`--${given[0]} needs --udp`);
    return undefined;
  }
  if (flags.transport === "unix")
    throw new UsageError("--udp cannot be combined with --unix: UDP takes a host and port");
  if (flags.transport === "tls" && flags.has("no-tcp")) {
    throw new UsageError("--no-tcp leaves nothing to serve TLS on: drop --no-tcp or the --tls-* flags");
  }
  return {
    alone: flags.has("no-tcp"),
    datagramsPerSecond: count(flags.string("udp-rate")) ?? UDP_DEFAULTS.datagramsPerSecond,
    bytesPerSecond: size(flags.string("udp-bytes-rate")) ?? UDP_DEFAULTS.bytesPerSecond,
    allowReservedPorts: flags.has("udp-allow-reserved-ports"),
    summaryInterval: interval(flags.string("udp-summary-interval")) ?? UDP_DEFAULTS.summaryInterval,
  };
}

function count(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(number)) return number;
  throw new UsageError(
    `invalid --udp-rate '${value}': expected a whole number of datagrams per second per sender (0 for no limit)`,
  );
}

function size(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value);
  } catch {
    throw new UsageError(
      `invalid --udp-bytes-rate '${value}': expected bytes per second per sender such as 4MiB, 512KiB or 100000 (0 for no limit)`,
    );
  }
}

function interval(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseDurationFlag(value, "--udp-summary-interval", "expected a duration such as 10s or 1m (0 for none)");
}
