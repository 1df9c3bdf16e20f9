import type { RuntimeInfo } from "@tcp-echo/core";

/** Throws at load when this adapter is imported outside Deno. */
export function assertDeno(): RuntimeInfo {
  if (typeof Deno === "undefined" || typeof Deno.listen !== "function") {
    throw new Error("@tcp-echo/deno runs on Deno; on Node.js use @tcp-echo/node, on Bun @tcp-echo/bun");
  }
  return { name: "deno", version: Deno.version.deno };
}
