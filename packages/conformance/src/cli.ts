import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { parseArgs } from "node:util";
import { withDeadline } from "./deadline.ts";
import { formatTarget, isTlsTarget, parseTarget, type Target, type TlsClientOptions } from "./target.ts";
import { NotArrangedError, type UdpCase } from "./udp/case.ts";
import { udpCases } from "./udp/index.ts";
import { formatUdpTarget, isUdpTargetText, parseUdpTarget, type UdpTarget } from "./udp/target.ts";
import { wireCases } from "./wire/index.ts";
import type { WireCase } from "./wire-case.ts";

/** Where {@link main} writes: the process's streams, or a test's buffers. */
export interface CliOutput {
  /** Results: the table or the JSON. */
  out(text: string): void;
  /** Argument errors and help. */
  err(text: string): void;
}

/** One case's outcome against a target. */
export interface CaseOutcome {
  /** The case's stable id. */
  readonly id: string;
  /** What it checks. */
  readonly title: string;
  /** Whether it passed; true for a skipped case too, since nothing failed. */
  readonly passed: boolean;
  /** Why the case was skipped: this machine could not arrange it (a {@link NotArrangedError}). */
  readonly skipped?: string;
  /** How long it took, in whole milliseconds. */
  readonly ms: number;
  /** Why it failed. */
  readonly error?: string;
}

const HELP = `Usage: tcp-echo-conformance --target TARGET [options]

Runs the tcp-echo wire-level conformance cases against any RFC 862 echo server.

Options:
  --target TARGET     the echo server (required): HOST:PORT (127.0.0.1:7007, [::1]:7007),
                      unix:/PATH (unix:@NAME for a Linux abstract socket), tls://HOST:PORT,
                      or udp://HOST:PORT (udp://[::1]:7007) for the UDP cases
  --ca FILE           for tls://: trust the CA certificates (PEM) in FILE instead of the system's
  --cert FILE         for tls://: present the client certificate (PEM) in FILE; needs --key
  --key FILE          for tls://: the client certificate's private key (PEM)
  --insecure          for tls://: accept any server certificate (encrypts, proves nothing)
  --only IDS          run only these case ids, comma-separated
  --skip IDS          run every case but these, comma-separated
  --list              print the case ids and titles, and run nothing
  --json              print the results as JSON instead of a table
  --help              print this help

The UDP cases bind source ports 7 and 19 to check that the server does not answer them: that
needs root (or CAP_NET_BIND_SERVICE); without it the case is skipped, with the reason.

Exit status: 0 when every case passed (or was skipped), 1 when any failed, 2 on bad arguments.
`;

/**
 * Runs `cases` one after another against `target`, each bounded by its own timeout.
 *
 * @param target The echo server.
 * @param cases The cases to run.
 * @returns Each case's outcome, in order.
 */
export function runWireCases(target: Target, cases: readonly WireCase[]): Promise<CaseOutcome[]> {
  return runCases(target, cases);
}

/**
 * Runs UDP `cases` one after another against `target`, each bounded by its own timeout; a case
 * this machine cannot arrange is skipped, with the reason.
 *
 * @param target The UDP echo server.
 * @param cases The cases to run.
 * @returns Each case's outcome, in order.
 */
export function runUdpCases(target: UdpTarget, cases: readonly UdpCase[]): Promise<CaseOutcome[]> {
  return runCases(target, cases);
}

/** A case of either kind, as the runner sees it. */
interface RunnableCase<T> {
  readonly id: string;
  readonly title: string;
  readonly timeout: number;
  run(target: T): Promise<void>;
}

async function runCases<T>(target: T, cases: readonly RunnableCase<T>[]): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const runnable of cases) {
    const started = performance.now();
    const { id, title } = runnable;
    try {
      await withDeadline(runnable.run(target), runnable.timeout, `case ${id}`);
      outcomes.push({ id, title, passed: true, ms: elapsed(started) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof NotArrangedError)
        outcomes.push({ id, title, passed: true, ms: elapsed(started), skipped: message });
      else outcomes.push({ id, title, passed: false, ms: elapsed(started), error: message });
    }
  }
  return outcomes;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function table(target: string, outcomes: readonly CaseOutcome[]): string {
  const width = Math.max(4, ...outcomes.map((outcome) => outcome.id.length));
  const lines = [`tcp-echo conformance against ${target}`, ""];
  lines.push(`${"case".padEnd(width)}  result  ${"ms".padStart(7)}`);
  for (const outcome of outcomes) {
    const result = outcome.skipped !== undefined ? "skip  " : outcome.passed ? "pass  " : "FAIL  ";
    lines.push(`${outcome.id.padEnd(width)}  ${result}  ${String(outcome.ms).padStart(7)}`);
  }
  const failed = outcomes.filter((outcome) => !outcome.passed);
  const skipped = outcomes.filter((outcome) => outcome.skipped !== undefined);
  const passed = outcomes.length - failed.length - skipped.length;
  lines.push("", `${passed} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ""}`);
  for (const outcome of failed) lines.push(`  ${outcome.id}: ${outcome.error}`);
  for (const outcome of skipped) lines.push(`  ${outcome.id}: skipped: ${outcome.skipped}`);
  return `${lines.join("\n")}\n`;
}

/** Thrown for arguments that make no sense: exit status 2. */
class UsageError extends Error {}

function pick(
  ids: string | undefined,
  option: string,
  cases: readonly { readonly id: string }[],
): Set<string> | undefined {
  if (ids === undefined) return undefined;
  const wanted = new Set(
    ids
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  );
  const known = new Set(cases.map((each) => each.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const kind = cases === udpCases ? "UDP case" : "case";
    throw new UsageError(`${option}: no ${kind} named ${unknown.join(", ")} for this target (see --list)`);
  }
  return wanted;
}

/** Refuses the TLS options for a target that is not `tls://`, named by its text. */
function noTls(text: string, values: ReturnType<typeof parse>["values"]): void {
  const given = (["ca", "cert", "key", "insecure"] as const).filter((name) => values[name] !== undefined);
  if (given.length > 0) throw new Error(`--${given[0]} needs a tls:// target, not ${text}`);
}

/** Adds the TLS options to a `tls://` target; refuses them for any other. */
function withTls(target: Target, values: ReturnType<typeof parse>["values"]): Target {
  if (!isTlsTarget(target)) {
    noTls(formatTarget(target), values);
    return target;
  }
  if ((values.cert === undefined) !== (values.key === undefined)) throw new Error("--cert and --key go together");
  if (values.insecure && values.ca !== undefined) throw new Error("--insecure skips the check --ca is for: give one");
  const tls: TlsClientOptions = {
    ...(values.ca === undefined ? {} : { ca: readPem(values.ca, "--ca") }),
    ...(values.cert === undefined ? {} : { cert: readPem(values.cert, "--cert") }),
    ...(values.key === undefined ? {} : { key: readPem(values.key, "--key") }),
    ...(values.insecure ? { rejectUnauthorized: false } : {}),
  };
  try {
    createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key } as SecureContextOptions);
  } catch (error) {
    const files = [values.ca, values.cert, values.key].filter((file) => file !== undefined).join(", ");
    throw new Error(`cannot use ${files} for TLS: ${(error as Error).message}`);
  }
  return { ...target, tls };
}

function readPem(file: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`${option}: cannot read ${file} (${reason})`);
  }
  // node:tls skips PEM blocks of another kind in silence: a key given as --ca would trust nothing.
  const kind = option === "--key" ? "PRIVATE KEY" : "CERTIFICATE";
  if (!text.includes(`${kind}-----`)) throw new Error(`${option}: ${file} holds no PEM ${kind.toLowerCase()}`);
  return text;
}

/**
 * The `tcp-echo-conformance` command.
 *
 * @param args The arguments after the command name.
 * @param output Where to write.
 * @returns The exit status: 0 all passed, 1 some failed, 2 bad arguments.
 *
 * @example Run the black-box suite from a script
 * ```ts ignore
 * import { main } from "@tcp-echo/conformance";
 *
 * process.exitCode = await main(["--target", "127.0.0.1:7007"], {
 *   out: (text) => process.stdout.write(text),
 *   err: (text) => process.stderr.write(text),
 * });
 * ```
 */
export async function main(args: readonly string[], output: CliOutput): Promise<number> {
  let target: string;
  let run: () => Promise<CaseOutcome[]>;
  let json: boolean;
  try {
    let values: ReturnType<typeof parse>["values"];
    try {
      values = parse(args).values;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      output.out(HELP);
      return 0;
    }
    if (values.list) {
      for (const wireCase of wireCases) output.out(`${wireCase.id}  ${wireCase.title}\n`);
      for (const udpCase of udpCases) output.out(`${udpCase.id}  (udp:// targets) ${udpCase.title}\n`);
      return 0;
    }
    if (values.target === undefined) throw new UsageError("missing --target TARGET (e.g. 127.0.0.1:7007)");
    const text = values.target;
    if (isUdpTargetText(text)) {
      let udpTarget: UdpTarget;
      try {
        udpTarget = parseUdpTarget(text);
        noTls(text, values);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const cases = chosen(udpCases, values);
      target = formatUdpTarget(udpTarget);
      run = () => runUdpCases(udpTarget, cases);
    } else {
      let streamTarget: Target;
      try {
        streamTarget = withTls(parseTarget(text), values);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const cases = chosen(wireCases, values);
      target = formatTarget(streamTarget);
      run = () => runWireCases(streamTarget, cases);
    }
    json = values.json ?? false;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`tcp-echo-conformance: ${error.message}\nTry --help\n`);
    return 2;
  }
  const outcomes = await run();
  output.out(json ? `${JSON.stringify({ target, cases: outcomes }, null, 2)}\n` : table(target, outcomes));
  return outcomes.every((outcome) => outcome.passed) ? 0 : 1;
}

/** The cases `--only` and `--skip` leave of `cases`. */
function chosen<C extends { readonly id: string }>(
  cases: readonly C[],
  values: ReturnType<typeof parse>["values"],
): C[] {
  const only = pick(values.only, "--only", cases);
  const skip = pick(values.skip, "--skip", cases);
  return cases.filter((known) => (only?.has(known.id) ?? true) && !skip?.has(known.id));
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: "string" },
      ca: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      insecure: { type: "boolean" },
      only: { type: "string" },
      skip: { type: "string" },
      list: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
