#!/usr/bin/env node
/**
 * Do the documented examples run on the lowest Node.js in `engines`? Every TypeScript and
 * JavaScript example in the README files and in the packages' JSDoc (`ignore` ones included:
 * they are not run, but they must still parse) is stripped of its types and parsed with
 * `node --check`, so syntax that Node.js 20 lacks (`await using`, for one) fails here instead of
 * in a user's terminal. The README files' TypeScript examples are also type-checked with
 * `deno check --doc-only` (the JSDoc ones are, by `scripts/check-packages.mjs`).
 *
 *   node scripts/check-examples.mjs     exits 1 naming each example that fails
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const CODE = new Set(["ts", "typescript", "js", "javascript", "mjs"]);
const TYPESCRIPT = new Set(["ts", "typescript"]);

/** @typedef {{ file: string, line: number, lang: string, code: string }} Example */

/** The Markdown files whose examples users copy. */
function markdownFiles() {
  const files = ["README.md", "examples/README.md", "benchmarks/README.md"];
  for (const dir of ["packages", "docs"]) {
    for (const entry of readdirSync(join(root, dir))) {
      const path = dir === "docs" ? join(dir, entry) : join(dir, entry, "README.md");
      if (path.endsWith(".md") && exists(path)) files.push(path);
    }
  }
  return files;
}

function exists(path) {
  try {
    return statSync(join(root, path)).isFile();
  } catch {
    return false;
  }
}

/** Every source file of a published package, tests left out. */
function sourceFiles(dir = "packages") {
  const found = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "dist", "test", "fixture"].includes(entry.name)) found.push(...sourceFiles(path));
    } else if (path.includes("/src/") && path.endsWith(".ts") && !path.endsWith(".test.ts")) {
      found.push(path);
    }
  }
  return found;
}

/**
 * The fenced code blocks of a text, `prefix` stripped from each line (" * " in JSDoc).
 * @returns {Example[]}
 */
function fencedBlocks(file, text, prefix) {
  const examples = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = strip(lines[i], prefix)?.match(/^```(\w+)/);
    if (!open || !CODE.has(open[1])) continue;
    const body = [];
    let j = i + 1;
    while (j < lines.length && strip(lines[j], prefix)?.trimEnd() !== "```") body.push(strip(lines[j++], prefix) ?? "");
    examples.push({ file, line: i + 1, lang: open[1], code: body.join("\n") });
    i = j;
  }
  return examples;
}

function strip(line, prefix) {
  if (prefix === "") return line;
  const trimmed = line.trimStart();
  if (trimmed === "*") return "";
  return trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : undefined;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    );
  });
}

const markdown = markdownFiles();
const examples = [
  ...markdown.flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), "utf8"), "")),
  ...sourceFiles().flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), "utf8"), "* ")),
];

const work = mkdtempSync(join(tmpdir(), "tcp-echo-examples-"));
let failed = 0;
try {
  const checks = examples.map(async (example, index) => {
    const js = TYPESCRIPT.has(example.lang)
      ? ts.transpileModule(example.code, {
          compilerOptions: { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext },
        }).outputText
      : example.code;
    const path = join(work, `${index}.mjs`);
    writeFileSync(path, js);
    const { ok, output } = await run(process.execPath, ["--check", path]);
    if (!ok) {
      failed++;
      const where = `${example.file}:${example.line}`;
      console.log(
        `FAIL ${where}: does not parse on Node.js ${process.versions.node}\n${output.replaceAll(path, where)}`,
      );
    }
  });
  await Promise.all(checks);
  console.log(
    `${examples.length - failed} of ${examples.length} examples parse on Node.js ${process.versions.node} ` +
      `(${markdown.length} Markdown files and the packages' JSDoc)`,
  );

  const typed = markdown.filter((file) =>
    fencedBlocks(file, readFileSync(join(root, file), "utf8"), "").some((example) => TYPESCRIPT.has(example.lang)),
  );
  const deno = await run(join(root, "node_modules/.bin/deno"), ["check", "--quiet", "--doc-only", ...typed]);
  if (deno.ok)
    console.log(`the TypeScript examples of ${typed.length} Markdown files type-check (deno check --doc-only)`);
  else {
    failed++;
    console.log(
      `FAIL deno check --doc-only ${typed.map((file) => relative(root, join(root, file))).join(" ")}\n${deno.output}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
