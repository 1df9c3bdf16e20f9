import { writeSync } from "node:fs";
import type { Platform } from "../platform.ts";
import { descriptorWriter } from "./descriptor-write.ts";
import { processPlatform } from "./process.ts";
import { spawnWorkerProcess } from "./spawn.ts";

/**
 * The {@link Platform} of Bun, which implements `node:process`: `process.argv`, `process.env`,
 * `process.on(signal)`. It writes to stdout and stderr through their descriptors and never
 * touches `process.stdout` or `process.stderr`: on Bun, building those streams slows the echo
 * (see `descriptor-write.ts`).
 *
 * @returns The platform of this process.
 *
 * @example Run the command on Bun
 * ```ts ignore
 * import { bunPlatform, main } from "@tcp-echo/cli";
 * import * as bun from "@tcp-echo/bun";
 *
 * const platform = bunPlatform();
 * platform.exit(await main(platform, bun));
 * ```
 */
export function bunPlatform(): Platform {
  return {
    ...processPlatform({ name: "bun", version: process.versions.bun ?? "unknown" }),
    stdout: descriptorWriter(1, writeSync),
    stderr: descriptorWriter(2, writeSync),
    spawnWorker(options) {
      // https://bun.com/docs/bundler/executables: in a single-file executable the script is
      // inside the binary (/$bunfs/...), which runs it when started with the arguments alone.
      const script = process.argv[1] ?? "";
      const args = script.startsWith("/$bunfs/") ? [] : [...process.execArgv, script];
      return spawnWorkerProcess(process.execPath, [...args, ...options.args], options);
    },
  };
}
