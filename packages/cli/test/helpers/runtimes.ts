import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: entrypoints and runtime binaries are found from here. */
export const ROOT: string = fileURLToPath(new URL("../../../../", import.meta.url));

export type RuntimeName = "node" | "deno" | "bun";
export const RUNTIMES: readonly RuntimeName[] = ["node", "deno", "bun"];

/** Options of {@link entrypoint}. */
export interface EntrypointOptions {
  /** Deno only: pass --allow-net (default true). */
  readonly allowNet?: boolean;
  /** Deno only: pass --allow-env (default true). */
  readonly allowEnv?: boolean;
  /** Deno only: pass --unstable-net, which UDP needs (default true, as `npm run start:deno` does). */
  readonly unstableNet?: boolean;
  /** Deno only: more permission flags, e.g. `--allow-read=/tmp/x`. */
  readonly permissions?: readonly string[];
  /** Run the package's `tcp-echo` bin (packages/cli/dist/bin.js) instead of runtimes/<runtime>/main.ts. */
  readonly bin?: boolean;
}

const BIN = "packages/cli/dist/bin.js";

/** The command that runs `runtimes/<runtime>/main.ts` under its runtime, as `npm start*` does. */
export function entrypoint(runtime: RuntimeName, options: EntrypointOptions = {}): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, [options.bin ? BIN : "runtimes/node/dist/main.js"]];
    case "deno": {
      const permissions = [
        ...(options.unstableNet === false ? [] : ["--unstable-net"]),
        ...(options.allowNet === false ? [] : ["--allow-net"]),
        ...(options.allowEnv === false ? [] : ["--allow-env"]),
        ...(options.permissions ?? []),
      ];
      return [
        join(ROOT, "node_modules/.bin/deno"),
        ["run", ...permissions, options.bin ? BIN : "runtimes/deno/main.ts"],
      ];
    }
    case "bun":
      return [join(ROOT, "node_modules/.bin/bun"), ["run", options.bin ? BIN : "runtimes/bun/main.ts"]];
  }
}
