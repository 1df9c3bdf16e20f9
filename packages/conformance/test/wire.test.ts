import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backpressureCase, lentBuffersCase, lentBuffersSharedCase, wireCases } from "../src/index.ts";
import { type Endpoint, releaseTransports, transportsUnderTest } from "./transports.ts";

// The backpressure case runs against a server in a child process, whose memory it watches
// (backpressure.test.ts), and the lent-buffer case against the transport and a broken wrapper
// of it (lent-buffers.test.ts); every other wire case runs here, in-process.
const inProcess = wireCases.filter(
  (wireCase) => wireCase !== backpressureCase && wireCase !== lentBuffersCase && wireCase !== lentBuffersSharedCase,
);

/** This process's soft and hard limits on open descriptors, where Linux tells them. */
function descriptorLimits(): { soft: number; hard: number } | undefined {
  if (!existsSync("/proc/self/limits")) return undefined;
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  if (!match) return undefined;
  const value = (text: string | undefined) => (text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text));
  return { soft: value(match[1]), hard: value(match[2]) };
}

/**
 * Makes sure this process may open `needed` descriptors, raising its soft limit towards the hard
 * one with `prlimit --pid` (JavaScript has no setrlimit). Returns why not, or undefined when it may.
 */
function allowDescriptors(needed: number): string | undefined {
  const before = descriptorLimits();
  if (before === undefined || before.soft >= needed) return undefined;
  if (before.hard >= needed) {
    try {
      execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${needed}:${before.hard}`], { stdio: "ignore" });
    } catch {
      // Reported below with the limit left in place.
    }
  }
  const after = descriptorLimits();
  if (after !== undefined && after.soft >= needed) return undefined;
  return `needs ${needed} open descriptors; the limit (ulimit -n) is ${after?.soft} (hard ${after?.hard}) and could not be raised`;
}

describe.each(transportsUnderTest)("echo on the wire over $name", (under) => {
  let endpoint: Endpoint;
  beforeAll(async () => {
    endpoint = await under.serve();
  });
  afterAll(async () => {
    const result = await endpoint.server.shutdown({ timeout: 5000 });
    expect(result.reset).toBe(0);
    await releaseTransports();
  });

  for (const wireCase of inProcess) {
    it(
      `${wireCase.title}, and its open-connection count returns to 0`,
      async (context) => {
        context.task.meta.transport = { name: under.name, unsupported: under.unsupported };
        const lacking = wireCase.requires?.find((capability) => under.unsupported[capability] !== undefined);
        if (lacking !== undefined) context.skip(`${under.name} lacks ${lacking}: ${under.unsupported[lacking]}`);
        // In-process, the suite holds both ends of every connection.
        const refused = allowDescriptors(2 * (wireCase.connections ?? 0) + 200);
        if (refused !== undefined) context.skip(refused);
        await wireCase.run(endpoint.target);
        await endpoint.emptied(5000);
      },
      wireCase.timeout,
    );
  }
});
