import type { WireCase } from "../wire-case.ts";
import { backpressureCase } from "./backpressure.ts";
import { concurrentClientsCase, idleConnectionsCase } from "./concurrency.ts";
import { allByteValuesCase, smallWritesCase, streamCase } from "./exactness.ts";
import { endAtOnceCase, endWithDataCase, halfCloseCase } from "./half-close.ts";
import { lentBuffersCase, lentBuffersSharedCase } from "./lent-buffers.ts";
import { connectCloseCase, resetMidStreamCase } from "./misbehaviour.ts";

export { backpressureCase } from "./backpressure.ts";
export { lentBuffersCase, lentBuffersSharedCase } from "./lent-buffers.ts";

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
export const wireCases: readonly WireCase[] = [
  allByteValuesCase,
  streamCase,
  smallWritesCase,
  halfCloseCase,
  endWithDataCase,
  endAtOnceCase,
  concurrentClientsCase,
  idleConnectionsCase,
  resetMidStreamCase,
  connectCloseCase,
  lentBuffersCase,
  lentBuffersSharedCase,
  backpressureCase,
];
