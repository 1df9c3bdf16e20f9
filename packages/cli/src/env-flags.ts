import { UsageError } from "./usage-error.ts";

/** The flags as `parseCommandLine` read them from the command line, and the lists they come from. */
export interface FlagSet<S extends string, B extends string> {
  /** The string flags given, by name; the environment fills in the others. */
  readonly strings: Map<S, string>;
  /** The boolean flags given (`true`: the last of a `--x`/`--no-x` pair wins); the environment adds to it. */
  readonly booleans: Map<B, boolean>;
  /** Every string flag of the command. */
  readonly stringFlags: readonly S[];
  /** Every boolean flag of the command, `--no-x` ones included. */
  readonly booleanFlags: readonly B[];
  /** The other flag of each `--x`/`--no-x` pair. */
  readonly opposites: Readonly<Partial<Record<B, B>>>;
}

// Commands, not settings: a variable that makes every start print the help would be a trap.
const COMMANDS: readonly string[] = ["help", "version"];
const TRUE = ["1", "true", "yes"];
const FALSE = ["0", "false", "no"];

/**
 * The environment variable of a flag: `--max-connections` is `TCP_ECHO_MAX_CONNECTIONS`.
 *
 * @param flag The flag's name, without the dashes.
 * @returns The variable's name.
 */
export function flagVariable(flag: string): string {
  return `TCP_ECHO_${flag.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * Fills in `flags` from the `TCP_ECHO_*` variables of the flags the command line left out, so
 * a flag wins over its variable. A boolean variable is 1, true, yes, 0, false or no in any
 * case; false on one side of a pair turns the other side on (`TCP_ECHO_REUSE_ADDRESS=0` is
 * `--no-reuse-address`); a pair given on the command line leaves both variables unread. An
 * empty string variable is a value (`TCP_ECHO_HOST=` is all interfaces), not unset.
 *
 * @param flags The flags from the command line, filled in place.
 * @param env Reads an environment variable; undefined when it is unset or not readable.
 * @param sources Gets what each flag taken from the environment came from, for
 * {@link nameVariables}: `port` to `TCP_ECHO_PORT`, `no-tcp` to `TCP_ECHO_TCP=0`.
 * @throws {UsageError} For a boolean variable that is not one of the six words, or the two
 * variables of a pair that disagree.
 */
export function readEnvFlags<S extends string, B extends string>(
  flags: FlagSet<S, B>,
  env: (name: string) => string | undefined,
  sources: Map<string, string>,
): void {
  for (const flag of flags.stringFlags) {
    if (flags.strings.has(flag)) continue;
    const value = env(flagVariable(flag));
    if (value === undefined) continue;
    flags.strings.set(flag, value);
    sources.set(flag, flagVariable(flag));
  }
  const given = new Set(flags.booleans.keys());
  for (const flag of flags.booleanFlags) {
    const opposite = flags.opposites[flag];
    if (COMMANDS.includes(flag) || given.has(flag) || (opposite !== undefined && given.has(opposite))) continue;
    const variable = flagVariable(flag);
    const value = env(variable);
    if (value === undefined) continue;
    const on = boolean(variable, value) ? flag : opposite;
    if (on === undefined) continue;
    const other = flags.opposites[on];
    const clash = other === undefined ? undefined : sources.get(other);
    if (clash !== undefined) throw new UsageError(`${clash} and ${variable}=${value} disagree; set one of them`);
    flags.booleans.set(on, true);
    sources.set(on, `${variable}=${value}`);
  }
}

function boolean(variable: string, value: string): boolean {
  const word = value.toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  throw new UsageError(`invalid ${variable} '${value}': expected 1, true, yes, 0, false or no`);
}

/**
 * A message about flags, reworded to name what set the ones that came from the environment:
 * `--port` becomes `TCP_ECHO_PORT`, `--no-reuse-address` becomes `TCP_ECHO_REUSE_ADDRESS=0`.
 *
 * @param message The message, naming flags as `--flag`.
 * @param sources What {@link readEnvFlags} filled in.
 * @returns The message, with each flag the environment set named by its variable.
 */
export function nameSources(message: string, sources: ReadonlyMap<string, string>): string {
  let named = message;
  for (const [flag, source] of sources) {
    named = named.replace(new RegExp(`(?<![\\w-])--${flag}(?![\\w-])`, "g"), source);
  }
  return named;
}

/**
 * A usage error about flags that came from the environment, reworded to name their variables:
 * `invalid --port 'x'` becomes `invalid TCP_ECHO_PORT 'x'`.
 *
 * @param error What parsing threw.
 * @param sources What {@link readEnvFlags} returned.
 * @returns The error to throw: a new {@link UsageError}, or `error` itself when no flag of it
 * came from the environment.
 */
export function nameVariables(error: unknown, sources: ReadonlyMap<string, string>): unknown {
  if (!(error instanceof UsageError)) return error;
  const message = nameSources(error.message, sources);
  return message === error.message ? error : new UsageError(message);
}
