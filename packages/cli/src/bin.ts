#!/usr/bin/env node
// The `tcp-echo` bin: one file for `node`, `deno run -A npm:@tcp-echo/cli` and `bun`. It picks
// the runtime's platform and adapter by the globals each runtime defines; the adapters are
// imported dynamically because each one throws when loaded in another runtime.
import type { Adapter } from "@tcp-echo/core";
import { main } from "./main.ts";
import { bunPlatform } from "./platform/bun.ts";
import { denoPlatform } from "./platform/deno.ts";
import { nodePlatform } from "./platform/node.ts";
import type { Platform } from "./platform.ts";

async function load(): Promise<[Platform, Adapter]> {
  if ("Deno" in globalThis) return [denoPlatform(), await import("@tcp-echo/deno")];
  if ("Bun" in globalThis) return [bunPlatform(), await import("@tcp-echo/bun")];
  return [nodePlatform(), await import("@tcp-echo/node")];
}

const [platform, adapter] = await load();
platform.exit(await main(platform, adapter));
