/**
 * Honest options: a key nothing reads, or an option the transport cannot honour, fails loudly
 * instead of being dropped.
 *
 * @module
 */

import { UnknownOptionError, UnsupportedOptionError } from "../errors.ts";
import type { Capability, RuntimeInfo, Unsupported } from "./capability.ts";

/**
 * Throws for the first own key of `options` that is not in `known`.
 *
 * @param action What is being done, for the message: `"bind"`, `"serve"`.
 * @param options The options object as the caller gave it.
 * @param known Every key that is read there.
 * @throws {UnknownOptionError} `ERR_UNKNOWN_OPTION`, naming the key.
 *
 * @example A TCP bind given a unix socket's option
 * ```ts
 * import { rejectUnknownOptions } from "@tcp-echo/core/transport";
 *
 * let code = "";
 * try {
 *   rejectUnknownOptions("bind", { host: "127.0.0.1", path: "/tmp/echo.sock" }, ["host", "port"]);
 * } catch (error) {
 *   code = (error as { code: string }).code;
 * }
 * if (code !== "ERR_UNKNOWN_OPTION") throw new Error(code);
 * ```
 */
export function rejectUnknownOptions(action: string, options: object, known: readonly string[]): void {
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) throw new UnknownOptionError(action, key, known);
  }
}

/**
 * Throws when the transport lacks the capability an option needs.
 *
 * @param transport The transport's runtime and `unsupported` table.
 * @param capability The capability the option needs.
 * @param option The option as a person wrote it: `"backlog"`, `"reuseAddress: false"`.
 * @throws {UnsupportedOptionError} `ERR_UNSUPPORTED_OPTION`, naming the option, the runtime and the reason.
 *
 * @example A runtime without a listen backlog
 * ```ts
 * import { requireCapability } from "@tcp-echo/core/transport";
 *
 * const transport = { runtime: { name: "bun", version: "1.4.5" }, unsupported: { backlog: "no backlog option" } };
 * let message = "";
 * try {
 *   requireCapability(transport, "backlog", "backlog");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "Cannot use option 'backlog' on bun: no backlog option") throw new Error(message);
 * ```
 */
export function requireCapability(
  transport: { readonly runtime: RuntimeInfo; readonly unsupported: Unsupported },
  capability: Capability,
  option: string,
): void {
  const reason = transport.unsupported[capability];
  if (reason !== undefined) throw new UnsupportedOptionError(option, transport.runtime.name, reason);
}
