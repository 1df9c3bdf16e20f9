#!/usr/bin/env node
/**
 * Renders docs/conformance.md, the table of conformance cases by runtime, from the results the
 * suite's reporter writes (.vitest-results/conformance-{node,deno,bun}.json): first which
 * options work on which runtime, from each transport's `unsupported` table and the options
 * cases, then every case. The output holds no timings or versions, so the same outcomes give
 * the same file on every machine.
 *
 *   node scripts/conformance-table.mjs           write docs/conformance.md
 *   node scripts/conformance-table.mjs --check   also exit 1 when the file on disk was different
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const runtimes = ["node", "deno", "bun"];
const output = join(root, "docs/conformance.md");

/** The options a runtime may be unable to honour, each with the capability it needs and where it fails. */
const OPTIONS = [
  { option: "`backlog` (`listen()`, `serve()`)", capability: "backlog", refusedAt: "`listen()`" },
  { option: "`reuseAddress: false`", capability: "reuseAddressOff", refusedAt: "`bind()`" },
  { option: "`family: \"ipv6\"` on `''` or `::`", capability: "ipv6Only", refusedAt: "`bind()`" },
];

/** A runtime's results file: `{ runtime, unsupported, cases }`; no cases when it did not run. */
function load(runtime) {
  const file = join(root, `.vitest-results/conformance-${runtime}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { runtime, cases: [] };
}

function cell(result) {
  if (result === undefined) return "not run";
  if (result.state === "passed") return "pass";
  if (result.state === "failed") return "**FAIL**";
  return result.note ? `skip: ${result.note}` : result.state;
}

/** Groups `items` by `key`, keeping first-seen order (Map.groupBy needs Node 21). */
function groupBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(item);
  }
  return groups;
}

const markdownCell = (text) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/**
 * Whether `option` works on a runtime: "yes", "no: <reason>" (it fails with
 * ERR_UNSUPPORTED_OPTION), "**FAIL**" when the case checking it failed, or "not run".
 */
function optionCell(results, { capability }) {
  const checked = results?.cases.find((result) => result.capability === capability);
  if (results?.unsupported === undefined || checked === undefined || checked.state === "skipped") return "not run";
  if (checked.state !== "passed") return "**FAIL**";
  const reason = results.unsupported[capability];
  return reason === undefined ? "yes" : `no: ${reason}`;
}

const STREAMS = ["tcp", "unix", "tls"];

/** The capabilities a transport may lack, with what each means and the transports it applies to. */
const TRANSPORT_CAPABILITIES = [
  {
    capability: "halfClose",
    meaning: "keeps sending after the client's end of stream (TLS: close_notify)",
    on: STREAMS,
  },
  { capability: "reset", meaning: "`reset()` sends a TCP RST", on: STREAMS },
  { capability: "backlog", meaning: "`listen(backlog)` reaches the kernel", on: STREAMS },
  { capability: "abstractUnix", meaning: "Linux abstract names (`@name`)", on: ["unix"] },
  { capability: "tlsClientAuth", meaning: "client certificates (`requestCert` with `ca`)", on: ["tls"] },
  { capability: "tlsMinVersion", meaning: '`minVersion: "TLSv1.3"`', on: ["tls"] },
  {
    capability: "handshakeAbort",
    meaning: "the handshake timeout closes a client that never sends a ClientHello",
    on: ["tls"],
  },
  { capability: "noDelay", meaning: "`TCP_NODELAY` on accepted sockets", on: ["tls"] },
  {
    capability: "ipv6Only",
    meaning: "`family: \"ipv6\"` on `''` or `::` leaves IPv4 to other sockets (`IPV6_V6ONLY`)",
    on: ["udp"],
  },
];

/** The order of the transports' rows; any other transport follows, by name. */
const TRANSPORT_ORDER = [...STREAMS, "udp"];

/**
 * The rows of transport `name`: its capabilities above and, for a transport other than the
 * stream ones (whose other capabilities are options, in the table above), any other one a
 * runtime says it lacks, so that no declared lack goes unshown.
 */
function capabilitiesOf(name, resultsByRuntime) {
  const known = TRANSPORT_CAPABILITIES.filter(({ on }) => on.includes(name));
  if (STREAMS.includes(name)) return known;
  const declared = runtimes.flatMap((runtime) => Object.keys(resultsByRuntime[runtime]?.transports?.[name] ?? {}));
  const others = [...new Set(declared)]
    .filter((capability) => !known.some((row) => row.capability === capability))
    .map((capability) => ({ capability, meaning: `\`${capability}\`` }));
  return [...known, ...others];
}

/** The transports' table: per transport and capability, whether each runtime has it. */
function transportRows(resultsByRuntime) {
  const names = [];
  for (const runtime of runtimes) {
    for (const name of Object.keys(resultsByRuntime[runtime]?.transports ?? {}))
      if (!names.includes(name)) names.push(name);
  }
  const rank = (name) => (TRANSPORT_ORDER.includes(name) ? TRANSPORT_ORDER.indexOf(name) : TRANSPORT_ORDER.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = [];
  for (const name of names) {
    for (const { capability, meaning } of capabilitiesOf(name, resultsByRuntime)) {
      const cells = runtimes.map((runtime) => {
        const table = resultsByRuntime[runtime]?.transports?.[name];
        if (table === undefined) return "not run";
        const reason = table[capability];
        return reason === undefined ? "yes" : `no: ${reason}`;
      });
      // A capability every runtime has on a transport where it cannot be missing says nothing.
      if (name === "tcp" && cells.every((cell) => cell === "yes")) continue;
      rows.push(`| ${name} | ${markdownCell(meaning)} | ${cells.map(markdownCell).join(" | ")} |`);
    }
  }
  return rows;
}

/** The Markdown of the page for the results of each runtime (`{ unsupported, cases }`). */
/** The transport a case runs over: its file's (udp, unix, tls), the wire cases' section's, else TCP. */
function transportOf(result) {
  const file = result.file.replace(/^test\//, "");
  if (file.startsWith("udp")) return "udp";
  if (file.startsWith("unix")) return "unix";
  if (file.startsWith("tls")) return "tls";
  return /over '?(unix|tls)\b/.exec(result.name)?.[1] ?? "tcp";
}

const TRANSPORT_COLUMNS = ["tcp", "unix", "tls", "udp"];

/** Per runtime and transport: how many cases passed, were skipped and failed. */
function summaryRows(resultsByRuntime) {
  return runtimes.map((runtime) => {
    const cells = TRANSPORT_COLUMNS.map((transport) => {
      const cases = (resultsByRuntime[runtime]?.cases ?? []).filter((result) => transportOf(result) === transport);
      if (cases.length === 0) return "not run";
      const count = (state) => cases.filter((result) => result.state === state).length;
      const failed = cases.length - count("passed") - count("skipped");
      return `${count("passed")} pass, ${count("skipped")} skip, ${failed === 0 ? "0 fail" : `**${failed} FAIL**`}`;
    });
    return `| ${runtime} | ${cells.join(" | ")} |`;
  });
}

export function renderTable(resultsByRuntime) {
  const rows = new Map();
  for (const runtime of runtimes) {
    for (const result of resultsByRuntime[runtime]?.cases ?? []) {
      const key = `${result.file}\u0000${result.name}`;
      if (!rows.has(key)) rows.set(key, { file: result.file, name: result.name, results: {} });
      rows.get(key).results[runtime] = result;
    }
  }
  const byFile = groupBy([...rows.values()], (row) => row.file);
  const lines = [
    "# Conformance",
    "",
    "<!-- Generated by scripts/conformance-table.mjs: do not edit. Regenerate with `npm test`. -->",
    "",
    "The same test files (`packages/conformance/test`) run inside Node.js, Deno and Bun, each",
    "against its own adapter. `npm test` runs them on the three runtimes, then renders this page",
    "from the results and fails when the committed copy differs: commit the regenerated file.",
    "A case is skipped only when the runtime's transport declares it lacks the capability the",
    "case needs (its `unsupported` table, `StreamTransport.unsupported` or",
    "`DatagramTransport.unsupported`), or when the environment cannot arrange the case (the UDP",
    "source-port cases bind ports 7 and 19, which needs root or `CAP_NET_BIND_SERVICE`); the",
    "reason is the cell.",
    "",
    "## Cases per transport",
    "",
    "Each runtime's cases by the transport they run over (the lifecycle, limits and options cases",
    "run over TCP).",
    "",
    `| runtime | ${TRANSPORT_COLUMNS.join(" | ")} |`,
    `| --- | ${TRANSPORT_COLUMNS.map(() => "---").join(" | ")} |`,
    ...summaryRows(resultsByRuntime),
    "",
    "## Options per runtime",
    "",
    "Where a runtime cannot honour an option, the option fails loudly, with `ERR_UNSUPPORTED_OPTION`",
    "naming the option, the runtime and the reason below, instead of being dropped. The table is",
    "each transport's `unsupported` table; the options cases (`test/options.test.ts`) check on",
    "every runtime that the option works where it says yes and fails where it says no.",
    "",
    `| option | refused at | ${runtimes.join(" | ")} |`,
    `| --- | --- | ${runtimes.map(() => "---").join(" | ")} |`,
    ...OPTIONS.map(
      (row) =>
        `| ${row.option} | ${row.refusedAt} | ${runtimes.map((runtime) => markdownCell(optionCell(resultsByRuntime[runtime], row))).join(" | ")} |`,
    ),
    "",
    "## Transports per runtime",
    "",
    "Every wire case (`test/wire.test.ts`) runs over TCP, a unix domain socket and TLS on each",
    "runtime: the sections `echo on the wire over tcp`, `over unix` and `over tls` below. The UDP",
    "cases run `serveDatagrams()` over each runtime's `udp()` with a `node:dgram` client: the echo",
    "itself in `udp`, the source-port guard, rate limits and drop summaries in `udp-guards`, the",
    "server's life and errors in `udp-lifecycle` (port 0, broadcast and multicast sources cannot be",
    "sent from userspace: the core's unit tests check that they get no answer). What a transport",
    "lacks on a runtime, from its `unsupported` table; a case that needs it is skipped there with",
    "this reason, and an option that needs it fails with `ERR_UNSUPPORTED_OPTION`. `unix.test.ts`",
    "and `tls.test.ts` check the socket file's and TLS's sharp edges.",
    "",
    `| transport | ability | ${runtimes.join(" | ")} |`,
    `| --- | --- | ${runtimes.map(() => "---").join(" | ")} |`,
    ...transportRows(resultsByRuntime),
    "",
  ];
  for (const file of [...byFile.keys()].sort()) {
    lines.push(`## ${file.replace(/^test\//, "").replace(/\.test\.ts$/, "")}`, "");
    const byDescribe = groupBy(byFile.get(file), (row) => row.name.split(" > ").slice(0, -1).join(" > "));
    for (const [describe, group] of byDescribe) {
      if (describe !== "") lines.push(`### ${markdownCell(describe)}`, "");
      lines.push(`| case | ${runtimes.join(" | ")} |`, `| --- | ${runtimes.map(() => "---").join(" | ")} |`);
      for (const row of group) {
        const title = row.name.split(" > ").at(-1);
        lines.push(
          `| ${markdownCell(title)} | ${runtimes.map((runtime) => markdownCell(cell(row.results[runtime]))).join(" | ")} |`,
        );
      }
      lines.push("");
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: "boolean" } } });
  const table = renderTable(Object.fromEntries(runtimes.map((runtime) => [runtime, load(runtime)])));
  const before = existsSync(output) ? readFileSync(output, "utf8") : undefined;
  writeFileSync(output, table);
  if (values.check && before !== table) {
    console.error(
      before === undefined
        ? "docs/conformance.md did not exist: it is generated now; commit it."
        : "docs/conformance.md was out of date with the conformance results: it is regenerated now; commit it.",
    );
    process.exit(1);
  }
  console.log(`docs/conformance.md: ${table === before ? "up to date" : "written"}`);
}
