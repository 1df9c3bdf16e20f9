// The tcp-echo command over a unix socket and over TLS, as users run it: each runtime's
// entrypoint in a child process. Certificates are made at test time by openssl (a throwaway CA
// and a server certificate for 127.0.0.1); no key is committed.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestCertificates, type TestCertificates } from "@tcp-echo/conformance";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Client } from "./helpers/client.ts";
import { withDeadline } from "./helpers/deadline.ts";
import { EchoProcess, killLeftovers, runToExit } from "./helpers/process.ts";
import { RUNTIMES, type RuntimeName } from "./helpers/runtimes.ts";

let certs: TestCertificates;
let dir: string;
beforeAll(async () => {
  certs = await makeTestCertificates();
  dir = mkdtempSync(join(tmpdir(), "tcp-echo-cli-"));
});
afterAll(async () => {
  killLeftovers();
  await certs?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Deno's permissions for a socket path: read and write it, no network; `--unix-mode` also sets the umask. */
const unixPermissions = (path: string, mode = false) => ({
  permissions: [`--allow-read=${path}`, `--allow-write=${path}`, ...(mode ? ["--allow-sys"] : [])],
});
/** Deno's permissions for TLS: read the certificate files. */
const tlsPermissions = () => ({ permissions: ["--allow-read"] });

/** Starts a server and waits for its startup line. */
async function start(runtime: RuntimeName, args: string[], options = {}): Promise<[EchoProcess, string]> {
  const server = new EchoProcess(runtime, args, options);
  return [server, await server.waitForLine(/listening/, 15_000)];
}

/** Whether a file is at `path`. */
function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

describe.concurrent.each(RUNTIMES)("tcp-echo on %s", (runtime) => {
  test("--unix serves echo on a socket file made with --unix-mode, and removes it on SIGTERM", async () => {
    const path = join(dir, `${runtime}-mode.sock`);
    const [server, line] = await start(runtime, ["--unix", path, "--unix-mode", "0660"], unixPermissions(path, true));
    expect(line).toMatch(new RegExp(`^tcp-echo listening on unix:${path} \\(${runtime} `));
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const payload = randomBytes(256 * 1024);
    const client = await Client.openUnix(path);
    client.send(payload);
    expect((await client.finish()).equals(payload)).toBe(true);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(exists(path)).toBe(false);
  });

  test("the JSON listening event carries the transport and its address", async () => {
    const path = join(dir, `${runtime}-json.sock`);
    const [unixServer, unixLine] = await start(
      runtime,
      ["--unix", path, "--log-format", "json"],
      unixPermissions(path),
    );
    expect(JSON.parse(unixLine)).toMatchObject({ type: "listening", address: `unix:${path}`, transport: "unix", path });
    const tlsArgs = ["--tls-cert", certs.cert, "--tls-key", certs.key, "--port", "0", "--log-format", "json"];
    const [tlsServer, tlsLine] = await start(runtime, tlsArgs, tlsPermissions());
    const event = JSON.parse(tlsLine);
    expect(event).toMatchObject({ type: "listening", transport: "tls", hostname: "127.0.0.1", family: "IPv4" });
    expect(event.address).toBe(`tls://127.0.0.1:${event.port}`);
    for (const server of [unixServer, tlsServer]) {
      server.signal("SIGTERM");
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    }
  });

  test("--unix replaces the socket file of a killed server, and refuses a live one's", async () => {
    const path = join(dir, `${runtime}-stale.sock`);
    const [killed] = await start(runtime, ["--unix", path], unixPermissions(path));
    killed.signal("SIGKILL");
    await killed.waitForExit();
    expect(exists(path)).toBe(true);

    const [live] = await start(runtime, ["--unix", path], unixPermissions(path));
    const second = await runToExit(runtime, ["--unix", path], unixPermissions(path));
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `tcp-echo: Cannot listen on unix:${path}: another server is accepting connections on it; pick another path with --unix\n`,
    );
    const client = await Client.openUnix(path);
    client.send("still served");
    expect((await client.finish()).toString()).toBe("still served");
    live.signal("SIGTERM");
    expect(await live.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("--unix leaves a file that is not a socket alone", async () => {
    const path = join(dir, `${runtime}-regular`);
    writeFileSync(path, "keep me");
    const result = await runToExit(runtime, ["--unix", path], unixPermissions(path));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `tcp-echo: Cannot listen on unix:${path}: the path exists and is not a socket; it was left alone; pick another path with --unix\n`,
    );
    expect(statSync(path).isFile()).toBe(true);
  });

  test("--unix with a path over the limit is a one-line error naming it", async () => {
    const path = join(dir, "x".repeat(120));
    const result = await runToExit(runtime, ["--unix", path], unixPermissions(path));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^tcp-echo: Cannot bind unix:\S+: the path is \d+ bytes and a unix socket's may be at most 107 bytes on this system; use a shorter one\n$/,
    );
  });

  test("--tls-cert and --tls-key serve echo over TLS; garbage on the port ends only that connection", async () => {
    const args = ["--tls-cert", certs.cert, "--tls-key", certs.key, "--port", "0"];
    const [server, line] = await start(runtime, args, tlsPermissions());
    const match = new RegExp(`^tcp-echo listening on tls://127\\.0\\.0\\.1:(\\d+) \\(${runtime} `).exec(line);
    expect(match).not.toBeNull();
    const port = Number(match?.[1]);

    const garbage = connect({ host: "127.0.0.1", port });
    garbage.on("error", () => {});
    // Read what comes back (an alert): a server that answers before closing is noticed only so.
    garbage.resume();
    garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await withDeadline(
      new Promise((resolve) => garbage.once("close", resolve)),
      10_000,
      "the garbage connection to close",
    );
    await server.waitForLine(
      /^tcp-echo: cannot accept a connection: TLS handshake with 127\.0\.0\.1:\d+ failed: .+; still listening$/,
    );

    const payload = randomBytes(256 * 1024);
    const client = await Client.openTls(port, certs.caCertPem);
    client.send(payload);
    expect((await client.finish()).equals(payload)).toBe(true);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("a missing certificate file stops the start with one line naming it", async () => {
    const missing = join(dir, "missing.pem");
    const result = await runToExit(
      runtime,
      ["--tls-cert", missing, "--tls-key", certs.key, "--port", "0"],
      tlsPermissions(),
    );
    expect(result).toMatchObject({ code: 1, stderr: `tcp-echo: Cannot read --tls-cert ${missing}: no such file\n` });
  });

  test("a key that does not match the certificate stops the start with one line naming both files", async () => {
    const args = ["--tls-cert", certs.cert, "--tls-key", certs.otherKey, "--port", "0"];
    const result = await runToExit(runtime, args, tlsPermissions());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^tcp-echo: Cannot listen on tls:\/\/127\.0\.0\.1:0: the TLS certificate or key cannot be used: .+\n$/,
    );
    expect(result.stderr).toContain(`(--tls-cert ${certs.cert}, --tls-key ${certs.otherKey})`);
    expect(result.stderr.split("\n")).toHaveLength(2);
  });
});

describe("tcp-echo on deno: permissions", () => {
  test("--unix without --allow-read and --allow-write is one line naming both", async () => {
    const path = join(dir, "denied.sock");
    const result = await runToExit("deno", ["--unix", path]);
    expect(result).toMatchObject({
      code: 1,
      stderr: `tcp-echo: Cannot listen on unix:${path}: Deno may not read or write the socket file; run with --allow-read=${path} --allow-write=${path}\n`,
    });
  });

  test("--unix-mode without --allow-sys is one line naming the flag", async () => {
    const path = join(dir, "mode-denied.sock");
    const result = await runToExit("deno", ["--unix", path, "--unix-mode", "0600"], unixPermissions(path));
    expect(result).toMatchObject({
      code: 1,
      stderr: `tcp-echo: Cannot listen on unix:${path}: Requires sys access to "umask", run again with the --allow-sys flag\n`,
    });
  });

  test("TLS without --allow-read is one line naming the file and the flag", async () => {
    const result = await runToExit("deno", ["--tls-cert", certs.cert, "--tls-key", certs.key, "--port", "0"]);
    expect(result).toMatchObject({
      code: 1,
      stderr: `tcp-echo: Cannot read --tls-cert ${certs.cert}: Deno may not read it; run with --allow-read=${certs.cert}\n`,
    });
  });
});
