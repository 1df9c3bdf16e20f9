import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.config.base.ts";

// removeNodeProtocol: false keeps `node:util` and `node:process`, which Deno and Bun load too.
export default defineConfig(
  packageBuild({
    entry: ["src/index.ts", "src/bin.ts"],
    dts: { entry: "src/index.ts" },
    platform: "node",
    removeNodeProtocol: false,
  }),
);
