import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.config.base.ts";

// One bundle per runtime entry; each imports only its own adapter.
export default defineConfig(
  packageBuild({ entry: ["src/index.ts", "src/node.ts", "src/deno.ts", "src/bun.ts"], platform: "neutral" }),
);
