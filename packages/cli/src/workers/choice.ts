import { UsageError } from "../usage-error.ts";

/** How many worker processes `--workers` asks for: a count, or `"auto"` for one per available core. */
export type WorkersChoice = number | "auto";

/** What `--workers` is checked against: the transport and whether UDP is on. */
export interface WorkersContext {
  /** The stream transport the other flags picked. */
  readonly transport: "tcp" | "unix" | "tls";
  /** Whether `--udp` is on. */
  readonly udp: boolean;
}

/**
 * Reads `--workers N|auto`.
 *
 * @param value The flag's value; undefined when it is absent.
 * @param context The transport and UDP choice of the other flags.
 * @returns The choice, or undefined without the flag.
 * @throws {UsageError} For 0, a value that is not a whole number or `auto`, or `--unix` or `--udp`.
 */
export function workersChoice(value: string | undefined, context: WorkersContext): WorkersChoice | undefined {
  if (value === undefined) return undefined;
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (value !== "auto" && !(count >= 1 && Number.isSafeInteger(count))) {
    throw new UsageError(`invalid --workers '${value}': expected a whole number of 1 or more, or auto`);
  }
  if (context.transport === "unix") {
    throw new UsageError(
      "--workers cannot be combined with --unix: SO_REUSEPORT shares TCP ports, and a socket path has one listener",
    );
  }
  if (context.udp) {
    throw new UsageError(
      "--udp is declared unsupported with --workers: one socket answers datagrams; run UDP without --workers",
    );
  }
  return value === "auto" ? "auto" : count;
}
