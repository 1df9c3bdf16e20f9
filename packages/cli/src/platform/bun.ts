import type { Platform } from "../platform.ts";
import { processPlatform } from "./process.ts";

/**
 * The {@link Platform} of Bun, which implements `node:process`: `process.argv`, `process.env`,
 * `process.on(signal)`.
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
  return processPlatform({ name: "bun", version: process.versions.bun ?? "unknown" });
}
