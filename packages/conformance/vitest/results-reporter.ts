import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Capability, Unsupported } from "@tcp-echo/core";
import type { Reporter, TestModule } from "vitest/node";

declare module "vitest" {
  interface TaskMeta {
    /** The `unsupported` table of the transport under test, as a case saw it. */
    unsupported?: Unsupported;
    /** The capability the option a case checks needs: the case's row in the options table. */
    capability?: Capability;
    /** The transport a wire case ran over (`tcp`, `unix`, `tls`) and what it lacks. */
    transport?: { readonly name: string; readonly unsupported: Unsupported };
  }
}

/** One case's outcome on one runtime, as `docs/conformance.md` and `npm test` read it. */
export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly state: "passed" | "failed" | "skipped" | "pending";
  readonly note?: string;
  readonly durationMs: number;
  readonly error?: string;
  /** The capability whose option the case checks (see `TaskMeta.capability`). */
  readonly capability?: Capability;
  /** What the case reported with `context.annotate()`, such as the failure a check caught. */
  readonly annotations?: readonly string[];
}

/** The results file: each case's state, and the capabilities the transport said it lacks. */
export interface RunResults {
  readonly runtime: string;
  /** The transport's `unsupported` table; absent when no case recorded it (a partial run). */
  readonly unsupported?: Unsupported;
  /** Each transport the wire cases ran over, with its `unsupported` table. */
  readonly transports?: Readonly<Record<string, Unsupported>>;
  readonly cases: readonly CaseResult[];
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
    let unsupported: Unsupported | undefined;
    const transports: Record<string, Unsupported> = {};
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        const meta = test.meta();
        unsupported ??= meta.unsupported;
        if (meta.transport !== undefined) transports[meta.transport.name] = meta.transport.unsupported;
        const note = result.state === "skipped" ? result.note : undefined;
        const error = result.state === "failed" ? result.errors[0]?.message : undefined;
        const annotations = test.annotations().map((annotation) => annotation.message);
        cases.push({
          file: module.relativeModuleId,
          name: test.fullName,
          state: result.state,
          durationMs: Math.round(test.diagnostic()?.duration ?? 0),
          ...(note === undefined ? {} : { note }),
          ...(error === undefined ? {} : { error }),
          ...(meta.capability === undefined ? {} : { capability: meta.capability }),
          ...(annotations.length === 0 ? {} : { annotations }),
        });
      }
    }
    const results: RunResults = {
      runtime: this.#runtime,
      ...(unsupported === undefined ? {} : { unsupported }),
      ...(Object.keys(transports).length === 0 ? {} : { transports }),
      cases,
    };
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, `${JSON.stringify(results, null, 2)}\n`);
  }
}
