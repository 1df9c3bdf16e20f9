import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.config.base.ts";

export default defineConfig(packageBuild({ platform: "node", entry: ["src/index.ts", "src/bin.ts"] }));
