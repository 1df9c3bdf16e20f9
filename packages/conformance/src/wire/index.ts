import type { WireCase } from "../wire-case.ts";
import { concurrentClientsCase } from "./concurrency.ts";
import { allByteValuesCase } from "./exactness.ts";
import { halfCloseCase } from "./half-close.ts";

/**
 * Every wire-level case, in the order they run.
 *
 * @example Run them all against a server
 * ```ts ignore
 * import { wireCases } from "@tcp-echo/conformance";
 *
 * for (const wireCase of wireCases) await wireCase.run({ host: "127.0.0.1", port: 7007 });
 * ```
 */
export const wireCases: readonly WireCase[] = [allByteValuesCase, concurrentClientsCase, halfCloseCase];
