import type { RuntimeInfo } from "@tcp-echo/core";

/** Throws at load when this adapter is imported outside Bun. */
export function assertBun(): RuntimeInfo {
  const bun = (globalThis as { Bun?: { version?: unknown } }).Bun;
  if (bun === undefined || typeof bun.version !== "string") {
    const here = "Deno" in globalThis ? "on Deno use @tcp-echo/deno" : "on Node.js use @tcp-echo/node";
    throw new Error(`@tcp-echo/bun runs on Bun; ${here}`);
  }
  return { name: "bun", version: bun.version };
}
