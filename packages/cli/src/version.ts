/**
 * The version of the tcp-echo command, as `--version` prints it. The release script keeps it
 * equal to package.json's `version`; a unit test checks that it does.
 *
 * @example Print the version
 * ```ts
 * import { VERSION } from "@tcp-echo/cli";
 *
 * console.log(`tcp-echo ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
