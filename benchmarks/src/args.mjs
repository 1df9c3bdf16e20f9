/**
 * The benchmark's command line, checked before anything starts: a typo in a scenario id should
 * cost one line, not a 31-minute run of the wrong matrix.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ALL_SCENARIOS, QUICK_SCENARIOS, SCENARIOS, scenarioById, TRANSPORTS } from "./scenarios.mjs";
import { OURS, RUNTIMES } from "./servers.mjs";

/**
 * Pairs per cell by default: enough for a verdict on a clear result (see verdict.mjs) in about
 * 32 minutes for the whole matrix. A cell the run leaves undecided is settled by rerunning it
 * alone with `--pairs 15` or more.
 */
export const DEFAULT_PAIRS = 5;

/** `--quick` is a smoke test of every code path, not a measurement: one pair, short sessions. */
const QUICK = Object.freeze({ pairs: 1, warmupMs: 200, durationMs: 500 });
const FULL = Object.freeze({ pairs: DEFAULT_PAIRS, warmupMs: 1000, durationMs: 3000 });

const OPTIONS = Object.freeze({
  quick: { type: "boolean", default: false },
  pairs: { type: "string" },
  "warmup-ms": { type: "string" },
  "duration-ms": { type: "string" },
  runtimes: { type: "string" },
  scenarios: { type: "string" },
  transports: { type: "string" },
  servers: { type: "string" },
  out: { type: "string" },
  note: { type: "string" },
  baseline: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
});

/** Options renamed since a results file recorded them, and what to use instead. */
const RENAMED = Object.freeze({ "--runs": "--pairs" });

/** A command line the benchmark cannot run: bench.mjs prints its message on one line and exits 2. */
export class UsageError extends Error {
  name = "UsageError";
}

/**
 * What `--help` prints: every option with its default, and the ids it takes.
 * @returns {string} the text, ending in a newline
 */
export function usage() {
  const matrix = SCENARIOS.map((s) => s.id);
  const comparisons = ALL_SCENARIOS.map((s) => s.id).filter((id) => !matrix.includes(id));
  return `usage: npm run bench -- [options]   (or node benchmarks/src/bench.mjs [options])

tcp-echo against a raw control server on each runtime, in interleaved pairs, with a 95% interval
and a verdict (met, missed, undecided) per target. Results go to benchmarks/results/.

  --quick             one short pair of the quick scenarios: the smoke run npm test does
  --pairs N           interleaved ours/control pairs per cell (default ${FULL.pairs}; 15 or more settle a cell)
  --warmup-ms N       warm-up before each measured session (default ${FULL.warmupMs})
  --duration-ms N     measured time of each session (default ${FULL.durationMs})
  --runtimes LIST     ${RUNTIMES.join(",")} (default all)
  --transports LIST   ${TRANSPORTS.join(",")} (default all): only the scenarios over these
  --scenarios LIST    scenario ids (default the matrix); see below
  --servers LIST      ours,control (default both)
  --out DIR           write the results there instead
  --note TEXT         recorded with the results, e.g. what else ran on the machine
  --baseline DIR      tcp-echo built in another checkout takes the control's place: a change
                      measured before and after (see benchmarks/README.md)
  -h, --help          this text

The matrix: ${matrix.join(", ")}
Comparisons (by name only): ${comparisons.join(", ")}
`;
}

/**
 * @typedef {object} BenchArgs
 * @property {boolean} help `--help`: print usage() and run nothing; the other fields are the defaults
 * @property {boolean} quick
 * @property {number} pairs interleaved ours/control pairs per scenario and runtime
 * @property {number} warmupMs
 * @property {number} durationMs
 * @property {import("./servers.mjs").RuntimeName[]} runtimes in the canonical order, each once
 * @property {import("./scenarios.mjs").Scenario[]} scenarios in the canonical order, each once, only
 *   those over the transports asked for; the matrix unless --scenarios names others (the
 *   comparisons: workers, PROXY header)
 * @property {import("./servers.mjs").ServerKind[]} servers
 * @property {string | undefined} out
 * @property {string | undefined} note
 * @property {string | undefined} baseline an absolute path: a built checkout of tcp-echo that
 *   stands in for the control, so each ratio is this tree's code over that one's (see baseline())
 */

/**
 * Parse and check the benchmark's arguments.
 * @param {string[]} argv the arguments after the script, e.g. `process.argv.slice(2)`
 * @returns {BenchArgs}
 * @throws {UsageError} for an unknown option, a missing value, or a value out of range, with a
 *   message that names the bad value and what is allowed
 * @example A subset of the matrix
 * ```js
 * const args = parseBenchArgs(["--runtimes", "deno", "--scenarios", "1k-100c-k16", "--pairs", "15"]);
 * assert.equal(args.pairs, 15);
 * assert.deepEqual(args.runtimes, ["deno"]);
 * ```
 */
export function parseBenchArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError(parseError(error));
  }
  // --help answers whatever else the line holds.
  if (values.help) return { ...parseBenchArgs([]), help: true };
  const defaults = values.quick ? QUICK : FULL;
  // The comparisons are picked by name only: the matrix is what runs without --scenarios.
  const matrix = SCENARIOS.map((s) => s.id);
  const known = ALL_SCENARIOS.map((s) => s.id);
  const picked = list(values.scenarios, known, "scenario", values.quick ? QUICK_SCENARIOS : matrix);
  const transports = list(values.transports, TRANSPORTS, "transport");
  const scenarios = picked.filter((id) => transports.includes(scenarioById(id).transport));
  if (scenarios.length === 0)
    throw new UsageError(`no scenario left: none of ${picked.join(", ")} runs over ${transports.join(", ")}`);
  const runtimes = list(values.runtimes, RUNTIMES, "runtime");
  const servers = list(values.servers, ["ours", "control"], "server");
  return {
    help: false,
    quick: values.quick,
    pairs: count(values.pairs, defaults.pairs, "pairs"),
    warmupMs: count(values["warmup-ms"], defaults.warmupMs, "warmup-ms"),
    durationMs: count(values["duration-ms"], defaults.durationMs, "duration-ms"),
    runtimes,
    scenarios: scenarios.map((id) => scenarioById(id)),
    servers,
    out: values.out,
    note: values.note,
    baseline: values.baseline === undefined ? undefined : baseline(values.baseline, runtimes, scenarios, servers),
  };
}

/**
 * `--baseline DIR`: before and after. The control's place goes to tcp-echo itself, started from
 * DIR (another checkout, built: a worktree at the commit to compare with) through the same
 * entrypoint, runtime and flags as ours, so a ratio is the change's effect and nothing else.
 * Only the matrix's scenarios: a comparison already runs tcp-echo on both of its sides.
 * @returns {string} DIR, absolute
 */
function baseline(dir, runtimes, scenarios, servers) {
  const at = resolve(dir);
  if (!existsSync(at) || !statSync(at).isDirectory()) throw new UsageError(`--baseline ${dir} is not a directory`);
  if (servers.length !== 2) throw new UsageError("--baseline compares ours with the baseline: leave out --servers");
  const comparison = scenarios.find((id) => scenarioById(id).compare !== undefined);
  if (comparison !== undefined)
    throw new UsageError(`--baseline takes the matrix's scenarios; ${comparison} already runs tcp-echo on both sides`);
  const missing = runtimes.find((runtime) => !existsSync(join(at, OURS[runtime])));
  if (missing !== undefined)
    throw new UsageError(
      `--baseline ${dir} has no ${OURS[missing]}: check out tcp-echo there and build it (npm ci && npm run build)`,
    );
  return at;
}

/** parseArgs' own messages run to several sentences; keep the first, and name what is known. */
function parseError(error) {
  const name = /'(--?[^' <]+)/.exec(error.message)?.[1];
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const known = Object.keys(OPTIONS).map((o) => `--${o}`);
    return RENAMED[name] === undefined
      ? `unknown option '${name}'; known: ${known.join(", ")}`
      : `unknown option '${name}': it is now ${RENAMED[name]}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && name !== undefined && OPTIONS[name.slice(2)]) {
    if (OPTIONS[name.slice(2)].type === "boolean") return `${name} takes no value`;
    // parseArgs reads `--pairs -3` as a missing value followed by an option.
    return /ambiguous/.test(error.message)
      ? `${name} needs a value; write one that starts with '-' as ${name}=-...`
      : `${name} needs a value`;
  }
  const first = error.message.split(/\.\s/)[0];
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** A comma-separated subset of `allowed`, returned in `allowed`'s order and without repeats. */
function list(value, allowed, noun, fallback = allowed) {
  if (value === undefined) return [...fallback];
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = items.find((item) => !allowed.includes(item));
  if (unknown !== undefined) throw new UsageError(`unknown ${noun} '${unknown}'; known: ${allowed.join(", ")}`);
  if (items.length === 0) throw new UsageError(`no ${noun} given; known: ${allowed.join(", ")}`);
  return allowed.filter((item) => items.includes(item));
}

function count(value, fallback, name) {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a whole number from 1 up; got '${value}'`);
  return Number(value);
}
