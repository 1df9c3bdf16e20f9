import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.config.base.ts";

// removeNodeProtocol: false keeps `node:fs`, `node:os` and `node:process`, which Deno and Bun load too.
export default defineConfig(
  packageBuild({
    entry: ["src/index.ts", "src/bin.ts"],
    dts: { entry: "src/index.ts" },
    platform: "node",
    removeNodeProtocol: false,
  }),
);
