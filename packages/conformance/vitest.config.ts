import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { ResultsReporter } from "./vitest/results-reporter.ts";

// The same test files run inside Node, Deno and Bun; the runtime running vitest picks the
// binding in runtimes/<runtime>/conformance.ts, which hands the suite that runtime's transport.
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const root = new URL("../../", import.meta.url);

export default defineConfig({
  resolve: {
    alias: { "tcp-echo:binding": fileURLToPath(new URL(`runtimes/${runtime}/conformance.ts`, root)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // The forks pool does not work under Bun; threads work everywhere.
    pool: runtime === "bun" ? "threads" : "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: [
      "default",
      new ResultsReporter(fileURLToPath(new URL(`.vitest-results/conformance-${runtime}.json`, root)), runtime),
    ],
  },
});
