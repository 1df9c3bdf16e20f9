import { transport } from "tcp-echo:binding";
import type { Capability } from "@tcp-echo/core";
import type { TestContext } from "vitest";

/** Skips the running case, with the transport's own reason, when it lacks `capability`. */
export function requires(context: TestContext, capability: Capability): void {
  const reason = transport.unsupported[capability];
  if (reason !== undefined) context.skip(`${transport.runtime.name} lacks ${capability}: ${reason}`);
}
