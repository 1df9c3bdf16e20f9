import type { RuntimeInfo } from "@tcp-echo/core";

declare const Deno: unknown;

/** Throws at load when this adapter is imported outside Node.js. */
export function assertNode(): RuntimeInfo {
  if (typeof Deno !== "undefined") throw new Error("@tcp-echo/node runs on Node.js; on Deno use @tcp-echo/deno");
  if (typeof process === "undefined" || process.versions.node === undefined) {
    throw new Error("@tcp-echo/node runs on Node.js; this runtime has no process.versions.node");
  }
  if (process.versions.bun !== undefined) throw new Error("@tcp-echo/node runs on Node.js; on Bun use @tcp-echo/bun");
  return { name: "node", version: process.versions.node };
}
