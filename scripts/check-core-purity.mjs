#!/usr/bin/env node
// Fails when a non-test source file of @tcp-echo/core reaches for a runtime: `node:` modules,
// the `Deno` or `Bun` globals. Comments are exempt (doc examples name the adapters); code and
// strings are not.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const sourceDir = join(root, "packages/core/src");
const forbidden = /\bnode:|\bDeno\b|\bBun\b/;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.[cm]?tsx?$/.test(entry.name) && !/\.test\.[cm]?tsx?$/.test(entry.name)) yield path;
  }
}

// Blank out comments, keeping line breaks so reported line numbers stay right.
function withoutComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|(?<![:"'`\\])\/\/[^\n]*/g, (comment) => comment.replace(/[^\n]/g, " "));
}

const offences = [];
for (const file of sources(sourceDir)) {
  withoutComments(readFileSync(file, "utf8"))
    .split("\n")
    .forEach((line, index) => {
      const match = forbidden.exec(line);
      if (match) offences.push(`${relative(root, file)}:${index + 1}: "${match[0]}" in: ${line.trim()}`);
    });
}

if (offences.length > 0) {
  console.error("@tcp-echo/core must not depend on a runtime (no node:, Deno or Bun outside comments):");
  for (const offence of offences) console.error(`  ${offence}`);
  process.exit(1);
}
console.log("core purity: no node:, Deno or Bun in packages/core/src");
