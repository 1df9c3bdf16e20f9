import type { Options } from "tsup";

/** The build every package shares: ESM only, one bundle per entry, declarations beside it. */
export function packageBuild(options: Options = {}): Options {
  return {
    entry: ["src/index.ts"],
    format: ["esm"],
    target: "es2022",
    dts: true,
    clean: true,
    sourcemap: true,
    splitting: false,
    treeshake: true,
    ...options,
  };
}
