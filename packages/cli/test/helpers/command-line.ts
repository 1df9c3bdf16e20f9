import { parseCommandLine } from "../../src/args.ts";
import { UsageError } from "../../src/usage-error.ts";

/** The options `args` (and `env`) ask the server for; throws unless the command is serve. */
export function options(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(args, (name) => env[name]);
  if (command.kind !== "serve") throw new Error(`expected serve, got ${command.kind}`);
  return command.options;
}

/** The message of the UsageError `args` (and `env`) give; throws when there is none. */
export function usageError(args: string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(args, (name) => env[name]);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify({ args, env })}`);
}
