import type { Platform } from "../platform.ts";
import { descriptorWriter } from "./descriptor-write.ts";
import { processPlatform } from "./process.ts";
import { spawnWorkerProcess } from "./spawn.ts";

// The part of the Bun namespace this file uses, so the package type-checks without Bun's types.
interface BunApi {
  readonly stdin: { stream(): ReadableStream<Uint8Array> };
}

/**
 * The {@link Platform} of Bun, which implements `node:process`: `process.argv`, `process.env`,
 * `process.on(signal)`. It never touches `process.stdout`, `process.stderr` or `process.stdin`:
 * on Bun, building one of those streams slows the echo for the life of the process (see
 * `descriptor-write.ts`). It writes through the descriptors, and a worker watches stdin through
 * `Bun.stdin`.
 *
 * @returns The platform of this process.
 * @throws {Error} When called outside Bun.
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
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (bun === undefined) throw new Error("bunPlatform() needs the Bun runtime");
  // Loaded here, not imported: Deno evaluates this module too when it imports the package, and a
  // static node:fs import costs a Deno process 2.5 MB of heap it never uses (see process.ts).
  const { writeSync } = process.getBuiltinModule("node:fs");
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
    onSupervisorGone(listener) {
      // The supervisor holds the other end of stdin open and never writes: end of file means it is gone.
      const reader = bun.stdin.stream().getReader();
      const watch = async (): Promise<void> => {
        while (!(await reader.read()).done);
      };
      watch().then(listener, listener);
    },
  };
}
