import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { parseArgs } from "node:util";
import { withDeadline } from "./deadline.ts";
import { formatTarget, isTlsTarget, parseTarget, type Target, type TlsClientOptions } from "./target.ts";
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
  /** Whether it passed. */
  readonly passed: boolean;
  /** How long it took, in whole milliseconds. */
  readonly ms: number;
  /** Why it failed. */
  readonly error?: string;
}

const HELP = `Usage: tcp-echo-conformance --target TARGET [options]

Runs the tcp-echo wire-level conformance cases against any RFC 862 echo server.

Options:
  --target TARGET     the echo server (required): HOST:PORT (127.0.0.1:7007, [::1]:7007),
                      unix:/PATH (unix:@NAME for a Linux abstract socket) or tls://HOST:PORT
  --ca FILE           for tls://: trust the CA certificates (PEM) in FILE instead of the system's
  --cert FILE         for tls://: present the client certificate (PEM) in FILE; needs --key
  --key FILE          for tls://: the client certificate's private key (PEM)
  --insecure          for tls://: accept any server certificate (encrypts, proves nothing)
  --only IDS          run only these case ids, comma-separated
  --skip IDS          run every case but these, comma-separated
  --list              print the case ids and titles, and run nothing
  --json              print the results as JSON instead of a table
  --help              print this help

Exit status: 0 when every case passed, 1 when any failed, 2 on bad arguments.
`;

/**
 * Runs `cases` one after another against `target`, each bounded by its own timeout.
 *
 * @param target The echo server.
 * @param cases The cases to run.
 * @returns Each case's outcome, in order.
 */
export async function runWireCases(target: Target, cases: readonly WireCase[]): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const wireCase of cases) {
    const started = performance.now();
    try {
      await withDeadline(wireCase.run(target), wireCase.timeout, `case ${wireCase.id}`);
      outcomes.push({ id: wireCase.id, title: wireCase.title, passed: true, ms: elapsed(started) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcomes.push({ id: wireCase.id, title: wireCase.title, passed: false, ms: elapsed(started), error: message });
    }
  }
  return outcomes;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function table(target: Target, outcomes: readonly CaseOutcome[]): string {
  const width = Math.max(4, ...outcomes.map((outcome) => outcome.id.length));
  const lines = [`tcp-echo conformance against ${formatTarget(target)}`, ""];
  lines.push(`${"case".padEnd(width)}  result  ${"ms".padStart(7)}`);
  for (const outcome of outcomes) {
    lines.push(
      `${outcome.id.padEnd(width)}  ${outcome.passed ? "pass  " : "FAIL  "}  ${String(outcome.ms).padStart(7)}`,
    );
  }
  const failed = outcomes.filter((outcome) => !outcome.passed);
  lines.push("", `${outcomes.length - failed.length} passed, ${failed.length} failed`);
  for (const outcome of failed) lines.push(`  ${outcome.id}: ${outcome.error}`);
  return `${lines.join("\n")}\n`;
}

/** Thrown for arguments that make no sense: exit status 2. */
class UsageError extends Error {}

function pick(ids: string | undefined, option: string): Set<string> | undefined {
  if (ids === undefined) return undefined;
  const wanted = new Set(
    ids
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  );
  const known = new Set(wireCases.map((wireCase) => wireCase.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) throw new UsageError(`${option}: no case named ${unknown.join(", ")} (see --list)`);
  return wanted;
}

/** Adds the TLS options to a `tls://` target; refuses them for any other. */
function withTls(target: Target, values: ReturnType<typeof parse>["values"]): Target {
  const given = (["ca", "cert", "key", "insecure"] as const).filter((name) => values[name] !== undefined);
  if (!isTlsTarget(target)) {
    if (given.length > 0) throw new Error(`--${given[0]} needs a tls:// target, not ${formatTarget(target)}`);
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
  let target: Target;
  let cases: readonly WireCase[];
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
      return 0;
    }
    if (values.target === undefined) throw new UsageError("missing --target TARGET (e.g. 127.0.0.1:7007)");
    try {
      target = withTls(parseTarget(values.target), values);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const only = pick(values.only, "--only");
    const skip = pick(values.skip, "--skip");
    cases = wireCases.filter((wireCase) => (only?.has(wireCase.id) ?? true) && !skip?.has(wireCase.id));
    json = values.json ?? false;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`tcp-echo-conformance: ${error.message}\nTry --help\n`);
    return 2;
  }
  const outcomes = await runWireCases(target, cases);
  output.out(
    json ? `${JSON.stringify({ target: formatTarget(target), cases: outcomes }, null, 2)}\n` : table(target, outcomes),
  );
  return outcomes.every((outcome) => outcome.passed) ? 0 : 1;
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
