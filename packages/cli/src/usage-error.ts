/**
 * A command line the program cannot run: an unknown flag, a bad value, a bad `HOST` or `PORT`.
 * The command prints its message after `tcp-echo: ` with a pointer to `--help`, and exits 2.
 *
 * @example Catch a bad command line
 * ```ts
 * import { parseCommandLine, UsageError } from "@tcp-echo/cli";
 *
 * try {
 *   parseCommandLine(["--port", "70000"], () => undefined);
 * } catch (error) {
 *   if (error instanceof UsageError) console.error(`tcp-echo: ${error.message}`);
 * }
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, as one line a person can act on.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
