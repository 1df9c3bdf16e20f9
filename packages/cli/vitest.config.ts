import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The process tests spawn servers under three runtimes; they wait on log lines, never on sleeps.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    maxConcurrency: 6,
  },
});
