import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import * as node from "@tcp-echo/node";
import { afterEach, describe, expect, test } from "vitest";
import { HELP } from "../src/help.ts";
import { main } from "../src/main.ts";
import type { Platform, Signal } from "../src/platform.ts";
import { Client } from "./helpers/client.ts";
import { withDeadline } from "./helpers/deadline.ts";

/** A platform in memory: the test reads what was written and raises the signals. */
class FakePlatform implements Platform {
  readonly runtime = { name: "fake", version: "1.0.0" };
  stdoutText = "";
  stderrText = "";
  readonly #listeners = new Map<Signal, (() => void)[]>();
  readonly #lineWaiters = new Set<() => void>();

  constructor(
    readonly args: readonly string[],
    readonly variables: Record<string, string> = {},
    readonly denied?: string,
  ) {}

  env(name: string): string | undefined {
    return this.variables[name];
  }
  stdout(text: string): void {
    this.stdoutText += text;
  }
  stderr = (text: string): void => {
    this.stderrText += text;
    for (const wake of this.#lineWaiters) wake();
  };
  onSignal(signal: Signal, listener: () => void): void {
    this.#listeners.set(signal, [...(this.#listeners.get(signal) ?? []), listener]);
  }
  exit(code: number): never {
    throw new Error(`exit(${code}) is the caller's job`);
  }
  readonly pid = 4242;
  hostname(): string {
    return "test-host";
  }
  lookup(host: string): Promise<string> {
    return Promise.reject(Object.assign(new Error(`no resolver in this test for ${host}`), { code: "ENOTFOUND" }));
  }
  listenDenied(): string | undefined {
    return this.denied;
  }
  readTextFile(path: string): string {
    return readFileSync(path, "utf8");
  }
  raise(signal: Signal): void {
    for (const listener of this.#listeners.get(signal) ?? []) listener();
  }
  waitForText(pattern: RegExp): Promise<RegExpExecArray> {
    return withDeadline(
      new Promise((resolve) => {
        const check = () => {
          const match = pattern.exec(this.stderrText);
          if (match === null) return;
          this.#lineWaiters.delete(check);
          resolve(match);
        };
        this.#lineWaiters.add(check);
        check();
      }),
      5000,
      () => `${pattern} in ${JSON.stringify(this.stderrText)}`,
    );
  }
}

let blocker: NetServer | undefined;
afterEach(() => {
  blocker?.close();
  blocker = undefined;
});

describe("main", () => {
  test("--help writes the help to stdout and returns 0", async () => {
    const platform = new FakePlatform(["--help"]);
    expect(await main(platform, node)).toBe(0);
    expect(platform.stdoutText).toBe(HELP);
    expect(platform.stderrText).toBe("");
  });

  test("--version writes the version and the runtime to stdout", async () => {
    const platform = new FakePlatform(["-V"]);
    expect(await main(platform, node)).toBe(0);
    expect(platform.stdoutText).toBe("tcp-echo 0.1.0 (fake 1.0.0)\n");
  });

  test("a bad flag writes two lines to stderr and returns 2", async () => {
    const platform = new FakePlatform(["--port", "70000"]);
    expect(await main(platform, node)).toBe(2);
    expect(platform.stderrText).toBe(
      "tcp-echo: invalid --port '70000': expected a whole number from 0 to 65535\nTry 'tcp-echo --help' for more information.\n",
    );
    expect(platform.stdoutText).toBe("");
  });

  test("a runtime that denies listening gets one line and 1, without a listen", async () => {
    const platform = new FakePlatform(["--port", "7007"], {}, "Cannot listen on 127.0.0.1:7007: grant it");
    expect(await main(platform, node)).toBe(1);
    expect(platform.stderrText).toBe("tcp-echo: Cannot listen on 127.0.0.1:7007: grant it\n");
  });

  test("an address in use is one line with a remedy, and 1", async () => {
    const taken = createServer();
    blocker = taken;
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    const platform = new FakePlatform(["--port", String(port)]);
    expect(await main(platform, node)).toBe(1);
    expect(platform.stderrText).toBe(
      `tcp-echo: Cannot listen on 127.0.0.1:${port}: address already in use; pick another port with --port\n`,
    );
  });

  test("the first signal shuts down gracefully and returns 0", async () => {
    const platform = new FakePlatform(["--port", "0"], { PORT: "1" });
    const exit = main(platform, node);
    const [, port] = (await platform.waitForText(/listening on 127\.0\.0\.1:(\d+) \(node \S+\)\n/)) ?? [];
    const client = await Client.open(Number(port));
    // Sending more than the socket buffers hold while reading nothing keeps the echo in flight
    // across the signal: the connection is busy, not idle, and must be let finish.
    const payload = randomBytes(8 * 1024 * 1024);
    client.socket.pause();
    client.send(payload);
    platform.raise("SIGTERM");
    await platform.waitForText(/shutting down: 1 connection open, waiting up to 10s\n/);
    client.socket.resume();
    expect((await client.finish()).equals(payload)).toBe(true);
    expect(await exit).toBe(0);
    expect(platform.stderrText).toMatch(/tcp-echo stopped: 0 idle closed, 1 finished, 0 reset\n$/);
  });

  test("a second signal returns 130 for SIGINT without waiting for connections", async () => {
    const platform = new FakePlatform(["--port", "0", "--quiet"]);
    const exit = main(platform, node);
    const [, port] = (await platform.waitForText(/listening on 127\.0\.0\.1:(\d+) /)) ?? [];
    const client = await Client.open(Number(port));
    await platform.waitForText(/listening/);
    platform.raise("SIGINT");
    await platform.waitForText(/shutting down/);
    platform.raise("SIGINT");
    expect(await exit).toBe(130);
    expect(platform.stderrText).toContain("tcp-echo: second SIGINT, exiting now with code 130\n");
    await withDeadline(client.ended, 5000, "the connection to be reset");
    // The cut-short shutdown reports nothing after the exit line: its result is not the server's.
    expect(platform.stderrText).toMatch(/exiting now with code 130\n$/);
  });

  test("--greeting fills in the placeholders from the platform, POD_NAME included", async () => {
    const platform = new FakePlatform(["--port", "0", "--greeting", "{pod}/{host}/{pid}/{runtime}\\n"], {
      POD_NAME: "echo-7f9c",
    });
    const exit = main(platform, node);
    const [, port] = (await platform.waitForText(/listening on 127\.0\.0\.1:(\d+) /)) ?? [];
    const client = await Client.open(Number(port));
    const expected = `echo-7f9c/test-host/4242/${platform.runtime.name} ${platform.runtime.version}\n`;
    expect((await client.waitForBytes(expected.length)).toString()).toBe(expected);
    client.destroy();
    platform.raise("SIGTERM");
    expect(await exit).toBe(0);
  });
});
