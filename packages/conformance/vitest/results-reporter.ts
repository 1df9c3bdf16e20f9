import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** One case's outcome on one runtime, as `docs/conformance.md` and `npm test` read it. */
export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly state: "passed" | "failed" | "skipped" | "pending";
  readonly note?: string;
  readonly durationMs: number;
  readonly error?: string;
}

/** Writes every case's state (with the skip reason) to a JSON file when the run ends. */
export class ResultsReporter implements Reporter {
  readonly #file: string;
  readonly #runtime: string;

  constructor(file: string, runtime: string) {
    this.#file = file;
    this.#runtime = runtime;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const cases: CaseResult[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        const note = result.state === "skipped" ? result.note : undefined;
        const error = result.state === "failed" ? result.errors[0]?.message : undefined;
        cases.push({
          file: module.relativeModuleId,
          name: test.fullName,
          state: result.state,
          durationMs: Math.round(test.diagnostic()?.duration ?? 0),
          ...(note === undefined ? {} : { note }),
          ...(error === undefined ? {} : { error }),
        });
      }
    }
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, `${JSON.stringify({ runtime: this.#runtime, cases }, null, 2)}\n`);
  }
}
