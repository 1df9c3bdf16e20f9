import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { DEFAULT_PAIRS, parseBenchArgs, UsageError, usage } from "../src/args.mjs";
import { ALL_SCENARIOS, SCENARIOS } from "../src/scenarios.mjs";
import { OURS } from "../src/servers.mjs";

const bench = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "bench.mjs");
const fails = (argv) => {
  try {
    parseBenchArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error.message;
  }
  throw new Error(`parseBenchArgs(${JSON.stringify(argv)}) did not throw`);
};

describe("parseBenchArgs()", () => {
  test(`runs the whole matrix with ${DEFAULT_PAIRS} pairs by default`, () => {
    const args = parseBenchArgs([]);
    expect(args).toMatchObject({ quick: false, pairs: DEFAULT_PAIRS, warmupMs: 1000, durationMs: 3000 });
    expect(args.runtimes).toEqual(["node", "deno", "bun"]);
    expect(args.scenarios).toEqual(SCENARIOS);
    expect(args.servers).toEqual(["ours", "control"]);
  });

  test("keeps --quick to one short pair of the quick scenarios, a stream over each transport and UDP ping-pong", () => {
    const args = parseBenchArgs(["--quick"]);
    expect(args).toMatchObject({ quick: true, pairs: 1, warmupMs: 200, durationMs: 500 });
    expect(args.scenarios.map((s) => s.id)).toEqual([
      "pingpong-64b",
      "stream-64k-10c",
      "tls-stream-64k-10c",
      "unix-stream-64k-10c",
      "udp-64-1s-k1",
    ]);
  });

  test("runs the scenarios over the transports given with --transports", () => {
    expect(parseBenchArgs(["--transports", "tls,unix"]).scenarios.map((s) => s.id)).toEqual([
      "tls-stream-64k-10c",
      "tls-1k-100c-k1",
      "unix-1k-100c-k16",
      "unix-stream-64k-10c",
    ]);
    const both = parseBenchArgs([
      "--transports",
      "tcp,tls",
      "--scenarios",
      "stream-64k-10c,tls-stream-64k-10c,unix-stream-64k-10c",
    ]);
    expect(both.scenarios.map((s) => s.id)).toEqual(["stream-64k-10c", "tls-stream-64k-10c"]);
  });

  test("picks the UDP scenarios with --transports udp or by their ids", () => {
    const udp = ["udp-64-1s-k1", "udp-1472-1s-k1", "udp-64-100s-k16"];
    expect(parseBenchArgs(["--transports", "udp"]).scenarios.map((s) => s.id)).toEqual(udp);
    expect(parseBenchArgs(["--scenarios", "udp-64-100s-k16,udp-64-1s-k1"]).scenarios.map((s) => s.id)).toEqual([
      "udp-64-1s-k1",
      "udp-64-100s-k16",
    ]);
  });

  test("refuses --transports that leaves no scenario, or names an unknown one", () => {
    expect(fails(["--scenarios", "pingpong-64b", "--transports", "tls"])).toBe(
      "no scenario left: none of pingpong-64b runs over tls",
    );
    expect(fails(["--transports", "quic"])).toBe("unknown transport 'quic'; known: tcp, tls, unix, udp");
  });

  test("takes --pairs and filters runtimes and scenarios to one cell", () => {
    const args = parseBenchArgs(["--runtimes", "deno", "--scenarios", "1k-100c-k16", "--pairs", "15"]);
    expect(args.pairs).toBe(15);
    expect(args.runtimes).toEqual(["deno"]);
    expect(args.scenarios.map((s) => s.id)).toEqual(["1k-100c-k16"]);
  });

  test("returns filters in the matrix's order, each once, ignoring spaces and empty items", () => {
    const args = parseBenchArgs(["--runtimes=bun, node,,bun", "--scenarios", "64b-1000c,pingpong-64b"]);
    expect(args.runtimes).toEqual(["node", "bun"]);
    expect(args.scenarios.map((s) => s.id)).toEqual(["pingpong-64b", "64b-1000c"]);
  });

  test("names an unknown scenario, runtime or server and lists the known ones", () => {
    expect(fails(["--scenarios", "pingpong-64b,x"])).toBe(
      `unknown scenario 'x'; known: ${ALL_SCENARIOS.map((s) => s.id).join(", ")}`,
    );
    expect(fails(["--runtimes", "node,workerd"])).toBe("unknown runtime 'workerd'; known: node, deno, bun");
    expect(fails(["--servers", "theirs"])).toBe("unknown server 'theirs'; known: ours, control");
  });

  test("refuses a filter that names nothing", () => {
    expect(fails(["--runtimes", ","])).toBe("no runtime given; known: node, deno, bun");
  });

  test("refuses a count that is not a whole number from 1 up", () => {
    for (const bad of ["0", "-3", "1.5", "ten", "", "1e2"])
      expect(fails([`--pairs=${bad}`])).toBe(`--pairs must be a whole number from 1 up; got '${bad}'`);
    expect(fails(["--duration-ms", "0"])).toBe("--duration-ms must be a whole number from 1 up; got '0'");
  });

  test("names an unknown option, a missing value and the old --runs", () => {
    expect(fails(["--pair", "3"])).toMatch(/^unknown option '--pair'; known: --quick, --pairs, /);
    expect(fails(["--runs", "3"])).toBe("unknown option '--runs': it is now --pairs");
    expect(fails(["--pairs"])).toBe("--pairs needs a value");
    expect(fails(["--pairs", "-3"])).toBe("--pairs needs a value; write one that starts with '-' as --pairs=-...");
    expect(fails(["--quick=yes"])).toBe("--quick takes no value");
    expect(fails(["stray"])).toBe("unexpected argument 'stray'");
  });
});

describe("parseBenchArgs() with --baseline", () => {
  /** A checkout with the entrypoints of `runtimes`, removed after `use`. */
  const withCheckout = (runtimes, use) => {
    const dir = mkdtempSync(join(tmpdir(), "tcp-echo-baseline-"));
    try {
      for (const runtime of runtimes) {
        mkdirSync(dirname(join(dir, OURS[runtime])), { recursive: true });
        writeFileSync(join(dir, OURS[runtime]), "");
      }
      use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test("takes a checkout with every entrypoint the run starts, as an absolute path", () => {
    withCheckout(["node", "deno", "bun"], (dir) => {
      expect(parseBenchArgs(["--baseline", dir]).baseline).toBe(dir);
      expect(parseBenchArgs([]).baseline).toBeUndefined();
    });
    withCheckout(["deno"], (dir) => {
      const args = parseBenchArgs(["--baseline", dir, "--runtimes", "deno", "--scenarios", "1k-100c-k16"]);
      expect(args.baseline).toBe(dir);
    });
  });

  test("names a missing directory or entrypoint, and what to do", () => {
    expect(fails(["--baseline", "/nonexistent/tcp-echo"])).toBe("--baseline /nonexistent/tcp-echo is not a directory");
    withCheckout(["node"], (dir) => {
      expect(fails(["--baseline", dir, "--runtimes", "node,bun"])).toBe(
        `--baseline ${dir} has no runtimes/bun/main.ts: check out tcp-echo there and build it (npm ci && npm run build)`,
      );
    });
  });

  test("refuses --servers and the comparisons, which have no control to replace", () => {
    withCheckout(["node", "deno", "bun"], (dir) => {
      expect(fails(["--baseline", dir, "--servers", "ours"])).toBe(
        "--baseline compares ours with the baseline: leave out --servers",
      );
      const comparison = ALL_SCENARIOS.find((s) => s.compare !== undefined);
      expect(fails(["--baseline", dir, "--scenarios", comparison.id])).toBe(
        `--baseline takes the matrix's scenarios; ${comparison.id} already runs tcp-echo on both sides`,
      );
    });
  });
});

describe("bench.mjs with a bad command line", () => {
  test("prints one line on stderr and exits 2 before running anything", () => {
    const run = spawnSync(process.execPath, [bench, "--scenarios", "x"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`bench: unknown scenario 'x'; known: ${ALL_SCENARIOS.map((s) => s.id).join(", ")}\n`);
  });
});

describe("bench.mjs --help", () => {
  test("prints the usage on stdout, names every option and scenario, and exits 0 without running", () => {
    for (const flag of ["--help", "-h"]) {
      const run = spawnSync(process.execPath, [bench, flag, "--scenarios", "x"], { encoding: "utf8" });
      expect(run.status).toBe(0);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe(usage());
    }
    const text = usage();
    const options = [
      "--quick",
      "--pairs",
      "--warmup-ms",
      "--duration-ms",
      "--runtimes",
      "--transports",
      "--scenarios",
      "--servers",
      "--out",
      "--note",
      "--baseline",
      "--help",
    ];
    for (const option of options) expect(text).toContain(option);
    for (const scenario of ALL_SCENARIOS) expect(text).toContain(scenario.id);
  });
});
