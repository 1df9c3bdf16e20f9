// TLS's sharp edges: protocol versions, handshake timeouts and stalls, garbage on the port,
// clients that vanish without close_notify, credentials that cannot be used, client
// certificates. Nothing here is cryptography of ours: each runtime's TLS does it. The echo
// itself runs over TLS in wire.test.ts.
import { execFile } from "node:child_process";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tls } from "tcp-echo:binding";
import {
  type Server,
  type ServerEvent,
  serve,
  type TcpEchoError,
  type TlsAddress,
  type TlsOptions,
} from "@tcp-echo/core";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import {
  allByteValues,
  assertSameBytes,
  EchoClient,
  patternBytes,
  roundTrip,
  type TestCertificates,
  type TlsTarget,
  withDeadline,
} from "../src/index.ts";
import { releaseTransports, testCertificates } from "./transports.ts";

let certs: TestCertificates;
beforeAll(async () => {
  certs = await testCertificates();
});
afterAll(releaseTransports);

/** A TLS server on 127.0.0.1, its target, and its accept-error events. */
interface TlsServer {
  readonly server: Server<TlsAddress>;
  readonly target: TlsTarget;
  readonly acceptErrors: Error[];
  /** Resolves with the first accept error whose message matches `pattern`, within `ms`. */
  acceptError(pattern: RegExp, ms: number): Promise<Error>;
  /** Resolves once `count` connections have closed, within `ms`. */
  closes(count: number, ms: number): Promise<void>;
}

async function serveTls(options: Partial<TlsOptions> = {}): Promise<TlsServer> {
  const acceptErrors: Error[] = [];
  let closes = 0;
  const waiters = new Set<() => void>();
  const transport = tls({ cert: certs.certPem, key: certs.keyPem, ...options });
  const server = await serve(transport, {
    host: "127.0.0.1",
    port: 0,
    onEvent(event: ServerEvent<TlsAddress>) {
      if (event.type === "accept-error") acceptErrors.push(event.error);
      else if (event.type === "close") closes += 1;
      else return;
      for (const wake of waiters) wake();
    },
  });
  return {
    server,
    target: { host: "127.0.0.1", port: server.address.port, tls: { ca: certs.caCertPem } },
    acceptErrors,
    acceptError(pattern, ms) {
      const found = new Promise<Error>((resolve) => {
        const check = () => {
          const error = acceptErrors.find((candidate) => pattern.test(candidate.message));
          if (error === undefined) return;
          waiters.delete(check);
          resolve(error);
        };
        waiters.add(check);
        check();
      });
      return withDeadline(
        found,
        ms,
        `an accept error matching ${pattern} (have: ${acceptErrors.map((e) => e.message).join(" | ")})`,
      );
    },
    closes(count, ms) {
      const reached = new Promise<void>((resolve) => {
        const check = () => {
          if (closes < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
      return withDeadline(reached, ms, `${count} connections to close`);
    },
  };
}

async function echoes(target: TlsTarget, what: string): Promise<void> {
  const payload = allByteValues();
  assertSameBytes(await roundTrip(target, payload, 5000), payload, what);
}

/** A raw TCP connection to the TLS port, which sends `bytes` (or nothing) and is left open. */
function rawConnection(port: number, bytes?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    // Read (and drop) what the server sends, such as an alert: a runtime that reads the request
    // and answers before closing gets its FIN noticed only by a reading client.
    socket.resume();
    socket.once("connect", () => {
      if (bytes !== undefined) socket.write(bytes);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

function closed(socket: Socket, ms: number, what: string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return withDeadline(new Promise((resolve) => socket.once("close", () => resolve())), ms, what);
}

/** Runs `openssl s_client` with `args` against the port; resolves with whether the handshake succeeded. */
function opensslHandshake(port: number, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(
      "openssl",
      ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", certs.caCert, ...args],
      { timeout: 10_000 },
      (error, stdout) => resolve(error === null && /Verify return code: 0 \(ok\)/.test(stdout)),
    );
    child.stdin?.end();
  });
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<TcpEchoError> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: TcpEchoError) => error,
  );
}

function requiresTls(context: TestContext, capability: "tlsClientAuth" | "tlsMinVersion" | "handshakeAbort"): void {
  const transport = tls({ cert: certs.certPem, key: certs.keyPem });
  const reason = transport.unsupported[capability];
  if (reason !== undefined) context.skip(`${transport.runtime.name} tls lacks ${capability}: ${reason}`);
}

describe("TLS versions", () => {
  it("accepts TLS 1.2 and 1.3 clients and refuses TLS 1.0 and 1.1", async () => {
    const { server, target } = await serveTls();
    try {
      expect(await opensslHandshake(target.port, ["-tls1_3"])).toBe(true);
      expect(await opensslHandshake(target.port, ["-tls1_2"])).toBe(true);
      expect(await opensslHandshake(target.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])).toBe(false);
      expect(await opensslHandshake(target.port, ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])).toBe(false);
      await echoes(target, "echo after refused old clients");
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });

  it('with minVersion: "TLSv1.3", refuses TLS 1.2 clients', async (context) => {
    requiresTls(context, "tlsMinVersion");
    const { server, target } = await serveTls({ minVersion: "TLSv1.3" });
    try {
      expect(await opensslHandshake(target.port, ["-tls1_2"])).toBe(false);
      expect(await opensslHandshake(target.port, ["-tls1_3"])).toBe(true);
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });

  it("refuses minVersion below TLS 1.2 before listening", () => {
    let code = "";
    try {
      tls({ cert: certs.certPem, key: certs.keyPem, minVersion: "TLSv1.1" as "TLSv1.2" });
    } catch (error) {
      code = (error as TcpEchoError).code;
    }
    expect(code).toBe("ERR_INVALID_OPTION");
  });
});

describe("TLS backpressure", () => {
  it("a high-water mark below the runtime's own TLS write buffer still drains: 64 round trips of 8,000 bytes", async () => {
    // Node.js keeps a TLS socket's own write buffer mark (16 KiB on Node 20) whatever
    // highWaterMark the server asks for, so an 8,000-byte echo fills the core's 1 KiB mark but not Node's: the core must
    // not wait for a drain that Node never owes it. Each round waits for its echo, so nothing
    // else arriving could wake a paused connection.
    await using server = await serve(tls({ cert: certs.certPem, key: certs.keyPem }), {
      host: "127.0.0.1",
      port: 0,
      highWaterMark: 1024,
    });
    const target: TlsTarget = { host: "127.0.0.1", port: server.address.port, tls: { ca: certs.caCertPem } };
    const round = 8000;
    const payload = patternBytes(64 * round, 7);
    const client = await EchoClient.connect(target, { timeout: 5000 });
    try {
      for (let offset = 0; offset < payload.byteLength; offset += round) {
        await client.write(payload.subarray(offset, offset + round));
        await client.until(offset + round, 5000);
      }
      client.end();
      assertSameBytes(await client.untilEnd(5000), payload, "the echo of 64 rounds of 8,000 bytes");
    } finally {
      client.destroy();
    }
  });
});

describe("TLS handshakes", () => {
  it("reports a client that never sends a ClientHello at the handshake timeout, and keeps serving", async () => {
    const { server, target, acceptError } = await serveTls({ handshakeTimeout: 300 });
    const stalled = await rawConnection(target.port);
    try {
      const error = await acceptError(
        /^TLS handshake with 127\.0\.0\.1:\d+ failed: no handshake within 300 ms; .+$/,
        5000,
      );
      expect((error as TcpEchoError).code).toBe("ERR_TLS_HANDSHAKE");
      await echoes(target, "echo after a stalled handshake");
    } finally {
      stalled.destroy();
      await server.shutdown({ timeout: 1000 });
    }
  });

  it("closes a client that never sends a ClientHello at the handshake timeout", async (context) => {
    requiresTls(context, "handshakeAbort");
    const { server, target, acceptError } = await serveTls({ handshakeTimeout: 300 });
    try {
      const stalled = await rawConnection(target.port);
      await closed(stalled, 5000, "the stalled connection to be closed");
      await acceptError(/^TLS handshake with 127\.0\.0\.1:\d+ failed: no handshake within 300 ms; closed$/, 5000);
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });

  it("serves a new client within 2 s while 300 handshakes stall", async () => {
    const { server, target } = await serveTls();
    const stalled: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) stalled.push(await rawConnection(target.port));
      const payload = allByteValues();
      const echoed = await withDeadline(
        roundTrip(target, payload, 2000),
        2000,
        "a new client beside 300 stalled handshakes",
      );
      assertSameBytes(echoed, payload, "echo beside stalled handshakes");
    } finally {
      for (const socket of stalled) socket.destroy();
      await server.shutdown({ timeout: 1000 });
    }
  });

  it("closes a connection that sends plaintext or garbage, reports it, and keeps serving", async () => {
    const { server, target, acceptError } = await serveTls();
    try {
      const http = await rawConnection(target.port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
      await closed(http, 5000, "the plaintext connection to be closed");
      const garbage = await rawConnection(target.port, Buffer.from(patternBytes(4096, 3)).toString("latin1"));
      await closed(garbage, 5000, "the garbage connection to be closed");
      const error = await acceptError(/^TLS handshake with 127\.0\.0\.1:\d+ failed: .+; closed$/, 5000);
      expect((error as TcpEchoError).code).toBe("ERR_TLS_HANDSHAKE");
      expect(error.message).not.toContain("\n");
      await echoes(target, "echo after garbage");
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });
});

describe("TLS clients that vanish", () => {
  /** A TLS client over a TCP socket the test owns, so it can close or reset it under TLS. */
  async function clientMidEcho(target: TlsTarget): Promise<Socket> {
    const raw = await rawConnection(target.port);
    const secure = tlsConnect({ socket: raw, ca: certs.caCertPem, servername: "localhost" });
    secure.on("error", () => {});
    await withDeadline(new Promise((resolve) => secure.once("secureConnect", resolve)), 5000, "the TLS handshake");
    const echoing = new Promise((resolve) => secure.once("data", resolve));
    secure.write(patternBytes(1 << 20, 5));
    await withDeadline(echoing, 5000, "the echo to start");
    return raw;
  }

  for (const [how, end] of [
    ["closes without close_notify", (raw: Socket) => raw.destroy()],
    ["resets", (raw: Socket) => raw.resetAndDestroy()],
  ] as const) {
    it(`a client that ${how} in the middle of an echo ends only its own connection`, async () => {
      const { server, target, closes } = await serveTls();
      try {
        const other = await EchoClient.connect(target);
        end(await clientMidEcho(target));
        await closes(1, 5000);
        expect(server.connectionCount).toBe(1);
        const payload = patternBytes(256 << 10, 9);
        await other.writeAll([payload]);
        other.end();
        assertSameBytes(await other.untilEnd(10_000), payload, "the other client's echo");
        await echoes(target, "a new client's echo");
      } finally {
        await server.shutdown({ timeout: 1000 });
      }
    });
  }
});

describe("TLS credentials", () => {
  it("a key that does not match the certificate fails the listen with ERR_TLS_CREDENTIALS", async () => {
    const error = await failure(
      (async () => serve(tls({ cert: certs.certPem, key: certs.otherKeyPem }), { host: "127.0.0.1", port: 0 }))(),
    );
    expect(error.code).toBe("ERR_TLS_CREDENTIALS");
    expect(error.message).toMatch(
      /^Cannot listen on tls:\/\/127\.0\.0\.1:0: the TLS certificate or key cannot be used: /,
    );
  });

  it("text that is not PEM fails at once with ERR_TLS_CREDENTIALS", () => {
    let error: TcpEchoError | undefined;
    try {
      tls({ cert: "not a certificate", key: certs.keyPem });
    } catch (thrown) {
      error = thrown as TcpEchoError;
    }
    expect(error?.code).toBe("ERR_TLS_CREDENTIALS");
    expect(error?.message).toBe(`Cannot create a tls transport: 'cert' is not PEM (no "-----BEGIN" line)`);
  });
});

describe("TLS client certificates", () => {
  it("with requestCert, serves a client whose certificate the CA signed and refuses one without", async (context) => {
    requiresTls(context, "tlsClientAuth");
    const { server, target, acceptError } = await serveTls({ ca: certs.caCertPem, requestCert: true });
    try {
      const withCert: TlsTarget = {
        ...target,
        tls: { ...target.tls, cert: certs.clientCertPem, key: certs.clientKeyPem },
      };
      await echoes(withCert, "echo with a client certificate");
      const refused = await EchoClient.connect(target).then(
        async (client) => {
          // TLS 1.3 finishes the client's side before the server checks the certificate.
          await client.write(new Uint8Array([1]));
          await client.untilEnd(5000);
          client.destroy();
          return client.received === 0;
        },
        () => true,
      );
      expect(refused).toBe(true);
      await acceptError(/^TLS handshake with 127\.0\.0\.1:\d+ failed: /, 5000);
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });
});
