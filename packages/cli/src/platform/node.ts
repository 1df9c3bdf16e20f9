import type { Platform } from "../platform.ts";
import { forkClusterWorker } from "./cluster.ts";
import { processPlatform } from "./process.ts";
import { spawnWorkerProcess } from "./spawn.ts";

/**
 * The {@link Platform} of Node.js: `process.argv`, `process.env`, `process.on(signal)`.
 *
 * @returns The platform of this process.
 *
 * @example Run the command on Node.js
 * ```ts ignore
 * import { main, nodePlatform } from "@tcp-echo/cli";
 * import * as node from "@tcp-echo/node";
 *
 * const platform = nodePlatform();
 * platform.exit(await main(platform, node));
 * ```
 */
export function nodePlatform(): Platform {
  return {
    ...processPlatform({ name: "node", version: process.versions.node }),
    // The same script, with the same flags for Node.js itself (--max-old-space-size, ...).
    spawnWorker: (options) =>
      options.sharing === "cluster"
        ? forkClusterWorker(options)
        : spawnWorkerProcess(process.execPath, [...process.execArgv, process.argv[1] ?? "", ...options.args], options),
    workerFallback: "cluster",
  };
}
