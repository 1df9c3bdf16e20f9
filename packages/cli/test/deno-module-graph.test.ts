import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { entrypoint, ROOT } from "./helpers/runtimes.ts";

// Deno evaluates every module its entrypoint reaches through static imports. One `node:` module
// among them loads Deno's Node.js compatibility layer into every server: node:fs alone held 2.5 MB
// of heap that each collection marked, which cost the echo of 1 KiB messages, 16 in flight on 100
// connections, about 1.5% of its CPU per message and 10 MiB of peak memory (benchmarks/results/
// deno-no-node-fs-vs-before). Node.js modules are loaded where they are used instead, by a dynamic
// import or process.getBuiltinModule(), on the runtimes that use them.

interface DenoInfo {
  readonly roots: readonly string[];
  readonly modules: readonly {
    readonly specifier: string;
    readonly dependencies?: readonly { readonly code?: { readonly specifier: string }; readonly isDynamic?: boolean }[];
  }[];
}

/** The modules `deno run ENTRY` evaluates at startup: the static imports' closure, type-only imports left out. */
async function staticGraph(entry: string): Promise<Set<string>> {
  const [deno] = entrypoint("deno");
  const { stdout } = await promisify(execFile)(deno, ["info", "--json", entry], { cwd: ROOT, maxBuffer: 1 << 24 });
  const info = JSON.parse(stdout) as DenoInfo;
  const modules = new Map(info.modules.map((module) => [module.specifier, module]));
  const reached = new Set<string>();
  const pending = [...info.roots];
  for (let specifier = pending.pop(); specifier !== undefined; specifier = pending.pop()) {
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && dependency.isDynamic !== true) pending.push(dependency.code.specifier);
    }
  }
  return reached;
}

test("the Deno entrypoint loads no node: module at startup", async () => {
  const graph = await staticGraph("runtimes/deno/main.ts");
  // The walk itself is checked: the adapter and the command are in the graph.
  expect(graph).toContain(new URL("packages/deno/src/index.ts", `file://${ROOT}`).href);
  expect(graph).toContain(new URL("packages/cli/src/platform/process.ts", `file://${ROOT}`).href);
  expect([...graph].filter((specifier) => specifier.startsWith("node:"))).toEqual([]);
});
