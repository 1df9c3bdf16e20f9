import { parseArgs } from "node:util";
import { describe, expect, test } from "vitest";
import { argvTokens, type TokenOption } from "../src/argv-tokens.ts";

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  file: { type: "string", short: "f" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies Record<string, TokenOption>;

// What parseArgs gives, less the fields args.ts does not read (index, inlineValue).
function reference(args: string[]): unknown[] {
  const { tokens } = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  return tokens.map((token) => {
    if (token.kind === "option")
      return { kind: token.kind, name: token.name, rawName: token.rawName, value: token.value };
    if (token.kind === "positional") return { kind: token.kind, value: token.value };
    return { kind: token.kind };
  });
}

const COMMAND_LINES: string[][] = [
  [],
  ["--port", "7"],
  ["--port=7", "--host="],
  ["--port"],
  ["--port", "--quiet"],
  ["--port", "-h"],
  ["--port", "--"],
  ["--quiet=1", "--quiet", "x"],
  ["--unknown", "value", "--other=1"],
  ["-h", "-V", "-hV", "-Vh"],
  ["-f", "a.txt", "-fb.txt", "-hf", "c.txt", "-hfd.txt"],
  ["-f"],
  ["-x", "-xyz", "-p", "80"],
  ["-", "--", "--port", "-h"],
  ["a", "--port", "1", "b", "--", "c"],
  ["---x", "--=", "--=x", "--a=b=c", "-=", "-h="],
  ["--no-quiet", "--no-port", "1"],
  ["--port", ""],
  ["--host", "::1", "--port", "-1"],
];

describe("argvTokens", () => {
  test.each(COMMAND_LINES.map((args) => [args.join(" ") || "(none)", args]))(
    "%s tokenizes as node:util's parseArgs does",
    (_name, args) => {
      expect(argvTokens(args as string[], OPTIONS)).toEqual(reference(args as string[]));
    },
  );

  test("an option named as an Object.prototype key is not taken for a known flag", () => {
    expect(argvTokens(["--toString", "x"], OPTIONS)).toEqual([
      { kind: "option", name: "toString", rawName: "--toString", value: undefined },
      { kind: "positional", value: "x" },
    ]);
  });
});
