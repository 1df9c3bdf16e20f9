import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transport } from "tcp-echo:binding";
import {
  AddressInUseError,
  AddressNotAvailableError,
  createListener,
  type Listener,
  PermissionDeniedError,
  type TcpAddress,
  type TcpBindOptions,
  TcpEchoError,
} from "@tcp-echo/core";
import { describe, expect, it, type TestContext } from "vitest";
import { Fixture, fixtureScript, runtimeCommand } from "./fixture.ts";

const NOBODY = 65534;
const SETPRIV = "/usr/bin/setpriv";
const DROP_TO_NOBODY = [SETPRIV, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all"];

/** The lowest port an unprivileged process may bind, or undefined where the system does not say. */
function unprivilegedPortStart(): number | undefined {
  const file = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : undefined;
}

/** Skips unless port 80 needs privileges here and an unprivileged process can be arranged. */
function arrangeUnprivileged(context: TestContext): "in-process" | "as-nobody" {
  const start = unprivilegedPortStart();
  if (start !== undefined && start <= 80) {
    context.skip(`port 80 needs no privileges here (net.ipv4.ip_unprivileged_port_start is ${start})`);
  }
  if (process.getuid?.() !== 0) return "in-process";
  if (!existsSync(SETPRIV)) context.skip(`running as root and ${SETPRIV} is missing: cannot drop privileges`);
  const [runtime] = runtimeCommand();
  const readable = spawnSync(DROP_TO_NOBODY[0] as string, [
    ...DROP_TO_NOBODY.slice(1),
    "sh",
    "-c",
    'test -r "$0" && test -x "$1"',
    fixtureScript,
    runtime as string,
  ]);
  if (readable.status !== 0) context.skip(`user nobody (${NOBODY}) cannot read the fixture or run ${runtime}`);
  return "as-nobody";
}

async function listening(host: string, port: number): Promise<Listener<TcpBindOptions, TcpAddress>> {
  const listener = createListener(transport);
  listener.bind({ host, port });
  await listener.listen();
  return listener;
}

describe("listen errors", () => {
  it("a taken port is AddressInUseError (EADDRINUSE), naming the address", async () => {
    await using first = await listening("127.0.0.1", 0);
    const port = first.address?.port as number;
    const second = createListener(transport);
    second.bind({ host: "127.0.0.1", port });
    const error = await second.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AddressInUseError);
    expect(error).toBeInstanceOf(TcpEchoError);
    expect(error).toMatchObject({
      code: "EADDRINUSE",
      message: `Cannot listen on 127.0.0.1:${port}: address already in use`,
    });
    expect(second.state).toBe("created");
  });

  it("an address the machine does not have is AddressNotAvailableError (EADDRNOTAVAIL)", async () => {
    const listener = createListener(transport);
    listener.bind({ host: "192.0.2.1", port: 7 });
    const error = await listener.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AddressNotAvailableError);
    expect(error).toMatchObject({
      code: "EADDRNOTAVAIL",
      message: "Cannot listen on 192.0.2.1:7: address not available on this machine",
    });
  });

  it("a privileged port without privileges is PermissionDeniedError (EACCES)", async (context) => {
    if (arrangeUnprivileged(context) === "in-process") {
      const listener = createListener(transport);
      listener.bind({ host: "127.0.0.1", port: 80 });
      const error = await listener.listen().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error).toMatchObject({ code: "EACCES", message: "Cannot listen on 127.0.0.1:80: permission denied" });
      return;
    }
    // As root, the same listen runs in a fixture as user nobody, which reports the error it got.
    const home = mkdtempSync(join(tmpdir(), "tcp-echo-nobody-"));
    try {
      chownSync(home, NOBODY, NOBODY);
      const fixture = new Fixture({
        wrapper: DROP_TO_NOBODY,
        args: ["--port", "80"],
        env: {
          PATH: process.env.PATH,
          HOME: home,
          TMPDIR: home,
          XDG_CACHE_HOME: home,
          DENO_DIR: join(home, "deno"),
          DENO_NO_UPDATE_CHECK: "1",
          BUN_INSTALL_CACHE_DIR: join(home, "bun"),
        },
      });
      try {
        expect(await fixture.started()).toEqual({
          event: "error",
          instanceOf: "PermissionDeniedError",
          name: "PermissionDeniedError",
          code: "EACCES",
          message: "Cannot listen on 127.0.0.1:80: permission denied",
        });
      } finally {
        await fixture.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
