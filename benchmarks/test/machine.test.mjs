import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { commitOf, kernelOf } from "../src/machine.mjs";

describe("commitOf()", () => {
  const dir = mkdtempSync(join(tmpdir(), "tcp-echo-commit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], {
      cwd: dir,
      stdio: "ignore",
    });

  test("names the commit at the top of a checkout, marked once a tracked file changes", () => {
    git("init", "-q");
    writeFileSync(join(dir, "file"), "one\n");
    git("add", "file");
    git("commit", "-q", "-m", "one");
    const commit = commitOf(dir);
    expect(commit).toMatch(/^[0-9a-f]{7,}$/);
    writeFileSync(join(dir, "file"), "two\n");
    expect(commitOf(dir)).toBe(`${commit} (with local changes)`);
  });

  test("names none for a folder inside a checkout, or outside any", () => {
    mkdirSync(join(dir, "inner"), { recursive: true });
    expect(commitOf(join(dir, "inner"))).toBeUndefined();
    const bare = mkdtempSync(join(tmpdir(), "tcp-echo-nogit-"));
    try {
      expect(commitOf(bare)).toBeUndefined();
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe("kernelOf()", () => {
  test("names the kernel and its TCP congestion control, which loopback TCP figures depend on", () => {
    expect(kernelOf({ kernel: "6.1.0", tcpCongestionControl: "bbr" })).toBe("Linux 6.1.0, TCP congestion control bbr");
  });

  test("names the kernel alone for a result from before the congestion control was recorded", () => {
    expect(kernelOf({ kernel: "6.1.0" })).toBe("Linux 6.1.0");
  });
});
