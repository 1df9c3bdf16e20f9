import { AddressInUseError, UnsupportedOptionError } from "@tcp-echo/core";
import { describe, expect, test } from "vitest";
import { parseCommandLine } from "../src/args.ts";
import { describeFailure } from "../src/failure.ts";

const envOf = (variables: Record<string, string>) => (name: string) => variables[name];

function sourcesOf(args: string[], variables: Record<string, string>): ReadonlyMap<string, string> {
  const command = parseCommandLine(args, envOf(variables));
  if (command.kind !== "serve") throw new Error(`expected a serve command, got ${command.kind}`);
  return command.sources;
}

describe("describeFailure", () => {
  test("names the flag a remedy turns on when the command line set it", () => {
    const error = new UnsupportedOptionError("reuseAddress: false", "deno", "Deno.listen always sets SO_REUSEADDR");
    expect(describeFailure(error, sourcesOf(["--no-reuse-address"], {})).message).toBe(
      "Cannot use option 'reuseAddress: false' on deno: Deno.listen always sets SO_REUSEADDR; run without --no-reuse-address on this runtime",
    );
  });

  test("names the variable instead when the environment set it", () => {
    const error = new UnsupportedOptionError("reuseAddress: false", "deno", "Deno.listen always sets SO_REUSEADDR");
    const sources = sourcesOf([], { TCP_ECHO_REUSE_ADDRESS: "no" });
    expect(sources).toEqual(new Map([["no-reuse-address", "TCP_ECHO_REUSE_ADDRESS=no"]]));
    expect(describeFailure(error, sources).message).toBe(
      "Cannot use option 'reuseAddress: false' on deno: Deno.listen always sets SO_REUSEADDR; run without TCP_ECHO_REUSE_ADDRESS=no on this runtime",
    );
  });

  test("points at TCP_ECHO_PORT for a taken port the environment chose", () => {
    const sources = sourcesOf([], { TCP_ECHO_PORT: "7007" });
    expect(describeFailure(new AddressInUseError("127.0.0.1:7007"), sources)).toEqual({
      message: "Cannot listen on 127.0.0.1:7007: address already in use; pick another port with TCP_ECHO_PORT",
      code: "EADDRINUSE",
      exitCode: 1,
    });
    expect(describeFailure(new AddressInUseError("127.0.0.1:7007")).message).toMatch(/with --port$/);
  });
});
