/**
 * The tcp-echo command: an RFC 862 echo server with flags, logs, limits and graceful shutdown,
 * the same on Node.js, Deno and Bun. `main()` is the whole command; a runtime's entrypoint hands
 * it that runtime's {@link Platform} and adapter.
 *
 * @example The Deno entrypoint
 * ```ts ignore
 * import { denoPlatform, main } from "@tcp-echo/cli";
 * import * as deno from "@tcp-echo/deno";
 *
 * const platform = denoPlatform();
 * platform.exit(await main(platform, deno));
 * ```
 *
 * @module
 */

export { type CliOptions, type Command, type LogFormat, parseCommandLine, type TransportChoice } from "./args.ts";
export { describeFailure, type Failure } from "./failure.ts";
export { createLogger, formatJson, formatPretty, type LogEvent, type LoggerOptions, type WorkerTag } from "./log.ts";
export { main } from "./main.ts";
export { bunPlatform } from "./platform/bun.ts";
export { denoPlatform } from "./platform/deno.ts";
export { nodePlatform } from "./platform/node.ts";
export type { Platform, Signal } from "./platform.ts";
export type { ProxyChoice } from "./proxy-args.ts";
export type { UdpChoice } from "./udp-args.ts";
export { UsageError } from "./usage-error.ts";
export { VERSION } from "./version.ts";
export type { WorkersChoice } from "./workers/choice.ts";
export type {
  WorkerAccess,
  WorkerExit,
  WorkerProcess,
  WorkerSharing,
  WorkerSpawnOptions,
} from "./workers/worker-process.ts";
