import { defineConfig } from "tsup";

// One file, no declarations: dist/main.js is what `npm start` runs. The @tcp-echo/* packages
// stay external (they are dependencies) and load from node_modules.
export default defineConfig({
  entry: ["main.ts"],
  format: ["esm"],
  target: "es2022",
  platform: "node",
  clean: true,
  sourcemap: true,
});
