import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.config.base.ts";

// Two entries that share modules: splitting keeps one copy of each (the error classes must be
// the same objects whichever entry a caller imported them through).
export default defineConfig(
  packageBuild({
    platform: "neutral",
    entry: { index: "src/index.ts", transport: "src/transport.ts" },
    splitting: true,
  }),
);
