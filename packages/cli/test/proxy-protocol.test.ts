// `--proxy-protocol` as users run it: each runtime's entrypoint in a child process, fed PROXY
// headers written by hand over raw sockets, then behind a real HAProxy (`send-proxy` and
// `send-proxy-v2`), which the tests start in the foreground with a config of their own and stop
// by its PID. The HAProxy cases are skipped when `haproxy` is not installed (.ci/run installs it).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Client } from "./helpers/client.ts";
import { withDeadline } from "./helpers/deadline.ts";
import { EchoProcess, killLeftovers, type StartedServer, startServer } from "./helpers/process.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const TIMEOUT_MS = 500;

/** The haproxy binary: on the PATH, or in /usr/sbin where Debian puts it (a non-root PATH may lack it). */
function findHaproxy(): string | undefined {
  for (const candidate of ["haproxy", "/usr/sbin/haproxy"]) {
    try {
      execFileSync(candidate, ["-v"], { stdio: "ignore" });
      return candidate;
    } catch {
      // Not there.
    }
  }
  return undefined;
}
const HAPROXY = findHaproxy();
/** The HAProxy processes running, killed by PID if a test leaves one behind. */
const haproxies = new Set<ChildProcess>();

let dir: string;
let large: Buffer;
let halfClose: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tcp-echo-proxy-"));
  large = randomBytes(64 * 1024 * 1024);
  halfClose = large.subarray(0, 8 * 1024 * 1024);
});
afterAll(() => {
  killLeftovers();
  for (const child of haproxies) child.kill("SIGKILL");
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A v2 PROXY header for TCP over IPv6 from `[2001:db8::7]:40000` to `[::1]:7007`. */
function v2Header(): Buffer {
  const source = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7];
  const destination = [...new Array(15).fill(0), 1];
  const body = [...source, ...destination, 40000 >> 8, 40000 & 0xff, 7007 >> 8, 7007 & 0xff];
  return Buffer.from([...SIGNATURE, 0x21, 0x21, 0, body.length, ...body]);
}

/** The first JSON log line of `type` whose text matches `pattern`, parsed. */
async function event(server: EchoProcess, type: string, pattern: RegExp): Promise<Record<string, unknown>> {
  const line = await server.waitForLine(new RegExp(`^\\{"type":"${type}".*${pattern.source}`));
  return JSON.parse(line) as Record<string, unknown>;
}

/** Waits for the client's socket to close (after a FIN or a reset). */
function closed(client: Client): Promise<void> {
  const closing = new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
  return withDeadline(closing, 5000, "the connection to close");
}

describe.concurrent.each(RUNTIMES)("tcp-echo --proxy-protocol on %s", (runtime) => {
  let started: StartedServer;
  beforeAll(async () => {
    started = await startServer(runtime, [
      "--port",
      "0",
      "--proxy-protocol",
      "--proxy-timeout",
      `${TIMEOUT_MS}ms`,
      "--log-format",
      "json",
    ]);
  });
  afterAll(async () => {
    started?.process.signal("SIGTERM");
    if (started !== undefined) expect(await started.process.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("echoes exactly what follows a v1 header, never the header, and logs the header's client", async () => {
    const client = await Client.open(started.port);
    client.send("PROXY TCP4 192.0.2.10 127.0.0.1 51000 7007\r\nhello, ");
    client.send("proxied world");
    expect((await client.finish()).toString()).toBe("hello, proxied world");
    const open = await event(started.process, "open", /"remote":"192\.0\.2\.10:51000"/);
    expect(open.remote).toBe("192.0.2.10:51000");
    await event(started.process, "close", /"remote":"192\.0\.2\.10:51000","reason":"peer","bytesIn":20,"bytesOut":20/);
  });

  test("echoes exactly what follows a v2 header for TCP over IPv6, and logs the header's client", async () => {
    const client = await Client.open(started.port);
    const payload = randomBytes(256 * 1024);
    client.send(Buffer.concat([v2Header(), payload]));
    expect((await client.finish()).equals(payload)).toBe(true);
    await event(started.process, "open", /"remote":"\[2001:db8::7\]:40000"/);
  });

  test("closes a connection with a malformed header, logs it as an accept error, and keeps serving", async () => {
    const bad = await Client.open(started.port);
    const port = bad.socket.localPort;
    bad.send("GET / HTTP/1.1\r\nHost: echo\r\n\r\n");
    await closed(bad);
    expect(bad.received.length).toBe(0);
    const logged = await event(started.process, "accept-error", new RegExp(`127\\.0\\.0\\.1:${port} rejected`));
    expect(logged.error).toBe(
      `PROXY header from 127.0.0.1:${port} rejected: the first byte is 0x47, not the start of "PROXY " (v1) or of the v2 signature; closed`,
    );
    const good = await Client.open(started.port);
    good.send("PROXY UNKNOWN\r\nstill here");
    expect((await good.finish()).toString()).toBe("still here");
  });

  test("--unix with --proxy-protocol echoes what follows the header and logs the header's client", async () => {
    const path = join(dir, `${runtime}.sock`);
    const server = new EchoProcess(runtime, ["--unix", path, "--proxy-protocol", "--log-format", "json"], {
      permissions: [`--allow-read=${path}`, `--allow-write=${path}`],
    });
    await server.waitForLine(/"type":"listening"/, 15_000);
    const client = await Client.openUnix(path);
    client.send("PROXY TCP4 192.0.2.20 198.51.100.1 52000 7007\r\nover unix");
    expect((await client.finish()).toString()).toBe("over unix");
    await event(server, "open", /"remote":"192\.0\.2\.20:52000"/);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("closes a connection that sends no header within --proxy-timeout, and logs it", async () => {
    // Taken before connecting: the server's clock starts later, at its accept.
    const since = Date.now();
    const silent = await Client.open(started.port);
    const port = silent.socket.localPort;
    await closed(silent);
    expect(Date.now() - since).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    const logged = await event(started.process, "accept-error", new RegExp(`127\\.0\\.0\\.1:${port} rejected`));
    expect(logged.error).toBe(
      `PROXY header from 127.0.0.1:${port} rejected: no complete header within ${TIMEOUT_MS} ms; closed`,
    );
  });
});

// ---- Behind HAProxy ----

/** A port free now, for HAProxy's frontend (HAProxy does not report a port it picked itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once a connection to `port` succeeds, polling until `ms` have passed; rejects if `child` exits. */
async function waitForPort(port: number, child: ChildProcess, output: () => string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`haproxy did not accept on 127.0.0.1:${port} within ${ms} ms:\n${output()}`);
}

/** Starts HAProxy in the foreground with one frontend per `server` option, all to `backend`. */
async function startHaproxy(
  name: string,
  backend: number,
  modes: readonly string[],
): Promise<{ ports: Record<string, number>; stop(): Promise<void> }> {
  const ports: Record<string, number> = {};
  for (const mode of modes) ports[mode] = await freePort();
  const sections = modes.map(
    (mode, i) => `
frontend fe${i}
  bind 127.0.0.1:${ports[mode]}
  default_backend be${i}
backend be${i}
  server echo 127.0.0.1:${backend} ${mode}`,
  );
  const config = join(dir, `${name}.cfg`);
  writeFileSync(
    config,
    `global
  maxconn 256
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
${sections.join("\n")}
`,
  );
  const child = spawn(HAPROXY ?? "haproxy", ["-f", config, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  haproxies.add(child);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (const mode of modes) await waitForPort(ports[mode] as number, child, () => output);
  return {
    ports,
    async stop() {
      child.kill("SIGTERM");
      await withDeadline(exited, 5000, "haproxy to exit");
      haproxies.delete(child);
    },
  };
}

/**
 * Sends `payload` and checks every byte that comes back against it as it arrives (nothing is
 * kept). `halfClose`: FIN right after the last byte; otherwise FIN once all of it came back.
 * Resolves with the client's port once the server's FIN arrived after exactly `payload.length`.
 */
function echoThrough(port: number, payload: Buffer, halfClose: boolean): Promise<number> {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  let received = 0;
  let mismatch: number | undefined;
  const ended = new Promise<number>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      if (mismatch === undefined && !chunk.equals(payload.subarray(received, received + chunk.length))) {
        mismatch = received;
      }
      received += chunk.length;
      if (!halfClose && received === payload.length) socket.end();
    });
    socket.once("error", reject);
    socket.once("end", () => {
      if (mismatch !== undefined) reject(new Error(`the echo differs from byte ${mismatch} on`));
      else if (received !== payload.length) reject(new Error(`${received} bytes came back, not ${payload.length}`));
      else resolve(socket.localPort as number);
      socket.end();
    });
  });
  socket.once("connect", () => {
    if (halfClose) socket.end(payload);
    else socket.write(payload);
  });
  return withDeadline(ended, 15_000, () => `the echo through haproxy (${received} of ${payload.length} bytes)`);
}

describe.skipIf(HAPROXY === undefined).concurrent.each(RUNTIMES)(
  "tcp-echo --proxy-protocol behind HAProxy on %s",
  (runtime) => {
    let started: StartedServer;
    let haproxy: Awaited<ReturnType<typeof startHaproxy>>;
    beforeAll(async () => {
      started = await startServer(runtime, ["--port", "0", "--proxy-protocol", "--log-format", "json"]);
      haproxy = await startHaproxy(runtime, started.port, ["send-proxy", "send-proxy-v2"]);
    }, 30_000);
    afterAll(async () => {
      await haproxy?.stop();
      started?.process.signal("SIGTERM");
      if (started !== undefined) expect(await started.process.waitForExit()).toEqual({ code: 0, signal: null });
    });

    test.each(["send-proxy", "send-proxy-v2"])(
      "%s: 64 MiB echo exactly, an 8 MiB half-close, and the client's own address in the log",
      async (mode) => {
        const port = haproxy.ports[mode] as number;
        const [echoPort, halfClosePort] = await Promise.all([
          echoThrough(port, large, false),
          echoThrough(port, halfClose, true),
        ]);
        for (const [client, bytes] of [
          [echoPort, large.length],
          [halfClosePort, halfClose.length],
        ] as const) {
          const remote = `127.0.0.1:${client}`;
          const open = await event(started.process, "open", new RegExp(`"remote":"${remote.replaceAll(".", "\\.")}"`));
          expect(open.remote).toBe(remote);
          await event(
            started.process,
            "close",
            new RegExp(
              `"remote":"${remote.replaceAll(".", "\\.")}","reason":"peer","bytesIn":${bytes},"bytesOut":${bytes}`,
            ),
          );
        }
      },
      // 72 MiB through HAProxy per mode and runtime, all at once: room for a loaded machine.
      30_000,
    );
  },
);
